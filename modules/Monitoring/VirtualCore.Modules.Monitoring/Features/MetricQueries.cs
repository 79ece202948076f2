using System.Globalization;
using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Infrastructure.Contracts;
using VirtualCore.Modules.Monitoring.Contracts;
using VirtualCore.Modules.Monitoring.Domain;

namespace VirtualCore.Modules.Monitoring.Features;

/// <summary>A graph's range: how far back, from which tier.</summary>
internal sealed record MetricRange(string Name, int Tier, int Buckets)
{
    public static readonly IReadOnlyList<MetricRange> All =
    [
        new("hour", 0, 360),
        new("day", 1, 1_440),
        new("week", 2, 672),
        new("month", 3, 372),
        new("year", 4, 366),
        new("decade", 4, 3_653),
    ];
}

/// <summary>Reads series for graphs and the API. The VM's access is checked before (a VM request at view level); a rack server's needs the provider's permission.</summary>
internal sealed class MetricQueries(PortalDbContext db, MetricStore store, ISender sender, ITenantContext tenant, TimeProvider clock)
    : IQueryHandler<GetVmMetrics, MetricsView>, IQueryHandler<GetNodeMetrics, MetricsView>, IQueryHandler<GetVdcMetrics, MetricsView>, IQueryHandler<GetVmTraffic, IReadOnlyList<TrafficMonthView>>
{
    /// <summary>The series a VM has (a rack server has the load too).</summary>
    public static readonly IReadOnlyList<string> VmSeries = MetricNames.All.Select(s => s.Name).Where(n => n != MetricNames.Load).ToList();

    public static readonly IReadOnlyList<string> NodeSeries = MetricNames.All.Select(s => s.Name).ToList();

    /// <summary>What adds up across a vDataCenter's VMs: not their CPU shares.</summary>
    public static readonly IReadOnlyList<string> VdcSeries = VmSeries.Where(n => n != MetricNames.Cpu).ToList();

    public async ValueTask<MetricsView> Handle(GetVmMetrics query, CancellationToken cancellationToken)
    {
        var (names, range) = Parse(query.Series, query.Range, VmSeries);
        var subject = UsageIngest.SubjectOf(query.VmId);
        var series = await db.Set<MetricSeries>().AsNoTracking().SingleOrDefaultAsync(s => s.Kind == MetricSeries.VmKind && s.Subject == subject, cancellationToken);
        return await ReadAsync(series, names, range, cancellationToken);
    }

    public async ValueTask<MetricsView> Handle(GetNodeMetrics query, CancellationToken cancellationToken)
    {
        var (names, range) = Parse(query.Series, query.Range, NodeSeries);
        var series = await db.Set<MetricSeries>().AsNoTracking().SingleOrDefaultAsync(s => s.Kind == MetricSeries.NodeKind && s.Subject == query.NodeName, cancellationToken);

        // A rack server that has not reported its usage yet has an empty history; a name that is none is not found.
        if (series is null && !(await sender.Send(new ListRackServers(), cancellationToken)).Any(r => r.Name == query.NodeName))
        {
            throw new NotFoundException($"Rack server '{query.NodeName}'");
        }

        return await ReadAsync(series, names, range, cancellationToken);
    }

    public async ValueTask<MetricsView> Handle(GetVdcMetrics query, CancellationToken cancellationToken)
    {
        var customer = tenant.CustomerId ?? throw new NotFoundException("A vDataCenter of a customer");
        var (names, range) = Parse(query.Series, query.Range, VdcSeries);

        // Its finest tier is the minute: the last hour is 60 minutes.
        range = range.Tier == 0 ? new MetricRange(range.Name, 1, 60) : range;
        var subject = customer.ToString("D");
        var series = await db.Set<MetricSeries>().AsNoTracking().SingleOrDefaultAsync(s => s.Kind == MetricSeries.VdcKind && s.Subject == subject, cancellationToken);
        return await ReadAsync(series, names, range, cancellationToken);
    }

    public async ValueTask<IReadOnlyList<TrafficMonthView>> Handle(GetVmTraffic query, CancellationToken cancellationToken)
    {
        var subject = UsageIngest.SubjectOf(query.VmId);
        var months = await db.Set<MetricSeries>().AsNoTracking()
            .Where(s => s.Kind == MetricSeries.VmKind && s.Subject == subject)
            .SelectMany(s => s.Traffic)
            .OrderByDescending(t => t.Month)
            .Take(120)
            .ToListAsync(cancellationToken);
        return months.Select(t => new TrafficMonthView(string.Create(CultureInfo.InvariantCulture, $"{t.Month / 100:D4}-{t.Month % 100:D2}"), t.InBytes, t.OutBytes)).ToList();
    }

    private static (IReadOnlyList<string> Names, MetricRange Range) Parse(string? series, string? range, IReadOnlyList<string> available)
    {
        var errors = new List<FieldError>();
        var names = string.IsNullOrWhiteSpace(series)
            ? available
            : series.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).ToList();
        if (names.Count == 0 || names.Count > available.Count || names.Any(n => !available.Contains(n)))
        {
            errors.Add(new FieldError("series", $"Choose series from {string.Join(", ", available)}, separated by commas."));
        }

        var chosen = MetricRange.All.SingleOrDefault(r => r.Name == (string.IsNullOrWhiteSpace(range) ? "day" : range.Trim()));
        if (chosen is null)
        {
            errors.Add(new FieldError("range", $"Choose a range from {string.Join(", ", MetricNames.Ranges)}."));
        }

        return errors.Count > 0 ? throw new RequestValidationException(errors) : (names, chosen!);
    }

    private async Task<MetricsView> ReadAsync(MetricSeries? series, IReadOnlyList<string> names, MetricRange range, CancellationToken cancellationToken)
    {
        var tier = MetricData.Tiers[range.Tier];
        var to = tier.BucketOf(clock.GetUtcNow().ToUnixTimeSeconds());
        var from = to - ((long)(range.Buckets - 1) * tier.StepSeconds);
        var buckets = series is null
            ? new SortedDictionary<long, (byte[] Data, int Count)>()
            : await store.ReadAsync(series.Id, tier, from, to, await MetricMarks.ReadAsync(db, cancellationToken), cancellationToken);

        var times = new long[range.Buckets];
        for (var i = 0; i < times.Length; i++)
        {
            times[i] = from + ((long)i * tier.StepSeconds);
        }

        var views = names.Select(name =>
        {
            var index = MetricData.IndexOf(name);
            var avg = new double?[times.Length];
            var min = new double?[times.Length];
            var max = new double?[times.Length];
            for (var i = 0; i < times.Length; i++)
            {
                if (buckets.TryGetValue(times[i], out var bucket))
                {
                    var (a, lo, hi) = MetricData.Read(bucket.Data, index);
                    if (!float.IsNaN(a))
                    {
                        (avg[i], min[i], max[i]) = (Round(a), Round(lo), Round(hi));
                    }
                }
            }

            return new MetricSeriesView(name, MetricNames.All[index].Unit, avg, min, max);
        }).ToList();
        return new MetricsView(range.Name, tier.StepSeconds, from, to, series?.Simulated ?? false, times, views);
    }

    private static double Round(float value) => Math.Round(value, value is > -1000 and < 1000 ? 3 : 0);
}
