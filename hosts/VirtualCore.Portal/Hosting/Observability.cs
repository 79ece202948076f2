using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Web;

namespace VirtualCore.Portal.Hosting;

/// <summary>
/// What operators watch: /health/live (the process answers), /health/ready (database, bus and agents, as JSON) and
/// Prometheus metrics at /metrics (jobs by status and their durations, the outbox's depth, agents online, dead
/// letters, HTTP requests, the bus's messages), answered only to the networks in <c>Metrics:AllowedNetworks</c>.
/// </summary>
internal static class Observability
{
    public static IServiceCollection AddPortalObservability(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: [HealthTags.Ready]);
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddAspNetCoreInstrumentation()
            .AddMeter("VirtualCore.*", "MassTransit")
            .AddPrometheusExporter());
        return services;
    }

    public static void MapPortalObservability(this WebApplication app)
    {
        // The metrics are installation-wide figures, not for the public: only the scraper's networks get them.
        var allowed = (app.Configuration.GetSection("Metrics:AllowedNetworks").Get<string[]>() ?? ["127.0.0.0/8", "::1/128"])
            .Select(IPNetwork.Parse).ToArray();
        app.UseWhen(
            http => http.Request.Path.StartsWithSegments("/metrics"),
            branch => branch.Use(async (http, next) =>
            {
                var address = http.Connection.RemoteIpAddress;
                if (address is not null && address.IsIPv4MappedToIPv6)
                {
                    address = address.MapToIPv4();
                }

                if (address is null || !allowed.Any(n => n.Contains(address)))
                {
                    http.Response.StatusCode = StatusCodes.Status403Forbidden;
                    return;
                }

                await next(http);
            }));
        app.MapPrometheusScrapingEndpoint("/metrics");

        // Creating the modules' instruments now makes their gauges exist from the first scrape on.
        _ = app.Services.GetServices<IPortalMetrics>().ToArray();

        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).ExcludeFromDescription();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(HealthTags.Ready),
            ResponseWriter = WriteReportAsync,
        }).ExcludeFromDescription();
    }

    private static Task WriteReportAsync(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json";
        return http.Response.WriteAsync(JsonSerializer.Serialize(
            new
            {
                status = report.Status.ToString(),
                checks = report.Entries.ToDictionary(
                    e => e.Key,
                    e => new { status = e.Value.Status.ToString(), description = e.Value.Description ?? e.Value.Exception?.Message, data = e.Value.Data }),
            },
            JsonSerializerOptions.Web));
    }
}

/// <summary>Ready only while the database answers.</summary>
internal sealed class DatabaseHealthCheck(PortalDbContext db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        await db.Database.CanConnectAsync(cancellationToken)
            ? HealthCheckResult.Healthy($"{db.Database.ProviderName} answers")
            : HealthCheckResult.Unhealthy($"{db.Database.ProviderName} does not answer");
}
