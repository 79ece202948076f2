using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using VirtualCore.Framework.Persistence;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Domain;
using VirtualCore.Modules.Compute.Features.PowerOff;
using VirtualCore.Modules.Compute.Features.Start;
using VirtualCore.Modules.Tenancy.Contracts;
using VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Modules.Compute.Features.Actions;

/// <summary>
/// A suspended customer's running VMs are powered off, in the transaction that suspends it, and marked; lifting the
/// suspension starts the marked ones again. A VM with a job still open is left to that job (its user can start
/// nothing new meanwhile). The jobs are the system's, in the job log like any other.
/// </summary>
internal sealed class SuspensionStops(PortalDbContext db, VmActionQueue queue, ILogger<SuspensionStops> logger) : INotificationHandler<CustomerSuspensionChanged>
{
    public async ValueTask Handle(CustomerSuspensionChanged notification, CancellationToken cancellationToken)
    {
        var vms = await db.Set<VirtualMachine>().Include(v => v.Cores)
            .Where(v => v.CustomerId == notification.CustomerId && (notification.Suspended || v.StoppedBySuspension))
            .OrderBy(v => v.Name).ToListAsync(cancellationToken);
        var open = (await db.Set<Job>().Where(j => j.CustomerId == notification.CustomerId && (j.Status == JobStatuses.Queued || j.Status == JobStatuses.Running))
            .Select(j => j.TargetId).ToListAsync(cancellationToken)).ToHashSet();
        foreach (var vm in vms)
        {
            if (notification.Suspended)
            {
                if (PowerOffVmHandler.Action.AllowsState(vm.State) && !open.Contains(vm.Id))
                {
                    queue.Queue(vm, PowerOffVmHandler.Action, null, jobId => new PowerOffDomain(jobId, vm.NodeName, vm.Id));
                    vm.StoppedBySuspension = true;
                }
                else if (PowerOffVmHandler.Action.AllowsState(vm.State))
                {
                    logger.LogWarning("VM {Vm} of suspended customer {Customer} has a job open and was not powered off", vm.Id, notification.CustomerId);
                }
            }
            else
            {
                vm.StoppedBySuspension = false;
                if (StartVmHandler.Action.AllowsState(vm.State) && !open.Contains(vm.Id))
                {
                    queue.Queue(vm, StartVmHandler.Action, null, jobId => new StartDomain(jobId, vm.NodeName, vm.Id));
                }
            }
        }
    }
}
