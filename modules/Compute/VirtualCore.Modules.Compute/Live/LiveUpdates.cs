using System.Security.Claims;
using System.Text.Json;
using MassTransit;
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

/// <summary>
/// Tells every open page that may see a job or VM about its change. The message goes over the bus to every portal
/// instance (each has a queue of its own), so a browser connected to one instance hears about a job another instance
/// or its agent's report changed; no sticky sessions are assumed.
/// </summary>
internal sealed class LiveNotifier(IPublishEndpoint publish, ISender sender)
{
    public async Task JobChangedAsync(Job job) =>
        await BroadcastAsync("job", await AudienceAsync(job.TargetId, job.ResellerId, job.CustomerId), Views.Of(job));

    public async Task VmChangedAsync(VirtualMachine vm, Guid? openJobId) =>
        await BroadcastAsync("vm", await AudienceAsync(vm.Id, vm.ResellerId, vm.CustomerId), Views.Of(vm, openJobId));

    private Task BroadcastAsync<T>(string method, IReadOnlyList<string> groups, T view) =>
        publish.Publish(new LiveBroadcast(groups, method, JsonSerializer.SerializeToElement(view, JsonSerializerOptions.Web)));

    private async Task<IReadOnlyList<string>> AudienceAsync(Guid vmId, Guid resellerId, Guid customerId)
    {
        var viewers = await sender.Send(new ListVmViewers(vmId, customerId));
        return [LiveGroups.Operators, LiveGroups.Reseller(resellerId), LiveGroups.Customer(resellerId, customerId), .. viewers.Select(LiveGroups.User)];
    }
}

/// <summary>A change for the open pages of the named audience groups, on every portal instance.</summary>
/// <param name="Groups">Who may hear it (operators, the reseller, the customer, users granted the VM).</param>
/// <param name="Method">The page's handler: "job" or "vm".</param>
/// <param name="Payload">The job's or VM's view as the pages read it.</param>
[MessageUrn("vcore:portal:v1:live-broadcast", false)]
[EntityName("vcore.portal.v1.live-broadcast")]
public sealed record LiveBroadcast(IReadOnlyList<string> Groups, string Method, JsonElement Payload);

/// <summary>
/// Hands a broadcast to this instance's own live connections. Each instance consumes from a queue of its own, which
/// the broker keeps a while after the instance is gone (see <see cref="Framework.Messaging.BusQueues"/>).
/// </summary>
internal sealed class LiveBroadcastConsumer(IHubContext<LiveHub> hub) : IConsumer<LiveBroadcast>
{
    public Task Consume(ConsumeContext<LiveBroadcast> context) =>
        hub.Clients.Groups(context.Message.Groups).SendAsync(context.Message.Method, context.Message.Payload, context.CancellationToken);
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
