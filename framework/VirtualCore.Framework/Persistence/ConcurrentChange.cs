using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace VirtualCore.Framework.Persistence;

/// <summary>
/// Recognises a database refusing a write because another transaction changed the same thing at the same moment:
/// a row whose version moved on since it was read (<see cref="IVersioned"/>), a serialisation failure or deadlock (PostgreSQL), a unique key taken in between (both), a database still busy
/// with another writer after the wait (SQLite). Retrying the request may well succeed; it is not a fault.
/// </summary>
public static class ConcurrentChange
{
    public const string Message = "Someone else changed this at the same moment; try again.";

    // SQLite result codes: https://sqlite.org/rescode.html
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteConstraintPrimaryKey = 1555;
    private const int SqliteConstraintUnique = 2067;

    public static bool IsConcurrentChange(Exception exception)
    {
        // EF Core wraps the provider's exception in DbUpdateException when saving; queries and commits throw it bare.
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case DbUpdateConcurrencyException:
                case PostgresException pg when pg.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.UniqueViolation:
                case SqliteException sqlite when sqlite.SqliteErrorCode is SqliteBusy or SqliteLocked
                    || sqlite.SqliteExtendedErrorCode is SqliteConstraintUnique or SqliteConstraintPrimaryKey:
                    return true;
            }
        }

        return false;
    }
}
