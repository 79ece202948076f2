using System.Globalization;
using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Domain;
using VirtualCore.Modules.Compute.Jobs;
using NodeV1 = VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Modules.Compute.Features;

/// <summary>Recovery points: taken, listed, reverted to (after confirmation) and deleted — each action a job.</summary>
internal sealed class RecoveryPointHandlers(PortalDbContext db, JobFactory jobs, IResourceAccess access, TimeProvider clock) :
    IQueryHandler<ListRecoveryPoints, IReadOnlyList<RecoveryPointView>>,
    ICommandHandler<CreateRecoveryPoint, JobAccepted>,
    ICommandHandler<RevertToRecoveryPoint, JobAccepted>,
    ICommandHandler<DeleteRecoveryPoint, JobAccepted>
{
    public const int MaxNoteLength = 200;

    public async ValueTask<IReadOnlyList<RecoveryPointView>> Handle(ListRecoveryPoints query, CancellationToken cancellationToken)
    {
        await VmAsync(query.VmId, AccessLevel.View, cancellationToken);
        return await db.Set<RecoveryPointRecord>().AsNoTracking().Where(r => r.VmId == query.VmId).OrderByDescending(r => r.CreatedAt)
            .Select(r => new RecoveryPointView(r.Id, r.VmId, r.Name, r.Note, r.CreatedAt, r.Status)).ToListAsync(cancellationToken);
    }

    public async ValueTask<JobAccepted> Handle(CreateRecoveryPoint command, CancellationToken cancellationToken)
    {
        if (command.Note is { Length: > MaxNoteLength })
        {
            throw new RequestValidationException("note", $"A note has at most {MaxNoteLength} characters.");
        }

        var vm = await VmAsync(command.VmId, AccessLevel.Manage, cancellationToken);
        await JobFactory.EnsureNoOpenJobAsync(db, vm, cancellationToken);
        EnsureState(vm, [VmStates.ShutOff, VmStates.Running, VmStates.Paused]);
        var now = clock.GetUtcNow();
        var point = new RecoveryPointRecord
        {
            Id = Guid.NewGuid(),
            ResellerId = vm.ResellerId,
            CustomerId = vm.CustomerId,
            VmId = vm.Id,
            Name = "rp-" + now.UtcDateTime.ToString("yyyyMMdd-HHmmss-fff", CultureInfo.InvariantCulture),
            Note = string.IsNullOrWhiteSpace(command.Note) ? null : command.Note.Trim(),
            CreatedAt = now,
            Status = "creating",
        };
        db.Add(point);
        return Queue(vm, "recovery-point", point.Id, jobId => new NodeV1.CreateRecoveryPoint(jobId, vm.NodeName, vm.Id, point.Name, point.Note));
    }

    public async ValueTask<JobAccepted> Handle(RevertToRecoveryPoint command, CancellationToken cancellationToken)
    {
        var vm = await VmAsync(command.VmId, AccessLevel.Manage, cancellationToken);
        var point = await PointAsync(vm, command.RecoveryPointId, cancellationToken);
        if (!command.Confirm)
        {
            throw new RequestValidationException("confirm", $"Reverting '{vm.Name}' to {point.Name} loses everything written since; confirm it.");
        }

        await JobFactory.EnsureNoOpenJobAsync(db, vm, cancellationToken);
        EnsureState(vm, [VmStates.ShutOff, VmStates.Running, VmStates.Paused, VmStates.Crashed]);
        return Queue(vm, "revert", point.Id, jobId => new NodeV1.RevertRecoveryPoint(jobId, vm.NodeName, vm.Id, point.Name));
    }

    public async ValueTask<JobAccepted> Handle(DeleteRecoveryPoint command, CancellationToken cancellationToken)
    {
        var vm = await VmAsync(command.VmId, AccessLevel.Manage, cancellationToken);
        var point = await PointAsync(vm, command.RecoveryPointId, cancellationToken);
        await JobFactory.EnsureNoOpenJobAsync(db, vm, cancellationToken);
        EnsureState(vm, [VmStates.ShutOff, VmStates.Running, VmStates.Paused, VmStates.Crashed, VmStates.Parked]);
        return Queue(vm, "recovery-point-delete", point.Id, jobId => new NodeV1.DeleteRecoveryPoint(jobId, vm.NodeName, vm.Id, point.Name));
    }

    private JobAccepted Queue(VirtualMachine vm, string action, Guid subject, Func<Guid, NodeV1.INodeCommand> command)
    {
        var job = jobs.Create(vm, action, command);
        job.SubjectId = subject;
        db.Add(job);
        return new JobAccepted(job.Id, vm.Id, job.Status);
    }

    private async Task<VirtualMachine> VmAsync(Guid vmId, AccessLevel needed, CancellationToken cancellationToken)
    {
        var vm = await db.Set<VirtualMachine>().SingleOrDefaultAsync(v => v.Id == vmId, cancellationToken);
        var level = vm is null ? AccessLevel.None : await access.VmAccessAsync(vm.Id, cancellationToken);
        if (vm is null || level == AccessLevel.None)
        {
            throw new NotFoundException("The VM");
        }

        return level >= needed ? vm : throw new ForbiddenException($"You may see '{vm.Name}' but not manage its recovery points.");
    }

    /// <summary>A recovery point of this VM: another VM's is simply not found.</summary>
    private async Task<RecoveryPointRecord> PointAsync(VirtualMachine vm, Guid pointId, CancellationToken cancellationToken) =>
        await db.Set<RecoveryPointRecord>().SingleOrDefaultAsync(r => r.Id == pointId && r.VmId == vm.Id && r.Status == "ready", cancellationToken)
        ?? throw new NotFoundException("The recovery point");

    private static void EnsureState(VirtualMachine vm, string[] states)
    {
        if (!states.Contains(vm.State))
        {
            throw new ConflictException($"'{vm.Name}' is {vm.State}: not now.");
        }
    }
}
