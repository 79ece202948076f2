using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Domain;
using VirtualCore.Modules.Identity.Contracts;

namespace VirtualCore.Modules.Compute.Live;

/// <summary>Pushes job and VM changes to open pages. Each connection hears only its own customer (operators: all).</summary>
[Authorize]
internal sealed class LiveHub(LiveConnections connections) : Hub
{
    public override Task OnDisconnectedAsync(Exception? exception)
    {
        connections.Remove(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }

    public override async Task OnConnectedAsync()
    {
        connections.Add(Context);
        var user = Context.User;
        var role = user?.FindFirst(ClaimTypes.Role)?.Value;
        Guid.TryParse(user?.FindFirst(TenantClaims.ResellerId)?.Value, out var reseller);
        Guid.TryParse(user?.FindFirst(TenantClaims.CustomerId)?.Value, out var customer);
        Guid.TryParse(user?.FindFirst(ClaimTypes.NameIdentifier)?.Value, out var userId);
        var group = role switch
        {
            TenantClaims.OperatorRole => LiveGroups.Operators,
            TenantClaims.ResellerAdminRole => LiveGroups.Reseller(reseller),
            TenantClaims.CustomerAdminRole => LiveGroups.Customer(reseller, customer),

            // A customer user hears only about the VMs it was granted, addressed to it by name.
            TenantClaims.CustomerUserRole => LiveGroups.User(userId),
            _ => null,
        };
        if (group is not null)
        {
            await Groups.AddToGroupAsync(Context.ConnectionId, group);
        }

        await base.OnConnectedAsync();
    }
}

internal static class LiveGroups
{
    public const string Operators = "operators";

    public static string Reseller(Guid resellerId) => $"reseller:{resellerId:N}";

    public static string Customer(Guid resellerId, Guid customerId) => $"customer:{resellerId:N}:{customerId:N}";

    public static string User(Guid userId) => $"user:{userId:N}";
}

internal sealed class LiveNotifier(IHubContext<LiveHub> hub, ISender sender)
{
    public async Task JobChangedAsync(Job job) =>
        await hub.Clients.Groups(await AudienceAsync(job.TargetId, job.ResellerId, job.CustomerId)).SendAsync("job", Views.Of(job));

    public async Task VmChangedAsync(VirtualMachine vm, Guid? openJobId) =>
        await hub.Clients.Groups(await AudienceAsync(vm.Id, vm.ResellerId, vm.CustomerId)).SendAsync("vm", Views.Of(vm, openJobId));

    private async Task<IReadOnlyList<string>> AudienceAsync(Guid vmId, Guid resellerId, Guid customerId)
    {
        var viewers = await sender.Send(new ListVmViewers(vmId, customerId));
        return [LiveGroups.Operators, LiveGroups.Reseller(resellerId), LiveGroups.Customer(resellerId, customerId), .. viewers.Select(LiveGroups.User)];
    }
}

internal static class Views
{
    public static JobView Of(Job job) => new(
        job.Id, job.TargetType, job.TargetId, job.TargetName, job.Action, job.UserName, job.NodeName,
        job.QueuedAt, job.StartedAt, job.EndedAt, job.Status, job.Progress, job.Info, job.DowntimeMs);

    public static VmView Of(VirtualMachine vm, Guid? openJobId) => new(
        vm.Id, vm.Name, vm.VCpus, vm.MemoryGiB, vm.DiskGiB, vm.IsoName, vm.NodeName,
        vm.Cores.Where(c => c.NodeName == vm.NodeName).Select(c => c.Core).Order().ToArray(), vm.State, vm.CreatedAt, openJobId,
        vm.Addresses.Split(',', StringSplitOptions.RemoveEmptyEntries),
        vm.BootOrder.Split(',', StringSplitOptions.RemoveEmptyEntries),
        vm.DiskBus,
        vm.NicModel,
        vm.NextBootChanges.Split(',', StringSplitOptions.RemoveEmptyEntries));
}
