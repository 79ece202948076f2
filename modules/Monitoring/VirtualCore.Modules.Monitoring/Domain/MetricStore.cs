using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using VirtualCore.Framework.Persistence;

namespace VirtualCore.Modules.Monitoring.Domain;

/// <summary>
/// Writes buckets in batches (one statement per hundred rows, an upsert that takes the slot over when the ring comes
/// round) and reads a series' range, filling the part its tier has not rolled up yet from the tier below, down to the
/// raw samples, so that every range reaches up to the last sample.
/// </summary>
internal sealed class MetricStore(PortalDbContext db)
{
    private const int RowsPerStatement = 100;

    public PortalDbContext Db => db;

    /// <summary>Writes <paramref name="points"/> in the current transaction; the last of several for one slot wins.</summary>
    public async Task UpsertAsync(IEnumerable<MetricPoint> points, CancellationToken cancellationToken)
    {
        var unique = new Dictionary<(int, int, int), MetricPoint>();
        foreach (var point in points)
        {
            unique[(point.SeriesId, point.Tier, point.Slot)] = point;
        }

        foreach (var chunk in unique.Values.Chunk(RowsPerStatement))
        {
            await ExecuteAsync(
                chunk,
                """INSERT INTO "MetricPoints" ("SeriesId", "Tier", "Slot", "BucketStart", "Count", "Data") VALUES """,
                """ ON CONFLICT ("SeriesId", "Tier", "Slot") DO UPDATE SET "BucketStart" = excluded."BucketStart", "Count" = excluded."Count", "Data" = excluded."Data" """,
                p => [p.SeriesId, p.Tier, p.Slot, p.BucketStart, p.Count, p.Data],
                cancellationToken);
        }
    }

    /// <summary>Adds to the months' traffic in the current transaction.</summary>
    public async Task AddTrafficAsync(IEnumerable<TrafficMonth> months, CancellationToken cancellationToken)
    {
        var sums = new Dictionary<(int, int), TrafficMonth>();
        foreach (var month in months)
        {
            if (sums.TryGetValue((month.SeriesId, month.Month), out var sum))
            {
                sum.InBytes += month.InBytes;
                sum.OutBytes += month.OutBytes;
            }
            else
            {
                sums[(month.SeriesId, month.Month)] = new TrafficMonth { SeriesId = month.SeriesId, Month = month.Month, InBytes = month.InBytes, OutBytes = month.OutBytes };
            }
        }

        foreach (var chunk in sums.Values.Chunk(RowsPerStatement))
        {
            await ExecuteAsync(
                chunk,
                """INSERT INTO "TrafficMonths" ("SeriesId", "Month", "InBytes", "OutBytes") VALUES """,
                """ ON CONFLICT ("SeriesId", "Month") DO UPDATE SET "InBytes" = "TrafficMonths"."InBytes" + excluded."InBytes", "OutBytes" = "TrafficMonths"."OutBytes" + excluded."OutBytes" """,
                t => [t.SeriesId, t.Month, t.InBytes, t.OutBytes],
                cancellationToken);
        }
    }

    /// <summary>
    /// The buckets of <paramref name="tier"/> from <paramref name="from"/> to <paramref name="to"/> (bucket starts,
    /// inclusive): stored ones up to the tier's rollup mark, rolled up on the spot from the tier below after it.
    /// </summary>
    public async Task<SortedDictionary<long, (byte[] Data, int Count)>> ReadAsync(int seriesId, MetricTier tier, long from, long to, IReadOnlyDictionary<int, long> marks, CancellationToken cancellationToken)
    {
        var result = new SortedDictionary<long, (byte[], int)>();
        var stored = tier.Number == 0 ? long.MaxValue : marks.GetValueOrDefault(tier.Number, long.MinValue);
        if (from < stored)
        {
            var last = Math.Min(to, stored - tier.StepSeconds);
            var (low, high) = SlotRange(tier, from, last);
            var rows = await db.Set<MetricPoint>().AsNoTracking()
                .Where(p => p.SeriesId == seriesId && p.Tier == tier.Number && p.BucketStart >= from && p.BucketStart <= last)
                .Where(low <= high ? p => p.Slot >= low && p.Slot <= high : p => p.Slot >= low || p.Slot <= high)
                .Select(p => new { p.BucketStart, p.Data, p.Count })
                .ToListAsync(cancellationToken);
            rows.ForEach(r => result[r.BucketStart] = (r.Data, r.Count));
        }

        if (tier.Number > 0 && to >= stored)
        {
            var below = MetricData.Tiers[tier.Number - 1];
            var counts = await ReadAsync(seriesId, below, Math.Max(from, stored), to + tier.StepSeconds - below.StepSeconds, marks, cancellationToken);
            foreach (var group in counts.GroupBy(p => tier.BucketOf(p.Key)))
            {
                result[group.Key] = MetricData.Roll(group.Select(p => p.Value).ToList());
            }
        }

        return result;
    }

    /// <summary>The ring's slots a range of buckets occupies (low above high when it wraps); the whole ring for a range as long as it.</summary>
    private static (int Low, int High) SlotRange(MetricTier tier, long from, long to) =>
        to - from >= tier.Retention - tier.StepSeconds ? (0, tier.Length - 1) : (tier.SlotOf(tier.BucketOf(from)), tier.SlotOf(tier.BucketOf(to)));

    private async Task ExecuteAsync<T>(IReadOnlyList<T> rows, string head, string tail, Func<T, object[]> values, CancellationToken cancellationToken)
    {
        var connection = db.Database.GetDbConnection();
        await using var command = connection.CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        var sql = new StringBuilder(head);
        var n = 0;
        for (var r = 0; r < rows.Count; r++)
        {
            sql.Append(r == 0 ? "(" : ", (");
            var row = values(rows[r]);
            for (var c = 0; c < row.Length; c++)
            {
                var name = "@p" + n++;
                sql.Append(c == 0 ? name : ", " + name);
                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                parameter.Value = row[c];
                command.Parameters.Add(parameter);
            }

            sql.Append(')');
        }

        sql.Append(tail);
        command.CommandText = sql.ToString();
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>Reads the rollup marks (how far each tier has been rolled up), all in one query.</summary>
internal static class MetricMarks
{
    public static async Task<Dictionary<int, long>> ReadAsync(PortalDbContext db, CancellationToken cancellationToken) =>
        await db.Set<MetricRollupMark>().AsNoTracking().ToDictionaryAsync(m => m.Tier, m => m.DoneUntil, cancellationToken);
}
