using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using VirtualCore.Framework.Persistence;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Monitoring.Contracts;
using VirtualCore.Modules.Monitoring.Domain;
using VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Modules.Monitoring.Features;

/// <summary>
/// Stores the rack servers' usage reports in batches: one transaction for up to <see cref="BatchSize"/> reports, which
/// is every rack server's report of one interval at 500 rack servers and more. The batch is acknowledged only once it
/// is written, so a portal that dies loses none of it (the bus delivers it again).
/// </summary>
internal sealed class UsageReportedConsumer(UsageIngest ingest) : IConsumer<Batch<UsageReported>>
{
    public const int BatchSize = 500;

    public static readonly TimeSpan BatchWait = TimeSpan.FromMilliseconds(500);

    public Task Consume(ConsumeContext<Batch<UsageReported>> context) =>
        ingest.StoreAsync(context.Message.Select(m => m.Message).ToList(), context.CancellationToken);
}

/// <summary>
/// Turns usage reports into raw samples (tier 0) of the VMs' and rack servers' series and adds the VMs' traffic to
/// their months. A rack server speaks for the VMs the portal has placed on it only: a VM the portal does not know
/// (deleted, or never created by it) or has on another rack server is left out, so one node's agent can neither
/// write another customer's graphs nor count traffic against a VM elsewhere.
/// </summary>
internal sealed class UsageIngest(PortalDbContext db, MetricStore store, IVmOwners owners, UsageGauges gauges, TimeProvider clock, ILogger<UsageIngest> logger)
{
    /// <summary>Stores the reports; returns how many samples were written.</summary>
    public async Task<int> StoreAsync(IReadOnlyList<UsageReported> reports, CancellationToken cancellationToken)
    {
        if (reports.Count == 0)
        {
            return 0;
        }

        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var placed = await owners.FindAsync(reports.SelectMany(r => r.Vms.Select(v => v.VmId)).Distinct().ToList(), cancellationToken);
            var accepted = reports.Select(r => r with { Vms = r.Vms.Where(v => placed.TryGetValue(v.VmId, out var owner) && owner.NodeName == r.NodeName).ToList() }).ToList();
            if (reports.Sum(r => r.Vms.Count) - accepted.Sum(r => r.Vms.Count) is > 0 and var dropped)
            {
                logger.LogDebug("Usage of {Count} VMs left out: the portal has them on no rack server or on another than the one that reported", dropped);
            }

            reports = accepted;
            var series = await SeriesAsync(reports, placed, cancellationToken);
            var raw = MetricData.Tiers[0];
            var points = new List<MetricPoint>();
            var traffic = new List<TrafficMonth>();
            Span<double> values = stackalloc double[MetricData.Count];
            foreach (var report in reports)
            {
                var bucket = raw.BucketOf(report.At.ToUnixTimeSeconds());
                var month = (report.At.UtcDateTime.Year * 100) + report.At.UtcDateTime.Month;
                foreach (var vm in report.Vms)
                {
                    if (!series.TryGetValue((MetricSeries.VmKind, SubjectOf(vm.VmId)), out var id))
                    {
                        continue;
                    }

                    values.Fill(double.NaN);
                    Fill(values, vm);
                    points.Add(Point(id, raw, bucket, values));
                    traffic.Add(new TrafficMonth
                    {
                        SeriesId = id,
                        Month = month,
                        InBytes = (long)(vm.NetInBytesPerSecond * report.IntervalSeconds),
                        OutBytes = (long)(vm.NetOutBytesPerSecond * report.IntervalSeconds),
                    });
                }

                if (series.TryGetValue((MetricSeries.NodeKind, report.NodeName), out var nodeId))
                {
                    values.Fill(double.NaN);
                    Fill(values, report);
                    points.Add(Point(nodeId, raw, bucket, values));
                }
            }

            await store.UpsertAsync(points, cancellationToken);
            await store.AddTrafficAsync(traffic, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            gauges.SamplesStored.Add(points.Count);
            return points.Count;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    public static string SubjectOf(Guid vmId) => vmId.ToString("D");

    private static MetricPoint Point(int seriesId, MetricTier tier, long bucket, ReadOnlySpan<double> values) =>
        new() { SeriesId = seriesId, Tier = tier.Number, Slot = tier.SlotOf(bucket), BucketStart = bucket, Count = 1, Data = MetricData.EncodeRaw(values) };

    private static void Fill(Span<double> values, VmUsageV1 vm)
    {
        values[0] = vm.CpuPercent;
        values[1] = vm.MemoryUsedBytes ?? double.NaN;
        values[2] = vm.MemoryBytes;
        values[3] = vm.DiskReadBytesPerSecond;
        values[4] = vm.DiskWriteBytesPerSecond;
        values[5] = vm.DiskReadsPerSecond;
        values[6] = vm.DiskWritesPerSecond;
        values[7] = vm.NetInBytesPerSecond;
        values[8] = vm.NetOutBytesPerSecond;
        values[9] = vm.NetInPacketsPerSecond;
        values[10] = vm.NetOutPacketsPerSecond;
    }

    /// <summary>A rack server: its CPU, memory and load, and its running VMs' disk and network use summed.</summary>
    private static void Fill(Span<double> values, UsageReported report)
    {
        values[0] = report.Node.CpuPercent;
        values[1] = report.Node.MemoryUsedBytes;
        values[2] = report.Node.MemoryTotalBytes;
        values[3] = report.Vms.Sum(v => v.DiskReadBytesPerSecond);
        values[4] = report.Vms.Sum(v => v.DiskWriteBytesPerSecond);
        values[5] = report.Vms.Sum(v => v.DiskReadsPerSecond);
        values[6] = report.Vms.Sum(v => v.DiskWritesPerSecond);
        values[7] = report.Vms.Sum(v => v.NetInBytesPerSecond);
        values[8] = report.Vms.Sum(v => v.NetOutBytesPerSecond);
        values[9] = report.Vms.Sum(v => v.NetInPacketsPerSecond);
        values[10] = report.Vms.Sum(v => v.NetOutPacketsPerSecond);
        values[11] = report.Node.LoadAverage ?? double.NaN;
    }

    /// <summary>The series of every VM and rack server in the reports, made for those that have none yet.</summary>
    private async Task<Dictionary<(string Kind, string Subject), int>> SeriesAsync(IReadOnlyList<UsageReported> reports, IReadOnlyDictionary<Guid, VmOwner> placed, CancellationToken cancellationToken)
    {
        var vmIds = reports.SelectMany(r => r.Vms.Select(v => v.VmId)).Distinct().ToList();
        var subjects = vmIds.Select(SubjectOf).Concat(reports.Select(r => r.NodeName)).Distinct().ToList();
        var found = new Dictionary<(string, string), int>();
        foreach (var chunk in subjects.Chunk(500))
        {
            var rows = await db.Set<MetricSeries>().IgnoreQueryFilters().AsNoTracking()
                .Where(s => chunk.Contains(s.Subject))
                .Select(s => new { s.Id, s.Kind, s.Subject })
                .ToListAsync(cancellationToken);
            rows.ForEach(r => found[(r.Kind, r.Subject)] = r.Id);
        }

        var simulated = reports.ToLookup(r => r.NodeName, r => r.Simulated);
        var simulatedVms = reports.Where(r => r.Simulated).SelectMany(r => r.Vms.Select(v => v.VmId)).ToHashSet();
        var missingVms = vmIds.Where(id => !found.ContainsKey((MetricSeries.VmKind, SubjectOf(id)))).ToList();
        var added = new List<MetricSeries>();
        if (missingVms.Count > 0)
        {
            foreach (var owner in missingVms.Select(id => placed[id]))
            {
                added.Add(new MetricSeries
                {
                    Kind = MetricSeries.VmKind,
                    Subject = SubjectOf(owner.VmId),
                    ResellerId = owner.ResellerId,
                    CustomerId = owner.CustomerId,
                    Simulated = simulatedVms.Contains(owner.VmId),
                    CreatedAt = clock.GetUtcNow(),
                });
            }
        }

        foreach (var node in reports.Select(r => r.NodeName).Distinct(StringComparer.Ordinal).Where(n => !found.ContainsKey((MetricSeries.NodeKind, n))))
        {
            added.Add(new MetricSeries
            {
                Kind = MetricSeries.NodeKind,
                Subject = node,
                Simulated = simulated[node].Any(s => s),
                CreatedAt = clock.GetUtcNow(),
            });
        }

        if (added.Count > 0)
        {
            db.AddRange(added);
            await db.SaveChangesAsync(cancellationToken);
            added.ForEach(s => found[(s.Kind, s.Subject)] = s.Id);
            db.ChangeTracker.Clear();
        }

        return found;
    }
}

/// <summary>A deleted VM's history goes with it (its points and traffic by the database's cascade), and so do its alert rules.</summary>
internal sealed class UsageHistoryRemoval(PortalDbContext db, TimeProvider clock) : IVmRemovalParticipant
{
    public async Task RemoveAsync(Guid vmId, CancellationToken cancellationToken)
    {
        var subject = UsageIngest.SubjectOf(vmId);
        var series = await db.Set<MetricSeries>().IgnoreQueryFilters()
            .SingleOrDefaultAsync(s => s.Kind == MetricSeries.VmKind && s.Subject == subject, cancellationToken);
        if (series is not null)
        {
            db.Remove(series);
        }

        // Its own alert rules go with it; its alerts stay in the history, resolved.
        var rules = await db.Set<AlertRule>().IgnoreQueryFilters().Where(r => r.Scope == AlertScopes.Vm && r.Subject == subject).ToListAsync(cancellationToken);
        db.RemoveRange(rules);
        await Alert.CloseAsync(db, a => a.Subject == subject, clock.GetUtcNow(), "The VM was deleted.", cancellationToken);
    }
}
