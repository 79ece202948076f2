using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Web;
using VirtualCore.Modules.Infrastructure.Domain;

namespace VirtualCore.Modules.Infrastructure.Features;

/// <summary>
/// Part of /health/ready: how many rack servers' agents reported within <see cref="InfrastructureOptions.OfflineAfter"/>.
/// None online is "degraded", not "unhealthy": the portal still serves its pages and takes jobs, which wait for the
/// agents, so a load balancer must not take every instance out because the KVM hosts are away.
/// </summary>
internal sealed class AgentsHealthCheck(PortalDbContext db, IOptions<InfrastructureOptions> options, TimeProvider clock) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var onlineSince = clock.GetUtcNow() - options.Value.OfflineAfter;
        var servers = await db.Set<RackServer>().AsNoTracking().Select(r => new { r.Name, r.LastHeartbeatAt }).ToListAsync(cancellationToken);
        var offline = servers.Where(s => !(s.LastHeartbeatAt >= onlineSince)).Select(s => s.Name).Order(StringComparer.Ordinal).ToArray();
        var data = new Dictionary<string, object> { ["online"] = servers.Count - offline.Length, ["offline"] = offline };
        var description = $"{servers.Count - offline.Length} of {servers.Count} rack servers' agents online";
        return offline.Length == servers.Count && servers.Count > 0
            ? HealthCheckResult.Degraded(description, data: data)
            : HealthCheckResult.Healthy(description, data);
    }
}

/// <summary>The installation's gauges for Prometheus: agents online, and dead letters recorded.</summary>
internal sealed class InfrastructureMetrics : IPortalMetrics, IDisposable
{
    private readonly Meter _meter = new("VirtualCore.Infrastructure");

    public InfrastructureMetrics(IServiceProvider services, IOptions<InfrastructureOptions> options, TimeProvider clock)
    {
        _meter.CreateObservableGauge("vcore.agents.online", () =>
        {
            using var scope = services.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var onlineSince = clock.GetUtcNow() - options.Value.OfflineAfter;
            return db.Set<RackServer>().Count(r => r.LastHeartbeatAt >= onlineSince);
        }, unit: "{agent}", description: "Rack servers whose agent reported recently.");
        _meter.CreateObservableGauge("vcore.dead_letters", () =>
        {
            using var scope = services.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            return db.Set<DeadLetter>().Count();
        }, unit: "{message}", description: "Messages recorded as dead letters.");
    }

    public string MeterName => _meter.Name;

    public void Dispose() => _meter.Dispose();
}
