using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VirtualCore.Framework.Leadership;
using VirtualCore.Framework.Persistence;
using VirtualCore.Modules.Monitoring.Domain;

namespace VirtualCore.Modules.Monitoring.Features;

/// <summary>
/// Rolls each tier up into the next, on the leader only, once a minute: a bucket is summarised (average weighted by
/// samples, minimum, maximum) once it has ended and its samples have had <see cref="Grace"/> to arrive. Each rolled bucket
/// moves the tier's mark in the same transaction, so a portal that stops half-way carries on where it was; after a
/// long stop it starts no further back than the tier below still keeps.
/// </summary>
internal sealed class MetricRollups(IServiceScopeFactory scopes, ILeaderLease lease, TimeProvider clock, ILogger<MetricRollups> logger)
    : LeaderTimer(scopes, lease, clock, logger)
{
    public static readonly TimeSpan Every = TimeSpan.FromMinutes(1);

    /// <summary>How long after a bucket's end its last samples may still arrive.</summary>
    public const int Grace = 30;

    /// <summary>At most this many buckets per tier in one round, so catching up never holds the database for long.</summary>
    public const int MaxBucketsPerRound = 240;

    protected override TimeSpan Interval => Every;

    protected override string Duty => "roll up usage history";

    protected override Task RunAsync(IServiceProvider services, CancellationToken cancellationToken) =>
        RollAsync(services.GetRequiredService<MetricStore>(), Clock.GetUtcNow().ToUnixTimeSeconds(), cancellationToken);

    /// <summary>Rolls up every bucket that has ended by <paramref name="now"/> (Unix seconds); returns how many buckets.</summary>
    public static async Task<int> RollAsync(MetricStore store, long now, CancellationToken cancellationToken)
    {
        var db = store.Db;
        var rolled = 0;
        foreach (var tier in MetricData.Tiers.Skip(1))
        {
            var source = MetricData.Tiers[tier.Number - 1];
            var until = tier.BucketOf(now - Grace - source.StepSeconds);
            var mark = await db.Set<MetricRollupMark>().SingleOrDefaultAsync(m => m.Tier == tier.Number, cancellationToken);
            long from;
            if (mark is null)
            {
                var first = await db.Set<MetricPoint>().Where(p => p.Tier == source.Number).MinAsync(p => (long?)p.BucketStart, cancellationToken);
                if (first is null)
                {
                    continue;
                }

                from = tier.BucketOf(first.Value);
                mark = new MetricRollupMark { Tier = tier.Number, DoneUntil = from };
            }
            else
            {
                from = Math.Max(mark.DoneUntil, tier.BucketOf(now - source.Retention));
            }

            for (var bucket = from; bucket < until && bucket < from + ((long)MaxBucketsPerRound * tier.StepSeconds); bucket += tier.StepSeconds)
            {
                var end = bucket + tier.StepSeconds;
                var rows = await db.Set<MetricPoint>().AsNoTracking()
                    .Where(p => p.Tier == source.Number && p.BucketStart >= bucket && p.BucketStart < end)
                    .Select(p => new { p.SeriesId, p.Count, p.Data })
                    .ToListAsync(cancellationToken);
                var points = rows.GroupBy(r => r.SeriesId).Select(g =>
                {
                    var (data, count) = MetricData.Roll(g.Select(r => (r.Data, r.Count)).ToList());
                    return new MetricPoint { SeriesId = g.Key, Tier = tier.Number, Slot = tier.SlotOf(bucket), BucketStart = bucket, Count = count, Data = data };
                }).ToList();
                if (tier.Number == 1)
                {
                    points.AddRange(await VdcTotalsAsync(db, points, cancellationToken));
                }

                await db.Database.OpenConnectionAsync(cancellationToken);
                try
                {
                    await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
                    await store.UpsertAsync(points, cancellationToken);
                    if (db.Entry(mark).State == EntityState.Detached)
                    {
                        db.Add(mark);
                    }

                    mark.DoneUntil = end;
                    await db.SaveChangesAsync(cancellationToken);
                    await transaction.CommitAsync(cancellationToken);
                }
                finally
                {
                    await db.Database.CloseConnectionAsync();
                }

                rolled++;
            }
        }

        return rolled;
    }

    /// <summary>
    /// Each customer's minute: its VMs' minutes summed (averages, minimums and maximums each summed, so the band is
    /// the range the total could have had), into the customer's vDataCenter series, made on its first minute.
    /// </summary>
    private static async Task<List<MetricPoint>> VdcTotalsAsync(PortalDbContext db, IReadOnlyList<MetricPoint> minutes, CancellationToken cancellationToken)
    {
        var ids = minutes.Select(p => p.SeriesId).ToList();
        var owners = new Dictionary<int, (Guid Reseller, Guid Customer)>();
        foreach (var chunk in ids.Chunk(500))
        {
            var rows = await db.Set<MetricSeries>().IgnoreQueryFilters().AsNoTracking()
                .Where(s => chunk.Contains(s.Id) && s.Kind == MetricSeries.VmKind)
                .Select(s => new { s.Id, s.ResellerId, s.CustomerId })
                .ToListAsync(cancellationToken);
            rows.ForEach(r => owners[r.Id] = (r.ResellerId, r.CustomerId));
        }

        var subjects = owners.Values.Select(o => o.Customer.ToString("D")).Distinct().ToList();
        var vdcs = new Dictionary<string, MetricSeries>();
        foreach (var chunk in subjects.Chunk(500))
        {
            var found = await db.Set<MetricSeries>().IgnoreQueryFilters().AsNoTracking()
                .Where(s => s.Kind == MetricSeries.VdcKind && chunk.Contains(s.Subject))
                .ToListAsync(cancellationToken);
            found.ForEach(s => vdcs[s.Subject] = s);
        }

        var totals = new List<MetricPoint>();
        foreach (var customer in minutes.Where(p => owners.ContainsKey(p.SeriesId)).GroupBy(p => owners[p.SeriesId]))
        {
            var subject = customer.Key.Customer.ToString("D");
            if (!vdcs.TryGetValue(subject, out var series))
            {
                series = new MetricSeries { Kind = MetricSeries.VdcKind, Subject = subject, ResellerId = customer.Key.Reseller, CustomerId = customer.Key.Customer, CreatedAt = DateTimeOffset.UtcNow };
                db.Add(series);
                await db.SaveChangesAsync(cancellationToken);
            }

            var first = customer.First();
            totals.Add(new MetricPoint { SeriesId = series.Id, Tier = first.Tier, Slot = first.Slot, BucketStart = first.BucketStart, Count = 1, Data = MetricData.Sum(customer.Select(p => p.Data).ToList(), skip: 0) });
        }

        return totals;
    }
}
