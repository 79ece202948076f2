using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using VirtualCore.Framework.Modules;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;

namespace VirtualCore.Portal.Persistence;

// One context type per database provider, so that each provider has its own migrations.

public sealed class SqlitePortalDbContext(DbContextOptions<SqlitePortalDbContext> options, ModuleCatalog modules, ITenantContext tenant)
    : PortalDbContext(options, modules, tenant);

public sealed class PostgresPortalDbContext(DbContextOptions<PostgresPortalDbContext> options, ModuleCatalog modules, ITenantContext tenant)
    : PortalDbContext(options, modules, tenant);

/// <summary>For `dotnet ef migrations add … --context SqlitePortalDbContext`.</summary>
public sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqlitePortalDbContext>
{
    public SqlitePortalDbContext CreateDbContext(string[] args) => new(
        new DbContextOptionsBuilder<SqlitePortalDbContext>().UseSqlite("Data Source=design.db").Options,
        PortalModules.Catalog(),
        SystemTenantContext.Instance);
}

/// <summary>For `dotnet ef migrations add … --context PostgresPortalDbContext`.</summary>
public sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresPortalDbContext>
{
    public PostgresPortalDbContext CreateDbContext(string[] args) => new(
        new DbContextOptionsBuilder<PostgresPortalDbContext>().UseNpgsql("Host=127.0.0.1;Database=virtualcore").Options,
        PortalModules.Catalog(),
        SystemTenantContext.Instance);
}
