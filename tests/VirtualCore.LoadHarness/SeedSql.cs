using Microsoft.Data.Sqlite;

namespace VirtualCore.LoadHarness;

/// <summary>Writing seed rows straight into a stopped portal's SQLite database, as EF Core stores them.</summary>
internal static class SeedSql
{
    public static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    public static void Run(SqliteCommand command, params (string Name, object Value)[] values)
    {
        command.Parameters.Clear();
        foreach (var (name, value) in values)
        {
            command.Parameters.AddWithValue(name, value);
        }

        command.ExecuteNonQuery();
    }

    /// <summary>A GUID as EF Core's SQLite provider stores it: upper-case text.</summary>
    public static string Text(Guid id) => id.ToString("D").ToUpperInvariant();
}
