using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Domain;
using VirtualCore.Modules.Compute.Jobs;
using VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Modules.Compute.Features.Actions;

/// <summary>
/// The one path from a VM command to its job. Access to the VM was checked before (the pipeline's VM guard, from
/// the request's declaration); here: the same key again answers with the first job, one job at a time per VM, and
/// the VM's state must be one the action allows. Every refusal has the same words for every action.
/// </summary>
internal sealed class VmActionQueue(PortalDbContext db, JobFactory jobs, ITenantContext tenant)
{
    /// <summary>
    /// The VM, ready for <paramref name="action"/>; or the job an earlier request with the same
    /// <paramref name="requestId"/> queued, as <c>Earlier</c>.
    /// </summary>
    public async Task<(VirtualMachine? Vm, JobAccepted? Earlier)> PrepareAsync(
        VmAction action, Guid vmId, Guid? requestId, CancellationToken cancellationToken)
    {
        if (requestId is { } key && await db.Set<Job>().Where(j => j.RequestId == key).SingleOrDefaultAsync(cancellationToken) is { } earlier)
        {
            // A key is its sender's: the same user, VM and action get the first job; anything else is refused.
            return earlier.UserName == tenant.UserName && earlier.TargetId == vmId && earlier.Action == action.Name
                ? (null, new JobAccepted(earlier.Id, earlier.TargetId, earlier.Status))
                : throw new RequestValidationException("requestId", "This idempotency key was used for another request; use a new key for each request.");
        }

        var vm = await db.Set<VirtualMachine>().Include(v => v.Cores).SingleOrDefaultAsync(v => v.Id == vmId, cancellationToken)
            ?? throw new NotFoundException("The VM");
        await JobFactory.EnsureNoOpenJobAsync(db, vm, cancellationToken);
        if (!action.AllowsState(vm.State))
        {
            throw new ConflictException($"'{vm.Name}' is {vm.State}. {action.Refusal}");
        }

        return (vm, null);
    }

    /// <summary>Adds the job for <paramref name="action"/>; it is sent once the transaction has committed.</summary>
    public Job Queue(VirtualMachine vm, VmAction action, Guid? requestId, Func<Guid, INodeCommand> command, string? subjectKind = null, Guid? subjectId = null)
    {
        var job = jobs.Create(vm, action.Name, command);

        // The VM's version goes up with every job queued for it: of two requests that both saw no open job, only the
        // first writes the VM; the other fails on the version, runs again and finds the job (at any isolation level).
        db.Entry(vm).Property(v => v.Version).IsModified = true;
        job.RequestId = requestId;
        job.SubjectKind = subjectKind;
        job.SubjectId = subjectId;
        db.Add(job);
        return job;
    }

    /// <summary>The usual case: prepare, then queue the node command, and answer with the job.</summary>
    public async ValueTask<JobAccepted> QueueAsync(
        VmAction action, Guid vmId, Guid? requestId, Func<Guid, VirtualMachine, INodeCommand> command, CancellationToken cancellationToken)
    {
        var (vm, earlier) = await PrepareAsync(action, vmId, requestId, cancellationToken);
        if (earlier is not null)
        {
            return earlier;
        }

        var job = Queue(vm!, action, requestId, jobId => command(jobId, vm!));
        return new JobAccepted(job.Id, vm!.Id, job.Status);
    }
}
