using Microsoft.EntityFrameworkCore;
using VirtualCore.Portal.Persistence;

namespace VirtualCore.Portal.Tests;

/// <summary>
/// The model every module builds and the migrations of each database provider agree: an entity changed without a
/// migration for SQLite and for PostgreSQL fails here, not on a provider's first start.
/// </summary>
public sealed class MigrationsTests
{
    [Fact]
    public void The_sqlite_migrations_match_the_model()
    {
        using var db = new SqliteDesignTimeFactory().CreateDbContext([]);
        Assert.NotEmpty(db.Database.GetMigrations());
        Assert.False(db.Database.HasPendingModelChanges(), "The model has changes without a SQLite migration: add one (README: Database migrations).");
    }

    [Fact]
    public void The_postgres_migrations_match_the_model()
    {
        using var db = new PostgresDesignTimeFactory().CreateDbContext([]);
        Assert.NotEmpty(db.Database.GetMigrations());
        Assert.False(db.Database.HasPendingModelChanges(), "The model has changes without a PostgreSQL migration: add one (README: Database migrations).");
    }

    [Fact]
    public void Both_providers_have_the_same_migrations()
    {
        using var sqlite = new SqliteDesignTimeFactory().CreateDbContext([]);
        using var postgres = new PostgresDesignTimeFactory().CreateDbContext([]);
        static IEnumerable<string> Names(DbContext db) => db.Database.GetMigrations().Select(m => m[(m.IndexOf('_', StringComparison.Ordinal) + 1)..]);
        Assert.Equal(Names(sqlite), Names(postgres));
    }
}
