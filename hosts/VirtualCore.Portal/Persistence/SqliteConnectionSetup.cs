using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
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

    /// <summary>
    /// The native connections already set up. The settings belong to SQLite's connection, which Microsoft.Data.Sqlite
    /// keeps in its pool across opens: each is set up once, not at every open (three statements parsed and run at
    /// every unit of work cost about as much as a small query).
    /// </summary>
    private static readonly ConditionalWeakTable<object, object> Configured = [];

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (NeedsSetup(connection))
        {
            using var command = connection.CreateCommand();
            command.CommandText = Pragmas;
            command.ExecuteNonQuery();
            MarkSetUp(connection);
        }
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (NeedsSetup(connection))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = Pragmas;
            await command.ExecuteNonQueryAsync(cancellationToken);
            MarkSetUp(connection);
        }
    }

    private static bool NeedsSetup(DbConnection connection) =>
        connection is not SqliteConnection { Handle: { } handle } || !Configured.TryGetValue(handle, out _);

    private static void MarkSetUp(DbConnection connection)
    {
        if (connection is SqliteConnection { Handle: { } handle })
        {
            Configured.AddOrUpdate(handle, Configured);
        }
    }
}
