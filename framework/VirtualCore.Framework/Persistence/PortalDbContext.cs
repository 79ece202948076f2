using System.Linq.Expressions;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Modules;
using VirtualCore.Framework.Tenancy;

namespace VirtualCore.Framework.Persistence;

/// <summary>
/// One unit of work over the tables of every module. Each module contributes its part of the model; rows that
/// are <see cref="ITenantOwned"/> are filtered to the current tenant, so another tenant's row is simply not found.
/// It also keeps ASP.NET Core's data-protection keys, so every portal instance reads every other's cookies.
/// </summary>
public class PortalDbContext(DbContextOptions options, ModuleCatalog modules, ITenantContext tenant) : DbContext(options), IDataProtectionKeyContext
{
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    // Read by the query filters on every query; EF parameterises these per context instance.
    internal bool SeesAllTenants => tenant.IsSystem || tenant.IsOperator;

    // A reseller's staff see every customer of their reseller, and nothing of other resellers.
    internal bool SeesWholeReseller => tenant.Role == TenantClaims.ResellerAdminRole;

    internal Guid CurrentResellerId => tenant.ResellerId ?? Guid.Empty;

    internal Guid CurrentCustomerId => tenant.CustomerId ?? Guid.Empty;

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<DataProtectionKey>().ToTable("DataProtectionKeys");
        foreach (var module in modules.Modules)
        {
            module.ConfigureModel(modelBuilder);
        }

        foreach (var entityType in modelBuilder.Model.GetEntityTypes())
        {
            if (typeof(IVersioned).IsAssignableFrom(entityType.ClrType))
            {
                modelBuilder.Entity(entityType.ClrType).Property(nameof(IVersioned.Version)).IsConcurrencyToken();
            }

            if (typeof(ITenantOwned).IsAssignableFrom(entityType.ClrType) && entityType.BaseType is null)
            {
                modelBuilder.Entity(entityType.ClrType).HasQueryFilter(BuildTenantFilter(entityType.ClrType));
                modelBuilder.Entity(entityType.ClrType).HasIndex(nameof(ITenantOwned.ResellerId), nameof(ITenantOwned.CustomerId));
            }
        }
    }

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        RaiseVersions();
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        RaiseVersions();
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    private void RaiseVersions()
    {
        foreach (var entry in ChangeTracker.Entries<IVersioned>().Where(e => e.State == EntityState.Modified))
        {
            entry.Entity.Version++;
        }
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite cannot order or compare DateTimeOffset; store UTC ticks so both providers sort the same way.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToUtcTicksConverter>();
    }

    private LambdaExpression BuildTenantFilter(Type clrType)
    {
        // e => SeesAllTenants || (e.ResellerId == CurrentResellerId && (SeesWholeReseller || e.CustomerId == CurrentCustomerId))
        var entity = Expression.Parameter(clrType, "e");
        var context = Expression.Constant(this);
        var seesAll = Expression.Property(context, nameof(SeesAllTenants));
        var seesReseller = Expression.Property(context, nameof(SeesWholeReseller));
        var sameReseller = Expression.Equal(
            Expression.Property(entity, nameof(ITenantOwned.ResellerId)),
            Expression.Property(context, nameof(CurrentResellerId)));
        var sameCustomer = Expression.Equal(
            Expression.Property(entity, nameof(ITenantOwned.CustomerId)),
            Expression.Property(context, nameof(CurrentCustomerId)));
        return Expression.Lambda(Expression.OrElse(seesAll, Expression.AndAlso(sameReseller, Expression.OrElse(seesReseller, sameCustomer))), entity);
    }
}

internal sealed class DateTimeOffsetToUtcTicksConverter()
    : Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTimeOffset, long>(
        v => v.UtcTicks,
        v => new DateTimeOffset(v, TimeSpan.Zero));
