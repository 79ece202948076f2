using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Framework.Leadership;
using VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Portal.Tests;

/// <summary>
/// What a portal instance offers its operator and its sibling instances: health and metrics endpoints, dead letters,
/// data-protection keys shared through the database, the migrate command, and the upgrade of an older schema.
/// </summary>
public sealed class ProductionTopologyTests
{
    [Fact]
    public async Task Ready_names_the_database_the_bus_and_the_agents_and_live_runs_no_check()
    {
        await using var portal = new PortalFixture();
        var client = portal.CreateClient();
        var live = await client.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);

        using var ready = JsonDocument.Parse(await WaitForAgentsAsync(client));
        var checks = ready.RootElement.GetProperty("checks");
        Assert.Equal("Healthy", checks.GetProperty("database").GetProperty("status").GetString());
        Assert.Equal("Healthy", checks.GetProperty("masstransit-bus").GetProperty("status").GetString());
        Assert.Equal(3, checks.GetProperty("agents").GetProperty("data").GetProperty("online").GetInt32());

        // With every agent stopped the portal still serves (degraded), so a load balancer keeps it.
        foreach (var agent in portal.Agents.Agents)
        {
            await agent.StopAsync();
        }

        await portal.DbAsync(db => db.Database.ExecuteSqlRawAsync("UPDATE \"RackServers\" SET \"LastHeartbeatAt\" = NULL"));
        var degraded = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, degraded.StatusCode);
        using var body = JsonDocument.Parse(await degraded.Content.ReadAsStringAsync());
        Assert.Equal("Degraded", body.RootElement.GetProperty("status").GetString());
        Assert.Equal(3, body.RootElement.GetProperty("checks").GetProperty("agents").GetProperty("data").GetProperty("offline").GetArrayLength());
    }

    [Fact]
    public async Task Metrics_answer_the_scraper_networks_only()
    {
        await using var portal = new PortalFixture(realServer: true);
        portal.StartServer();
        using var client = new HttpClient { BaseAddress = portal.BaseAddress };
        using var demo = new HttpClient { BaseAddress = new Uri($"http://localhost:{portal.BaseAddress.Port}") };
        demo.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("demo:demo-pass-1")));
        var vm = await demo.CreateVmAsync("metered");
        await demo.WaitForJobAsync(vm.JobId);

        var metrics = await client.GetStringAsync("/metrics");
        Assert.Contains("vcore_agents_online", metrics, StringComparison.Ordinal);
        Assert.Contains("vcore_job_duration_seconds_count{", metrics, StringComparison.Ordinal);
        Assert.Contains("action=\"create\"", metrics, StringComparison.Ordinal);

        // The same request relayed by the local proxy for an outside address is refused.
        using var outside = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        outside.Headers.Add("X-Forwarded-For", "203.0.113.7");
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(outside)).StatusCode);
    }

    [Fact]
    public async Task A_report_no_consumer_can_handle_becomes_a_dead_letter_only_the_operator_sees()
    {
        await using var portal = new PortalFixture(settings: new Dictionary<string, string> { ["Bus:RetryLimit"] = "1", ["Bus:RetryMinInterval"] = "00:00:00.010" });
        var operatorClient = portal.ApiClient("operator", "operator-pass-1");
        var before = await operatorClient.GetAsync<JsonElement[]>("/api/v1/operations/dead-letters");

        // An agent's heartbeat listing one domain twice cannot be reconciled: after its retry it lands in the error queue.
        var twice = Guid.NewGuid();
        var bus = portal.Services.GetRequiredService<IBus>();
        await bus.Publish(new NodeHeartbeat(
            "rack-1", "test", 1, 4, 1, 9L << 30, "test", [new NodeDomainV1(twice, "a", "running", 1, 1L << 30), new NodeDomainV1(twice, "b", "running", 1, 1L << 30)], DateTimeOffset.UtcNow));

        var letters = await Api.WaitUntilAsync(
            () => operatorClient.GetAsync<JsonElement[]>("/api/v1/operations/dead-letters"),
            l => l.Length > before.Length);
        var letter = letters[0];
        Assert.Equal("NodeHeartbeat", letter.GetProperty("messageType").GetString());
        Assert.Equal("vcore-node-reconciliation", letter.GetProperty("queue").GetString());
        Assert.Contains(twice.ToString(), letter.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("ArgumentException", letter.GetProperty("exceptionType").GetString(), StringComparison.Ordinal);

        foreach (var (user, password) in new[] { ("demo", "demo-pass-1"), ("kamp-admin", "kamp-admin-pass-1"), ("baecker", "baecker-pass-1") })
        {
            var client = portal.ApiClient(user, password);
            client.DefaultRequestHeaders.Host = user == "demo" ? "localhost" : "kamp.localhost";
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/v1/operations/dead-letters")).StatusCode);
        }

        using var session = portal.Session();
        await session.SignInAsync("operator", "operator-pass-1");
        var page = await session.Client.GetStringAsync("/operations/dead-letters");
        Assert.Contains("vcore-node-reconciliation_error", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_session_from_one_instance_is_valid_on_another_sharing_the_database()
    {
        await using var first = new PortalFixture();
        // Another data folder, the same database: nothing but the database is shared, as between two hosts.
        await using var second = new PortalFixture(settings: new Dictionary<string, string>
        {
            ["EmbeddedRackServers:Enabled"] = "false",
            ["Database:ConnectionString"] = $"Data Source={Path.Combine(first.DataDirectory, "virtualcore.db")}",
        });
        var signIn = await first.CreateClient().PostAsJsonAsync("/api/v1/session", new { userName = "demo", password = "demo-pass-1" });
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        var cookie = string.Join("; ", signIn.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/session");
        request.Headers.Add("Cookie", cookie);
        var onSecond = await second.CreateClient().SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, onSecond.StatusCode);
        Assert.Equal("demo", (await onSecond.ProblemAsync()).GetProperty("userName").GetString());

        // A cookie the installation's keys did not protect is no session anywhere.
        using var forged = new HttpRequestMessage(HttpMethod.Get, "/api/v1/vms");
        forged.Headers.Add("Cookie", cookie[..cookie.IndexOf('=', StringComparison.Ordinal)] + "=CfDJ8" + new string('A', 200));
        Assert.Equal(HttpStatusCode.Unauthorized, (await second.CreateClient().SendAsync(forged)).StatusCode);
    }

    [Fact]
    public async Task The_migrate_command_brings_a_new_database_to_the_current_schema_and_then_has_nothing_to_do()
    {
        var data = Path.Combine(Path.GetTempPath(), "vcore-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        var (first, firstOutput) = await RunMigrateAsync(data);
        Assert.True(first == 0, firstOutput);
        Assert.Contains("Applied", firstOutput, StringComparison.Ordinal);

        // Logs as JSON for the log shipper: every line is one object.
        var (second, secondOutput) = await RunMigrateAsync(data, ("Logging__Console__FormatterName", "json"));
        Assert.True(second == 0, secondOutput);
        var lines = secondOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.NotEmpty(lines);
        var messages = lines.Select(line => JsonDocument.Parse(line).RootElement.GetProperty("Message").GetString()).ToArray();
        Assert.Contains(messages, m => m!.Contains("nothing to apply", StringComparison.Ordinal));

        await using var portal = new PortalFixture(data);
        var pending = await portal.DbAsync(db => db.Database.GetPendingMigrationsAsync());
        Assert.Empty(pending);
    }

    [Fact]
    public async Task A_database_of_the_previous_release_upgrades_on_start_and_keeps_its_vms_jobs_and_logins()
    {
        string data;
        JsonElement vmsBefore;
        JsonElement jobsBefore;
        const string Previous = "20261204192411_TypedJobSubjectAndRequestKeys";
        await using (var old = new PortalFixture())
        {
            data = old.DataDirectory;
            var demo = old.Demo();
            await demo.CompleteAsync(demo.CreateVmAsync("kept"));
            vmsBefore = await demo.GetAsync<JsonElement>("/api/v1/vms");
            jobsBefore = await demo.GetAsync<JsonElement>("/api/v1/jobs");

            // Back to the previous release's schema: what this release added is gone, the rest is as that release left it.
            await old.DbAsync(async db =>
            {
                await db.GetService<IMigrator>().MigrateAsync(Previous);
                return 0;
            });
            var applied = await old.DbAsync(db => db.Database.GetAppliedMigrationsAsync());
            Assert.Equal(Previous, applied.Last());
        }

        await using var upgraded = new PortalFixture(data);
        var client = upgraded.Demo();
        Assert.Equal(vmsBefore.GetRawText(), (await client.GetAsync<JsonElement>("/api/v1/vms")).GetRawText());
        Assert.Equal(jobsBefore.GetRawText(), (await client.GetAsync<JsonElement>("/api/v1/jobs")).GetRawText());
        Assert.Empty(await upgraded.DbAsync(db => db.Database.GetPendingMigrationsAsync()));
    }

    [Fact]
    public async Task On_sqlite_the_single_process_is_the_leader()
    {
        await using var portal = new PortalFixture();
        Assert.True(portal.Services.GetRequiredService<ILeaderLease>().IsLeader);
    }

    private static async Task<string> WaitForAgentsAsync(HttpClient client)
    {
        return await Api.WaitUntilAsync(() => client.GetStringAsync("/health/ready"), body => body.Contains("\"online\":3", StringComparison.Ordinal));
    }

    private static async Task<(int ExitCode, string Output)> RunMigrateAsync(string dataDirectory, params (string Key, string Value)[] environment)
    {
        var portal = Path.Combine(AppContext.BaseDirectory, "VirtualCore.Portal.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory };
        start.ArgumentList.Add(portal);
        start.ArgumentList.Add("migrate");
        start.Environment["DataDirectory"] = dataDirectory;
        start.Environment["DOTNET_ENVIRONMENT"] = "Testing";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment["EmbeddedRackServers__Enabled"] = "false";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }
}
