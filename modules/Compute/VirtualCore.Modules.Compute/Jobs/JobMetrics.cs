using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Web;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Domain;

namespace VirtualCore.Modules.Compute.Jobs;

/// <summary>
/// The job pipeline for /metrics: open jobs by status and how many wait to be sent (read from the database at scrape
/// time, so every instance reports the installation's numbers), and how long finished jobs took from acceptance to end.
/// </summary>
internal sealed class JobMetrics : IPortalMetrics, IDisposable
{
    private readonly Meter _meter = new("VirtualCore.Compute");
    private readonly Histogram<double> _duration;

    public JobMetrics(IServiceProvider services)
    {
        _duration = _meter.CreateHistogram<double>("vcore.job.duration", unit: "s", description: "From acceptance to end, per finished job.");
        _meter.CreateObservableGauge("vcore.jobs.open", () =>
        {
            using var scope = services.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            return db.Set<Job>().Where(j => j.Status == JobStatuses.Queued || j.Status == JobStatuses.Running)
                .GroupBy(j => j.Status).Select(g => new { Status = g.Key, Count = g.Count() }).ToList()
                .Select(g => new Measurement<int>(g.Count, new KeyValuePair<string, object?>("status", g.Status)));
        }, unit: "{job}", description: "Jobs queued or running.");
        _meter.CreateObservableGauge("vcore.jobs.unsent", () =>
        {
            using var scope = services.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            return db.Set<Job>().Count(j => j.Status == JobStatuses.Queued && j.DispatchedAt == null);
        }, unit: "{job}", description: "Jobs accepted but not yet sent to their agent (the outbox's depth).");
    }

    public string MeterName => _meter.Name;

    public void Ended(Job job)
    {
        if (job.EndedAt is { } ended)
        {
            _duration.Record(
                (ended - job.QueuedAt).TotalSeconds,
                new KeyValuePair<string, object?>("action", job.Action),
                new KeyValuePair<string, object?>("status", job.Status));
        }
    }

    public void Dispose() => _meter.Dispose();
}
