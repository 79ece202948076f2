using System.Globalization;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Domain;
using VirtualCore.Modules.Compute.Features.Actions;
using NodeV1 = VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Modules.Compute.Features.DiskExports;

/// <summary>
/// Disk exports: the VM's disk written to a qcow2 or raw file on its rack server (a job, with progress), downloaded
/// through the portal in pieces (Range), and deleted by its user or when it expires.
/// </summary>
internal sealed class DiskExportHandlers(PortalDbContext db, VmActionQueue queue, TimeProvider clock) :
    IQueryHandler<ListDiskExports, IReadOnlyList<DiskExportView>>,
    IQueryHandler<GetDiskExportDownload, DiskExportDownload>,
    ICommandHandler<ExportVmDisk, JobAccepted>,
    ICommandHandler<DeleteVmDiskExport, JobAccepted>
{
    /// <summary>How long an export stays on its rack server.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(1);

    /// <summary>Exports a VM may have at once: each is as large as its disk's data (a raw one as the whole disk).</summary>
    public const int MaxPerVm = 3;

    public static readonly IReadOnlyList<string> Formats = ["qcow2", "raw"];

    public static readonly VmAction Export = new(
        "disk-export", "Export disk", [VmStates.ShutOff, VmStates.Running, VmStates.Paused],
        "Its disk is exported when it is shut off, or from a recovery point while it runs or is paused.", AccessLevel.Manage)
    {
        Summary = "Exports the disk as qcow2 or raw, as it is now (shut off) or from a recovery point; download it from its export once ready.",
    };

    public static readonly VmAction DeleteExport = new(
        "disk-export-delete", "Delete export", [VmStates.ShutOff, VmStates.Running, VmStates.Paused, VmStates.Crashed, VmStates.Parked],
        "Its exports can be deleted when it is not busy with another change.", AccessLevel.Manage)
    {
        Summary = "Deletes a disk export from its rack server.",
    };

    public async ValueTask<IReadOnlyList<DiskExportView>> Handle(ListDiskExports query, CancellationToken cancellationToken)
    {
        var exports = await db.Set<DiskExportRecord>().AsNoTracking().Where(e => e.VmId == query.VmId).ToListAsync(cancellationToken);
        return exports.OrderByDescending(e => e.CreatedAt).Select(ToView).ToList();
    }

    public async ValueTask<DiskExportDownload> Handle(GetDiskExportDownload query, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var export = await db.Set<DiskExportRecord>().AsNoTracking()
            .SingleOrDefaultAsync(e => e.Id == query.ExportId && e.VmId == query.VmId, cancellationToken)
            ?? throw new NotFoundException("The disk export");
        if (export.Status != "ready" || export.SizeBytes is not { } size)
        {
            throw new ConflictException(export.Status == "exporting" ? "The disk is still being exported; download it once it is ready." : "The disk export is being deleted.");
        }

        if (export.ExpiresAt <= now)
        {
            throw new ConflictException("The disk export has expired; export the disk again.");
        }

        var vmName = await db.Set<VirtualMachine>().Where(v => v.Id == query.VmId).Select(v => v.Name).SingleAsync(cancellationToken);
        var stamp = export.CreatedAt.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var from = export.RecoveryPointName is null ? "" : "-" + export.RecoveryPointName;
        return new DiskExportDownload(export.Id, export.VmId, export.NodeName, size, $"{vmName}{from}-{stamp}.{export.Format}");
    }

    public async ValueTask<JobAccepted> Handle(ExportVmDisk command, CancellationToken cancellationToken)
    {
        if (command.Format is null || !Formats.Contains(command.Format, StringComparer.Ordinal))
        {
            throw new RequestValidationException("format", "Choose the export's format: qcow2 or raw.");
        }

        string? pointName = null;
        if (command.RecoveryPointId is { } pointId)
        {
            pointName = await db.Set<RecoveryPointRecord>().Where(r => r.Id == pointId && r.VmId == command.VmId && r.Status == "ready")
                .Select(r => r.Name).SingleOrDefaultAsync(cancellationToken)
                ?? throw new RequestValidationException("recoveryPointId", "This VM has no such recovery point ready.");
        }

        var (vm, earlier) = await queue.PrepareAsync(Export, command.VmId, command.RequestId, cancellationToken);
        if (earlier is not null)
        {
            return earlier;
        }

        if (pointName is null && vm!.State != VmStates.ShutOff)
        {
            throw new ConflictException($"'{vm.Name}' is {vm.State}. Shut it off to export its disk as it is now, or export one of its recovery points.");
        }

        if (await db.Set<DiskExportRecord>().CountAsync(e => e.VmId == vm!.Id, cancellationToken) >= MaxPerVm)
        {
            throw new ConflictException($"'{vm!.Name}' has {MaxPerVm} disk exports already: delete one first.");
        }

        var now = clock.GetUtcNow();
        var export = new DiskExportRecord
        {
            Id = Guid.NewGuid(),
            ResellerId = vm!.ResellerId,
            CustomerId = vm.CustomerId,
            VmId = vm.Id,
            NodeName = vm.NodeName,
            Format = command.Format,
            RecoveryPointName = pointName,
            Status = "exporting",
            CreatedAt = now,
            ExpiresAt = now + Lifetime,
        };
        db.Add(export);
        var job = queue.Queue(
            vm, Export, command.RequestId, jobId => new NodeV1.ExportDisk(jobId, vm.NodeName, vm.Id, export.Id, export.Format, pointName), JobSubjects.DiskExport, export.Id);
        return new JobAccepted(job.Id, job.TargetId, job.Status);
    }

    public async ValueTask<JobAccepted> Handle(DeleteVmDiskExport command, CancellationToken cancellationToken)
    {
        var export = await db.Set<DiskExportRecord>().SingleOrDefaultAsync(e => e.Id == command.ExportId && e.VmId == command.VmId, cancellationToken)
            ?? throw new NotFoundException("The disk export");
        var (vm, earlier) = await queue.PrepareAsync(DeleteExport, command.VmId, command.RequestId, cancellationToken);
        return earlier ?? Queue(queue, vm!, export, command.RequestId);
    }

    /// <summary>Queues the deletion of <paramref name="export"/> on the rack server that holds it (the VM may have moved since).</summary>
    public static JobAccepted Queue(VmActionQueue queue, VirtualMachine vm, DiskExportRecord export, Guid? requestId)
    {
        export.Status = "deleting";
        var job = queue.Queue(
            vm, DeleteExport, requestId, jobId => new NodeV1.DeleteDiskExport(jobId, export.NodeName, vm.Id, export.Id), JobSubjects.DiskExport, export.Id);
        job.NodeName = export.NodeName;
        return new JobAccepted(job.Id, job.TargetId, job.Status);
    }

    private static DiskExportView ToView(DiskExportRecord e) => new(
        e.Id,
        e.VmId,
        e.Format,
        e.RecoveryPointName,
        e.Status,
        e.SizeBytes,
        e.CreatedAt,
        e.ExpiresAt,
        e.Status == "ready" ? $"/api/v1/vms/{e.VmId}/disk-exports/{e.Id}/content" : null);
}

