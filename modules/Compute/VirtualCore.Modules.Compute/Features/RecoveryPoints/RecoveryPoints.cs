using System.Globalization;
using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Domain;
using VirtualCore.Modules.Compute.Features.Actions;
using NodeV1 = VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Modules.Compute.Features.RecoveryPoints;

/// <summary>Recovery points: taken, listed, reverted to (after confirmation) and deleted — each action a job.</summary>
internal sealed class RecoveryPointHandlers(PortalDbContext db, VmActionQueue queue, TimeProvider clock) :
    IQueryHandler<ListRecoveryPoints, IReadOnlyList<RecoveryPointView>>,
    ICommandHandler<CreateRecoveryPoint, JobAccepted>,
    ICommandHandler<RevertToRecoveryPoint, JobAccepted>,
    ICommandHandler<DeleteRecoveryPoint, JobAccepted>
{
    public const int MaxNoteLength = 200;

    public static readonly VmAction Take = new(
        "recovery-point", "Take a recovery point", [VmStates.ShutOff, VmStates.Running, VmStates.Paused],
        "A recovery point is taken of a running, paused or shut-off VM.", AccessLevel.Manage)
    {
        Summary = "Takes a recovery point (live where the rack server can).",
    };

    public static readonly VmAction Revert = new(
        "revert", "Revert", [VmStates.ShutOff, VmStates.Running, VmStates.Paused, VmStates.Crashed],
        "It can be reverted when it is running, paused, shut off or crashed.", AccessLevel.Manage)
    {
        Summary = "Returns the vServer to a recovery point; needs `confirm=true`.",
    };

    public static readonly VmAction Delete = new(
        "recovery-point-delete", "Delete", [VmStates.ShutOff, VmStates.Running, VmStates.Paused, VmStates.Crashed, VmStates.Parked],
        "Its recovery points can be deleted when it is not busy with another change.", AccessLevel.Manage)
    {
        Summary = "Deletes a recovery point.",
    };

    public async ValueTask<IReadOnlyList<RecoveryPointView>> Handle(ListRecoveryPoints query, CancellationToken cancellationToken) =>
        await db.Set<RecoveryPointRecord>().AsNoTracking().Where(r => r.VmId == query.VmId).OrderByDescending(r => r.CreatedAt)
            .Select(r => new RecoveryPointView(r.Id, r.VmId, r.Name, r.Note, r.CreatedAt, r.Status)).ToListAsync(cancellationToken);

    public async ValueTask<JobAccepted> Handle(CreateRecoveryPoint command, CancellationToken cancellationToken)
    {
        if (command.Note is { Length: > MaxNoteLength })
        {
            throw new RequestValidationException("note", $"A note has at most {MaxNoteLength} characters.");
        }

        var (vm, earlier) = await queue.PrepareAsync(Take, command.VmId, command.RequestId, cancellationToken);
        if (earlier is not null)
        {
            return earlier;
        }

        var now = clock.GetUtcNow();
        var point = new RecoveryPointRecord
        {
            Id = Guid.NewGuid(),
            ResellerId = vm!.ResellerId,
            CustomerId = vm.CustomerId,
            VmId = vm.Id,
            Name = "rp-" + now.UtcDateTime.ToString("yyyyMMdd-HHmmss-fff", CultureInfo.InvariantCulture),
            Note = string.IsNullOrWhiteSpace(command.Note) ? null : command.Note.Trim(),
            CreatedAt = now,
            Status = "creating",
        };
        db.Add(point);
        return Queued(queue.Queue(vm, Take, command.RequestId, jobId => new NodeV1.CreateRecoveryPoint(jobId, vm.NodeName, vm.Id, point.Name, point.Note), JobSubjects.RecoveryPoint, point.Id));
    }

    public async ValueTask<JobAccepted> Handle(RevertToRecoveryPoint command, CancellationToken cancellationToken)
    {
        var point = await PointAsync(command.VmId, command.RecoveryPointId, cancellationToken);
        if (!command.Confirm)
        {
            var name = await db.Set<VirtualMachine>().Where(v => v.Id == command.VmId).Select(v => v.Name).SingleAsync(cancellationToken);
            throw new RequestValidationException("confirm", $"Reverting '{name}' to {point.Name} loses everything written since; confirm it.");
        }

        var (vm, earlier) = await queue.PrepareAsync(Revert, command.VmId, command.RequestId, cancellationToken);
        return earlier ?? Queued(queue.Queue(vm!, Revert, command.RequestId, jobId => new NodeV1.RevertRecoveryPoint(jobId, vm!.NodeName, vm.Id, point.Name), JobSubjects.RecoveryPoint, point.Id));
    }

    public async ValueTask<JobAccepted> Handle(DeleteRecoveryPoint command, CancellationToken cancellationToken)
    {
        var point = await PointAsync(command.VmId, command.RecoveryPointId, cancellationToken);
        var (vm, earlier) = await queue.PrepareAsync(Delete, command.VmId, command.RequestId, cancellationToken);
        return earlier ?? Queued(queue.Queue(vm!, Delete, command.RequestId, jobId => new NodeV1.DeleteRecoveryPoint(jobId, vm!.NodeName, vm.Id, point.Name), JobSubjects.RecoveryPoint, point.Id));
    }

    private static JobAccepted Queued(Job job) => new(job.Id, job.TargetId, job.Status);

    /// <summary>A ready recovery point of this VM: another VM's is simply not found.</summary>
    private async Task<RecoveryPointRecord> PointAsync(Guid vmId, Guid pointId, CancellationToken cancellationToken) =>
        await db.Set<RecoveryPointRecord>().SingleOrDefaultAsync(r => r.Id == pointId && r.VmId == vmId && r.Status == "ready", cancellationToken)
        ?? throw new NotFoundException("The recovery point");
}

/// <summary>A recovery point is ready once taken, gone once deleted, and never left "creating" by a failed job.</summary>
internal sealed class RecoveryPointCompletion(PortalDbContext db) : IJobCompletion
{
    public IReadOnlyCollection<string> Actions { get; } = [RecoveryPointHandlers.Take.Name, RecoveryPointHandlers.Revert.Name, RecoveryPointHandlers.Delete.Name];

    public async Task<bool> SettleAsync(JobEnd end, CancellationToken cancellationToken)
    {
        var job = end.Job;
        if (job.SubjectKind != JobSubjects.RecoveryPoint || job.SubjectId is not { } pointId
            || await db.Set<RecoveryPointRecord>().SingleOrDefaultAsync(r => r.Id == pointId, cancellationToken) is not { } point)
        {
            return false;
        }

        var completed = job.Status == JobStatuses.Completed;
        if (job.Action == RecoveryPointHandlers.Take.Name && completed)
        {
            point.Status = "ready";
        }
        else if (job.Action == RecoveryPointHandlers.Take.Name || (job.Action == RecoveryPointHandlers.Delete.Name && completed))
        {
            db.Remove(point);
        }

        return false;
    }
}
