using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Web;
using VirtualCore.Modules.Monitoring.Domain;

namespace VirtualCore.Modules.Monitoring.Features;

/// <summary>
/// Each rack server's and VM's newest usage as Prometheus gauges at /metrics, for the provider's own Grafana. Labels
/// stay bounded: a rack server by its name, a VM by its id only (names are customers' words: never a
/// label), and at most <c>Metrics:MaxVmSeries</c> VMs (10,000 unless configured; 0 exports rack servers only). One
/// scrape reads the newest samples once, whatever the number of gauges.
/// </summary>
internal sealed class UsageGauges : IPortalMetrics, IDisposable
{
    private static readonly TimeSpan Freshness = TimeSpan.FromMinutes(1);
    private readonly Meter _meter = new("VirtualCore.Monitoring");
    private readonly IServiceProvider _services;
    private readonly TimeProvider _clock;
    private readonly int _maxVms;
    private readonly Lock _sync = new();
    private (DateTimeOffset At, List<Latest> Rows) _snapshot = (DateTimeOffset.MinValue, []);

    public UsageGauges(IServiceProvider services, IConfiguration configuration, TimeProvider clock)
    {
        _services = services;
        _clock = clock;
        _maxVms = configuration.GetValue("Metrics:MaxVmSeries", 10_000);
        SamplesStored = _meter.CreateCounter<long>("vcore.usage.samples", "{sample}", "Usage samples stored: one VM or rack server at one instant.");
        AlertEvaluation = _meter.CreateHistogram<double>("vcore.alerts.evaluation", "s", "How long one evaluation of every alert rule took (on the leader).");
        Gauge("vcore.node.cpu", "%", "Busy share of the rack server's cores.", MetricSeries.NodeKind, 0);
        Gauge("vcore.node.memory.used", "By", "Memory the rack server uses.", MetricSeries.NodeKind, 1);
        Gauge("vcore.node.memory.total", "By", "The rack server's memory.", MetricSeries.NodeKind, 2);
        Gauge("vcore.node.load", "{process}", "The rack server's one-minute load average.", MetricSeries.NodeKind, 11);
        Gauge("vcore.node.disk.read", "By/s", "What the rack server's VMs read from their disks.", MetricSeries.NodeKind, 3);
        Gauge("vcore.node.disk.write", "By/s", "What the rack server's VMs write to their disks.", MetricSeries.NodeKind, 4);
        Gauge("vcore.node.network.in", "By/s", "What the rack server's VMs receive.", MetricSeries.NodeKind, 7);
        Gauge("vcore.node.network.out", "By/s", "What the rack server's VMs send.", MetricSeries.NodeKind, 8);
        Gauge("vcore.vm.cpu", "%", "Busy share of the VM's vCPUs.", MetricSeries.VmKind, 0);
        Gauge("vcore.vm.memory.used", "By", "Memory the VM's guest uses.", MetricSeries.VmKind, 1);
        Gauge("vcore.vm.disk.read", "By/s", "What the VM reads from its disks.", MetricSeries.VmKind, 3);
        Gauge("vcore.vm.disk.write", "By/s", "What the VM writes to its disks.", MetricSeries.VmKind, 4);
        Gauge("vcore.vm.network.in", "By/s", "What the VM receives.", MetricSeries.VmKind, 7);
        Gauge("vcore.vm.network.out", "By/s", "What the VM sends.", MetricSeries.VmKind, 8);
    }

    public string MeterName => _meter.Name;

    /// <summary>Counts the samples stored (one VM or rack server at one instant), for the ingest rate.</summary>
    public Counter<long> SamplesStored { get; }

    public Histogram<double> AlertEvaluation { get; }

    public void Dispose() => _meter.Dispose();

    private void Gauge(string name, string unit, string description, string kind, int index) =>
        _meter.CreateObservableGauge(name, () => Measure(kind, index), unit, description);

    private IEnumerable<Measurement<double>> Measure(string kind, int index)
    {
        foreach (var row in Snapshot())
        {
            if (row.Kind != kind)
            {
                continue;
            }

            var (value, _, _) = MetricData.Read(row.Data, index);
            if (!float.IsNaN(value))
            {
                yield return kind == MetricSeries.NodeKind
                    ? new Measurement<double>(value, new KeyValuePair<string, object?>("node", row.Subject))
                    : new Measurement<double>(value, new KeyValuePair<string, object?>("vm", row.Subject));
            }
        }
    }

    /// <summary>The newest raw sample of each series from the last minute, read once per scrape (a few seconds' cache).</summary>
    private List<Latest> Snapshot()
    {
        var now = _clock.GetUtcNow();
        lock (_sync)
        {
            if (now - _snapshot.At < TimeSpan.FromSeconds(5))
            {
                return _snapshot.Rows;
            }

            using var scope = _services.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var since = (now - Freshness).ToUnixTimeSeconds();
            var rows = db.Set<MetricPoint>().AsNoTracking()
                .Where(p => p.Tier == 0 && p.BucketStart >= since)
                .Join(db.Set<MetricSeries>().IgnoreQueryFilters(), p => p.SeriesId, s => s.Id, (p, s) => new { s.Kind, s.Subject, p.SeriesId, p.BucketStart, p.Data })
                .AsEnumerable()
                .GroupBy(r => r.SeriesId)
                .Select(g => g.MaxBy(r => r.BucketStart)!)
                .Select(r => new Latest(r.Kind, r.Subject, r.Data))
                .ToList();
            var vms = rows.Where(r => r.Kind == MetricSeries.VmKind).OrderBy(r => r.Subject, StringComparer.Ordinal).Take(Math.Max(0, _maxVms));
            _snapshot = (now, rows.Where(r => r.Kind == MetricSeries.NodeKind).Concat(vms).ToList());
            return _snapshot.Rows;
        }
    }

    private sealed record Latest(string Kind, string Subject, byte[] Data);
}
