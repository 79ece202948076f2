using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Modules.Compute.Domain;
using VirtualCore.Modules.Monitoring.Contracts;
using VirtualCore.Modules.Monitoring.Domain;
using VirtualCore.Modules.Monitoring.Features;
using VirtualCore.Node.Contracts.V1;
using VirtualCore.Portal.Tests;

namespace VirtualCore.Security.Tests;

/// <summary>
/// Usage history and alerts on PostgreSQL, as production stores them: samples written with the multi-row upsert, the
/// minute rollup, the graphs read back, an alert rule firing and resolving, and the history pruned — the same
/// statements the embedded default runs on SQLite.
/// </summary>
[Collection(PostgresServer.Collection)]
public sealed class PostgresUsageTests(PostgresServer postgres)
{
    [Fact]
    public async Task Samples_roll_up_into_minutes_and_an_alert_fires_and_resolves_on_postgresql()
    {
        var settings = new Dictionary<string, string>(await postgres.NewDatabaseSettingsAsync())
        {
            ["NodeAgentDefaults:UsageInterval"] = "00:00:00",
            ["Alerts:EvaluationInterval"] = "00:00:00",
        };
        await using var portal = new PortalFixture(settings: settings);
        var api = portal.Demo();
        var accepted = await api.CreateVmAsync("pg-graphs", iso: null);
        await api.CompleteAsync(Task.FromResult(accepted));
        var vmId = accepted.VmId;
        var node = await portal.DbAsync(db => db.Set<VirtualMachine>().Where(v => v.Id == vmId).Select(v => v.NodeName).SingleAsync());

        // Two minutes of samples ending a few minutes ago, CPU 10 … 21 %; the second write of the first sample replaces it.
        var start = (DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 60 * 60) - 300;
        await IngestAsync(portal, node, vmId, start, 99);
        for (var i = 0; i < 12; i++)
        {
            await IngestAsync(portal, node, vmId, start + (i * 10), 10 + i);
        }

        await using (var scope = portal.Services.CreateAsyncScope())
        {
            Assert.True(await MetricRollups.RollAsync(scope.ServiceProvider.GetRequiredService<MetricStore>(), start + 300, default) >= 2);
        }

        var day = await api.GetAsync<MetricsView>($"/api/v1/vms/{vmId}/metrics?range=day&series=cpu");
        var cpu = Assert.Single(day.Series);
        var first = day.Times.ToList().IndexOf(start);
        Assert.Equal((12.5, 10d, 15d), (cpu.Avg[first], cpu.Min[first], cpu.Max[first]));
        Assert.Equal((18.5, 16d, 21d), (cpu.Avg[first + 1], cpu.Min[first + 1], cpu.Max[first + 1]));

        // A rule over 15 % fires on the newest samples and resolves once they fall below its clear level.
        var rule = await api.PostAsJsonAsync("/api/v1/alert-rules", new { name = "pg busy", scope = "vm", subject = vmId, condition = "cpu", threshold = 15, clearBelow = 12, durationSeconds = 0 });
        Assert.Equal(System.Net.HttpStatusCode.Created, rule.StatusCode);
        Assert.Equal(1, await EvaluateAsync(portal, DateTimeOffset.FromUnixTimeSeconds(start + 115)));
        await IngestAsync(portal, node, vmId, start + 120, 5);
        Assert.Equal(1, await EvaluateAsync(portal, DateTimeOffset.FromUnixTimeSeconds(start + 125)));
        var alert = Assert.Single(await api.GetAsync<AlertView[]>("/api/v1/alerts"));
        Assert.Equal((AlertStates.Resolved, 21d), (alert.State, alert.Peak));

        await using (var scope = portal.Services.CreateAsyncScope())
        {
            Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<AlertEngine>().PruneAsync(DateTimeOffset.UtcNow.AddDays(500), default));
        }

        Assert.Equal(0, await portal.CountAsync<Alert>());
    }

    private static async Task IngestAsync(PortalFixture portal, string node, Guid vmId, long at, double cpu)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<UsageIngest>().StoreAsync(
            [new UsageReported(node, DateTimeOffset.FromUnixTimeSeconds(at), 10, false, new NodeUsageV1(20, 1L << 30, 8L << 30, 0.5), [new VmUsageV1(vmId, cpu, 1L << 20, 1L << 30, 0, 0, 0, 0, 0, 0, 0, 0)])],
            default);
    }

    private static async Task<int> EvaluateAsync(PortalFixture portal, DateTimeOffset now)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AlertEngine>().EvaluateAsync(now, default);
    }
}
