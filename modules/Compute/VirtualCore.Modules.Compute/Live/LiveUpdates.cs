using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Domain;

namespace VirtualCore.Modules.Compute.Live;

/// <summary>Pushes job and VM changes to open pages. Each connection hears only its own customer (operators: all).</summary>
[Authorize]
internal sealed class LiveHub : Hub
{
    public override async Task OnConnectedAsync()
    {
        var user = Context.User;
        if (user?.FindFirst(ClaimTypes.Role)?.Value == TenantClaims.OperatorRole)
        {
            await Groups.AddToGroupAsync(Context.ConnectionId, LiveGroups.Operators);
        }
        else if (Guid.TryParse(user?.FindFirst(TenantClaims.ResellerId)?.Value, out var reseller)
            && Guid.TryParse(user?.FindFirst(TenantClaims.CustomerId)?.Value, out var customer))
        {
            await Groups.AddToGroupAsync(Context.ConnectionId, LiveGroups.Customer(reseller, customer));
        }

        await base.OnConnectedAsync();
    }
}

internal static class LiveGroups
{
    public const string Operators = "operators";

    public static string Customer(Guid resellerId, Guid customerId) => $"customer:{resellerId:N}:{customerId:N}";
}

internal sealed class LiveNotifier(IHubContext<LiveHub> hub)
{
    public Task JobChangedAsync(Job job) =>
        hub.Clients.Groups(LiveGroups.Operators, LiveGroups.Customer(job.ResellerId, job.CustomerId))
            .SendAsync("job", Views.Of(job));

    public Task VmChangedAsync(VirtualMachine vm, Guid? openJobId) =>
        hub.Clients.Groups(LiveGroups.Operators, LiveGroups.Customer(vm.ResellerId, vm.CustomerId))
            .SendAsync("vm", Views.Of(vm, openJobId));
}

internal static class Views
{
    public static JobView Of(Job job) => new(
        job.Id, job.TargetType, job.TargetId, job.TargetName, job.Action, job.UserName, job.NodeName,
        job.QueuedAt, job.StartedAt, job.EndedAt, job.Status, job.Progress, job.Info);

    public static VmView Of(VirtualMachine vm, Guid? openJobId) => new(
        vm.Id, vm.Name, vm.VCpus, vm.MemoryGiB, vm.DiskGiB, vm.IsoName, vm.NodeName,
        vm.Cores.Select(c => c.Core).Order().ToArray(), vm.State, vm.CreatedAt, openJobId);
}