/// <summary>An export is ready once written (with its length), gone once deleted; a failed export leaves no record.</summary>
internal sealed class DiskExportCompletion(PortalDbContext db) : IJobCompletion
{
    public IReadOnlyCollection<string> Actions { get; } = [DiskExportHandlers.Export.Name, DiskExportHandlers.DeleteExport.Name];

    public async Task<bool> SettleAsync(JobEnd end, CancellationToken cancellationToken)
    {
        var job = end.Job;
        if (job.SubjectKind != JobSubjects.DiskExport || job.SubjectId is not { } exportId
            || await db.Set<DiskExportRecord>().SingleOrDefaultAsync(e => e.Id == exportId, cancellationToken) is not { } export)
        {
            return false;
        }

        var completed = job.Status == JobStatuses.Completed;
        if (job.Action == DiskExportHandlers.Export.Name)
        {
            if (completed && end.Result?.Values.GetValueOrDefault("bytes") is { } bytes
                && long.TryParse(bytes, NumberStyles.None, CultureInfo.InvariantCulture, out var size))
            {
                export.Status = "ready";
                export.SizeBytes = size;
                export.ExpiresAt = end.At + DiskExportHandlers.Lifetime;
            }
            else
            {
                db.Remove(export);
            }
        }
        else if (completed)
        {
            db.Remove(export);
        }
        else
        {
            // The rack server could not delete it now: it stays, to be deleted again.
            export.Status = "ready";
        }

        return false;
    }
}

/// <summary>Deletes expired exports from their rack servers, a few at a time; a VM busy with another job is tried again next round.</summary>
internal sealed class DiskExportSweeper(IServiceScopeFactory scopes, TimeProvider clock, ILogger<DiskExportSweeper> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepAsync(scopes, clock.GetUtcNow(), logger, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Could not sweep expired disk exports");
            }
        }
    }

    /// <summary>Queues the deletion of each export expired at <paramref name="now"/>; returns how many were queued.</summary>
    public static async Task<int> SweepAsync(IServiceScopeFactory scopes, DateTimeOffset now, ILogger logger, CancellationToken cancellationToken)
    {
        List<(Guid Id, Guid VmId)> expired;
        await using (var scope = scopes.CreateAsyncScope())
        {
            expired = (await scope.ServiceProvider.GetRequiredService<PortalDbContext>().Set<DiskExportRecord>().AsNoTracking()
                .Where(e => e.Status == "ready" && e.ExpiresAt <= now).OrderBy(e => e.ExpiresAt).Take(100)
                .Select(e => new { e.Id, e.VmId }).ToListAsync(cancellationToken)).Select(e => (e.Id, e.VmId)).ToList();
        }

        var queued = 0;
        foreach (var (id, vmId) in expired)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var queue = scope.ServiceProvider.GetRequiredService<VmActionQueue>();
            try
            {
                var (vm, _) = await queue.PrepareAsync(DiskExportHandlers.DeleteExport, vmId, null, cancellationToken);
                var export = await db.Set<DiskExportRecord>().SingleAsync(e => e.Id == id, cancellationToken);
                DiskExportHandlers.Queue(queue, vm!, export, null);
                await db.SaveChangesAsync(cancellationToken);
                queued++;
            }
            catch (Exception e) when (e is ConflictException or NotFoundException or DbUpdateConcurrencyException)
            {
                logger.LogDebug(e, "Expired disk export {Export} of {Vm} left for the next round", id, vmId);
            }
        }

        return queued;
    }
}
