using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using VirtualCore.Framework.Persistence;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Domain;
using VirtualCore.Modules.Compute.Features.Actions;
using VirtualCore.Modules.Compute.Features.Migrate;
using VirtualCore.Modules.Compute.Live;
using VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Modules.Compute.Jobs;

/// <summary>
/// Follows the agents' reports into the job log and the VMs' states. Reports may come twice or out of order
/// (the outbox re-sends): a job only ever moves forward, queued → running → completed or failed.
/// </summary>
internal sealed class JobEventConsumers(PortalDbContext db, LiveNotifier live, IEnumerable<IJobCompletion> completions, JobMetrics metrics, ILogger<JobEventConsumers> logger) :
    IConsumer<NodeJobStarted>,
    IConsumer<NodeJobProgress>,
    IConsumer<NodeJobCompleted>,
    IConsumer<NodeJobFailed>,
    IConsumer<DomainStateChanged>
{
    public Task Consume(ConsumeContext<NodeJobStarted> context) => UpdateJobAsync(context.Message.JobId, context.Message.NodeName, context.CancellationToken, job =>
    {
        // Reports can overtake each other: a start reported after the end changes nothing.
        if (!job.IsOpen)
        {
            return false;
        }

        job.LastSignalAt = context.Message.At;
        if (job.Status != JobStatuses.Queued)
        {
            return false;
        }

        job.Status = JobStatuses.Running;
        job.StartedAt = context.Message.At;
        job.Info = $"Running on {job.NodeName}.";
        return true;
    });

    public Task Consume(ConsumeContext<NodeJobProgress> context) => UpdateJobAsync(context.Message.JobId, context.Message.NodeName, context.CancellationToken, job =>
    {
        if (!job.IsOpen)
        {
            return false;
        }

        job.LastSignalAt = context.Message.At;

        job.Status = JobStatuses.Running;
        job.StartedAt ??= context.Message.At;
        job.Progress = Math.Clamp(context.Message.Percent, job.Progress, 100);
        job.Info = JobInfoText.Of(context.Message.Result, context.Message.Info);
        return true;
    });

    public Task Consume(ConsumeContext<NodeJobCompleted> context) => UpdateJobAsync(context.Message.JobId, context.Message.NodeName, context.CancellationToken, job =>
    {
        if (!job.IsOpen)
        {
            return false;
        }

        job.Status = JobStatuses.Completed;
        job.StartedAt ??= context.Message.StartedAt ?? context.Message.At;
        job.EndedAt = context.Message.At;
        job.Progress = 100;
        job.Info = JobInfoText.Of(context.Message.Result, context.Message.Info);
        job.DowntimeMs = context.Message.Migration?.DowntimeMs;
        return true;
    }, context.Message.DomainState, context.Message.At, context.Message.NextBoot, context.Message.Result);

    public Task Consume(ConsumeContext<NodeJobFailed> context) => UpdateJobAsync(context.Message.JobId, context.Message.NodeName, context.CancellationToken, job =>
    {
        if (!job.IsOpen)
        {
            return false;
        }

        job.Status = JobStatuses.Failed;
        job.StartedAt ??= context.Message.StartedAt ?? context.Message.At;
        job.EndedAt = context.Message.At;
        job.Info = JobFailureText.Of(job.Action, context.Message.ErrorCode);
        logger.LogWarning(
            "Job {Job} ({Action} of {Vm}) failed on {Node}: {Error} ({Code})",
            job.Id, job.Action, job.TargetId, job.NodeName, context.Message.Error, context.Message.ErrorCode);
        return true;
    }, context.Message.DomainState, context.Message.At);

    public async Task Consume(ConsumeContext<DomainStateChanged> context)
    {
        var message = context.Message;
        var vm = await db.Set<VirtualMachine>().Include(v => v.Cores)
            .SingleOrDefaultAsync(v => v.Id == message.VmId && v.NodeName == message.NodeName, context.CancellationToken);
        if (vm is null || vm.StateChangedAt > message.At)
        {
            return;
        }

        // While it moves the domain leaves its source; the migration job's outcome, not this event, says where it is.
        if (await db.Set<Job>().AnyAsync(
                j => j.TargetId == vm.Id && j.Action == MigrateVmHandlers.Action.Name && (j.Status == JobStatuses.Queued || j.Status == JobStatuses.Running),
                context.CancellationToken))
        {
            return;
        }

        var state = ToVmState(vm, message.State);
        if (vm.State == state)
        {
            return;
        }

        vm.MoveTo(state, message.At);
        await db.SaveChangesAsync(context.CancellationToken);
        var openJob = await db.Set<Job>().Where(j => j.TargetId == vm.Id && (j.Status == JobStatuses.Queued || j.Status == JobStatuses.Running))
            .Select(j => (Guid?)j.Id).FirstOrDefaultAsync(context.CancellationToken);
        await live.VmChangedAsync(vm, openJob);
    }

    private async Task UpdateJobAsync(
        Guid jobId, string nodeName, CancellationToken cancellationToken, Func<Job, bool> change, string? domainState = null, DateTimeOffset at = default, IReadOnlyList<string>? nextBoot = null,
        JobResultV1? result = null)
    {
        var job = await db.Set<Job>().SingleOrDefaultAsync(j => j.Id == jobId, cancellationToken);
        if (job is null || job.NodeName != nodeName)
        {
            logger.LogWarning("Report about unknown job {Job} from {Node} ignored", jobId, nodeName);
            return;
        }

        var changed = change(job);
        VirtualMachine? vm = null;
        if (changed && !job.IsOpen)
        {
            vm = await db.Set<VirtualMachine>().Include(v => v.Cores).SingleOrDefaultAsync(v => v.Id == job.TargetId, cancellationToken);

            // The slice that owns the action settles its records; otherwise the VM takes the state reported with the end.
            var settledState = Owners.TryGetValue(job.Action, out var owner)
                && await owner.SettleAsync(new JobEnd(job, vm, domainState, at, nextBoot, result), cancellationToken);
            if (!settledState && vm is not null && domainState is not null && vm.StateChangedAt <= at)
            {
                // The job and the VM's state change together, so nobody sees a finished job on a VM in its old state.
                vm.MoveTo(ToVmState(vm, domainState), at);
            }

            if (vm is not null && vm.State == VmStates.Parked)
            {
                // Parked (or left parked by a failed unpark): the cores taken for it go back to the rack server.
                vm.Cores.Clear();
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        if (changed)
        {
            if (!job.IsOpen)
            {
                metrics.Ended(job);
            }

            await live.JobChangedAsync(job);
            if (vm is not null)
            {
                await live.VmChangedAsync(vm, null);
            }
        }
    }

    private Dictionary<string, IJobCompletion>? _owners;

    /// <summary>Each job action's owning completion; an action has at most one owner.</summary>
    private Dictionary<string, IJobCompletion> Owners => _owners ??= completions
        .SelectMany(c => c.Actions.Select(action => (action, c)))
        .ToDictionary(p => p.action, p => p.c, StringComparer.Ordinal);

    private static string ToVmState(VirtualMachine vm, string domainState) =>
        domainState == "undefined" ? (vm.State == VmStates.Pending ? VmStates.Pending : VmStates.Missing) : domainState;
}
