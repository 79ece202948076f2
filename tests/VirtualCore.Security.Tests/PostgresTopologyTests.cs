using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using VirtualCore.Framework.Leadership;
using VirtualCore.Portal.Tests;

namespace VirtualCore.Security.Tests;

/// <summary>
/// Portal instances on one PostgreSQL database, as production runs them: one leader at a time through the database's
/// lease, which moves when its holder dies or loses its session; an older schema upgraded on start.
/// </summary>
[Collection(PostgresServer.Collection)]
public sealed class PostgresTopologyTests(PostgresServer postgres)
{
    [Fact]
    public async Task One_instance_leads_and_the_lease_moves_when_the_leader_stops_or_loses_its_database_session()
    {
        var database = await postgres.NewDatabaseSettingsAsync();
        var first = new PortalFixture(settings: database);
        var firstLease = first.Services.GetRequiredService<ILeaderLease>();
        await Api.WaitUntilAsync(() => Task.FromResult(firstLease.IsLeader), leads => leads);

        var secondSettings = new Dictionary<string, string>(database) { ["EmbeddedRackServers:Enabled"] = "false" };
        await using var second = new PortalFixture(settings: secondSettings);
        var secondLease = second.Services.GetRequiredService<ILeaderLease>();
        Assert.False(secondLease.IsLeader);

        // The leader's process ends: the database drops its session and with it the lease; the other instance takes it.
        await first.DisposeAsync();
        await Api.WaitUntilAsync(() => Task.FromResult(secondLease.IsLeader), leads => leads);

        // The leader's database session is killed (a network cut, a restarted server): it notices and takes the lease again
        // on a new session, since no other instance wants it meanwhile.
        var holder = await LeaseHolderAsync(database);
        await using (var admin = new NpgsqlConnection(database["Database:ConnectionString"]))
        {
            await admin.OpenAsync();
            await using var kill = new NpgsqlCommand($"SELECT pg_terminate_backend({holder})", admin);
            await kill.ExecuteScalarAsync();
        }

        var newHolder = await Api.WaitUntilAsync(() => LeaseHolderAsync(database), pid => pid is not null && pid != holder);
        Assert.NotEqual(holder, newHolder);
        Assert.True(secondLease.IsLeader);
    }

    [Fact]
    public async Task A_database_of_the_previous_release_upgrades_on_start_and_keeps_its_vms_and_jobs()
    {
        const string Previous = "20261204192416_TypedJobSubjectAndRequestKeys";
        var database = await postgres.NewDatabaseSettingsAsync();
        JsonElement vmsBefore;
        JsonElement jobsBefore;
        string data;
        await using (var old = new PortalFixture(settings: database))
        {
            data = old.DataDirectory;
            var demo = old.Demo();
            await demo.CompleteAsync(demo.CreateVmAsync("kept"));
            vmsBefore = await demo.GetAsync<JsonElement>("/api/v1/vms");
            jobsBefore = await demo.GetAsync<JsonElement>("/api/v1/jobs");
            await old.DbAsync(async db =>
            {
                await db.GetService<IMigrator>().MigrateAsync(Previous);
                return 0;
            });
            Assert.Equal(Previous, (await old.DbAsync(db => db.Database.GetAppliedMigrationsAsync())).Last());
        }

        // The same rack servers (their simulated hosts live in the data folder), the upgraded database.
        await using var upgraded = new PortalFixture(data, settings: database);
        var client = upgraded.Demo();
        Assert.Equal(vmsBefore.GetRawText(), (await client.GetAsync<JsonElement>("/api/v1/vms")).GetRawText());
        Assert.Equal(jobsBefore.GetRawText(), (await client.GetAsync<JsonElement>("/api/v1/jobs")).GetRawText());
        Assert.Empty(await upgraded.DbAsync(db => db.Database.GetPendingMigrationsAsync()));
        var session = await upgraded.CreateClient().PostAsJsonAsync("/api/v1/session", new { userName = "demo", password = "demo-pass-1" });
        Assert.True(session.IsSuccessStatusCode);
    }

    private static async Task<int?> LeaseHolderAsync(Dictionary<string, string> database)
    {
        await using var connection = new NpgsqlConnection(database["Database:ConnectionString"]);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())", connection);
        return await query.ExecuteScalarAsync() is int pid ? pid : null;
    }
}
