using System.Data.Common;
using Microsoft.EntityFrameworkCore;

namespace VirtualCore.Portal.Tests;

/// <summary>
/// Every SQLite connection the portal uses runs in WAL mode with synchronous=NORMAL and SQLite's own busy handler —
/// also a pooled connection opened again, which is set up only once.
/// </summary>
public sealed class SqliteSettingsTests : IAsyncLifetime
{
    private readonly PortalFixture _portal = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task Each_connection_the_portal_opens_has_the_settings_also_when_the_pool_hands_it_out_again()
    {
        _ = _portal.Demo();
        for (var round = 0; round < 3; round++)
        {
            var settings = await _portal.DbAsync(async db =>
            {
                var connection = db.Database.GetDbConnection();
                await db.Database.OpenConnectionAsync();
                try
                {
                    return (await ScalarAsync(connection, "PRAGMA journal_mode"), await ScalarAsync(connection, "PRAGMA synchronous"), await ScalarAsync(connection, "PRAGMA busy_timeout"));
                }
                finally
                {
                    await db.Database.CloseConnectionAsync();
                }
            });
            Assert.Equal(("wal", "1", "30000"), settings);
        }
    }

    private static async Task<string> ScalarAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture)!;
    }
}
