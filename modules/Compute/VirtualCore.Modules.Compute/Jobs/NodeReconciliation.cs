using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using VirtualCore.Framework.Persistence;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Domain;
using VirtualCore.Modules.Compute.Live;
using VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Modules.Compute.Jobs;

/// <summary>
/// Compares what a node reports with what the portal believes. A VM without an open job takes the state the
/// node reports; a VM the node lacks is marked missing; a domain the portal does not know is reported, not hidden.
/// </summary>
internal sealed class NodeReconciliation(PortalDbContext db, LiveNotifier live, ILogger<NodeReconciliation> logger) : IConsumer<NodeHeartbeat>
{
    public async Task Consume(ConsumeContext<NodeHeartbeat> context)
    {
        var beat = context.Message;
        var ct = context.CancellationToken;
        var vms = await db.Set<VirtualMachine>()
            .Where(v => v.NodeName == beat.NodeName && v.State != VmStates.Failed).ToListAsync(ct);
        var busy = (await db.Set<Job>().Where(j => j.NodeName == beat.NodeName && (j.Status == JobStatuses.Queued || j.Status == JobStatuses.Running))
            .Select(j => j.TargetId).ToListAsync(ct)).ToHashSet();
        var reported = beat.Domains.ToDictionary(d => d.VmId);
        var changed = new List<VirtualMachine>();
        foreach (var vm in vms)
        {
            // Addresses come from the guest's traffic (lease, ARP, agent) and may change at any time, jobs or not.
            var addresses = reported.TryGetValue(vm.Id, out var seen) && seen.Addresses is { } list ? string.Join(',', list.Order(StringComparer.Ordinal)) : "";
            if (addresses != vm.Addresses && (addresses.Length > 0 || vm.State != VmStates.Running))
            {
                vm.Addresses = addresses;
                changed.Add(vm);
            }
        }

        foreach (var vm in vms.Where(v => !busy.Contains(v.Id) && v.StateChangedAt <= beat.At))
        {
            var state = reported.TryGetValue(vm.Id, out var domain) ? domain.State : VmStates.Missing;
            if (state != vm.State)
            {
                logger.LogWarning("Drift on {Node}: {Vm} is {Actual}, the portal had {Expected}", beat.NodeName, vm.Name, state, vm.State);
                if (state == VmStates.Parked)
                {
                    // Parking gives the cores back; only then are they read (every beat reading every VM's was waste).
                    await db.Entry(vm).Collection(v => v.Cores).LoadAsync(ct);
                }

                vm.MoveTo(state, beat.At);
                if (!changed.Contains(vm))
                {
                    changed.Add(vm);
                }
            }
        }

        var known = vms.Select(v => v.Id).ToHashSet();
        var strangers = beat.Domains.Where(d => !known.Contains(d.VmId)).ToList();
        if (strangers.Count > 0)
        {
            // A VM on its way here has its cores here already; it becomes this node's once its migration job completes.
            var ids = strangers.Select(d => d.VmId).ToList();
            var arriving = await db.Set<CoreAllocation>().Where(c => c.NodeName == beat.NodeName && ids.Contains(c.VmId)).Select(c => c.VmId).ToListAsync(ct);
            strangers.RemoveAll(d => arriving.Contains(d.VmId));
        }

        foreach (var stranger in strangers)
        {
            logger.LogWarning("Drift on {Node}: domain {Domain} ({Id}) is not managed by the portal", beat.NodeName, stranger.Name, stranger.VmId);
        }

        if (changed.Count > 0)
        {
            await db.SaveChangesAsync(ct);
            foreach (var vm in changed)
            {
                // Pages show a VM with its cores: read for the few that changed.
                var cores = db.Entry(vm).Collection(v => v.Cores);
                if (!cores.IsLoaded)
                {
                    await cores.LoadAsync(ct);
                }

                await live.VmChangedAsync(vm, null);
            }
        }
    }
}
