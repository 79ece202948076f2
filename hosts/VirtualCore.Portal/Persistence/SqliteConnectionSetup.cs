using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace VirtualCore.Portal.Persistence;

/// <summary>
/// How every SQLite connection of the portal is set up when it opens:
/// <list type="bullet">
/// <item>write-ahead logging, so readers (pages, the API's lists) never wait for a writer and a writer never waits for
/// them, and a commit appends to the log instead of rewriting pages through a rollback journal;</item>
/// <item><c>synchronous=NORMAL</c>, which in WAL mode syncs at checkpoints, not at every commit: a power cut may lose
/// the last commits but never corrupts the database (a crash of the process loses nothing);</item>
/// <item>SQLite's own busy handler, which waits for another writer in steps of 1 to 100 ms. Without it
/// Microsoft.Data.Sqlite retries a busy statement after sleeping 150 ms, which made every action that met another
/// writer — the dispatcher, an agent's report — wait that long.</item>
/// </list>
/// </summary>
internal sealed class SqliteConnectionSetup : DbConnectionInterceptor
{
    private const string Pragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
