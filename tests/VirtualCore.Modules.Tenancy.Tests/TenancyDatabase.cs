using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Modules;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Tenancy.Domain;

namespace VirtualCore.Modules.Tenancy.Tests;

/// <summary>
/// Tenancy's tables in an in-memory SQLite database, seen by one caller at a time: the same model and tenant filters
/// the portal uses, without the portal.
/// </summary>
internal sealed class TenancyDatabase : IDisposable
{
    public static readonly Guid ResellerA = new("aaaaaaaa-0000-0000-0000-000000000001");
    public static readonly Guid ResellerB = new("bbbbbbbb-0000-0000-0000-000000000001");
    public static readonly Guid CustomerOfA = new("aaaaaaaa-0000-0000-0000-0000000000c1");
    public static readonly Guid CustomerOfB = new("bbbbbbbb-0000-0000-0000-0000000000c1");

    private static readonly ModuleCatalog Modules = ModuleCatalog.Create([new TenancyModule()]);

    private readonly SqliteConnection _connection = new("Data Source=:memory:");

    public TenancyDatabase()
    {
        _connection.Open();
        using var db = As(SystemTenantContext.Instance);
        db.Database.EnsureCreated();
    }

    /// <summary>A unit of work as <paramref name="tenant"/>.</summary>
    public PortalDbContext As(ITenantContext tenant) =>
        new(new DbContextOptionsBuilder().UseSqlite(_connection).Options, Modules, tenant);

    public static ITenantContext Operator { get; } = new FixedTenantContext(ResellerA, null, Guid.NewGuid(), "operator", TenantClaims.OperatorRole);

    public static ITenantContext ResellerAdmin(Guid resellerId) => new FixedTenantContext(resellerId, null, Guid.NewGuid(), "reseller", TenantClaims.ResellerAdminRole);

    public static ITenantContext CustomerAdmin(Guid resellerId, Guid customerId) =>
        new FixedTenantContext(resellerId, customerId, Guid.NewGuid(), "admin", TenantClaims.CustomerAdminRole);

    /// <summary>Two resellers with a host name and a customer each.</summary>
    public TenancyDatabase WithTwoResellers()
    {
        using var db = As(SystemTenantContext.Instance);
        foreach (var (reseller, customer, name) in new[] { (ResellerA, CustomerOfA, "a"), (ResellerB, CustomerOfB, "b") })
        {
            db.Add(new Reseller
            {
                Id = reseller,
                Name = $"Reseller {name}",
                BrandName = $"Brand {name}",
                HostNames = [new ResellerHostName { HostName = $"{name}.example.com", ResellerId = reseller }],
            });
            db.Add(new Customer { Id = customer, ResellerId = reseller, Name = $"Customer of {name}", CoreLimit = 4 });
        }

        db.SaveChanges();
        return this;
    }

    public void Dispose() => _connection.Dispose();
}

/// <summary>The audit entries a handler records, in order.</summary>
internal sealed class RecordedAudit : ISecurityAudit
{
    public List<string> Actions { get; } = [];

    public void Record(string action, string target, string? detail = null, Guid? resellerId = null, Guid? customerId = null, string? actor = null) =>
        Actions.Add($"{action} {target}");
}
