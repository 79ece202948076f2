using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Modules;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Identity.Domain;
using VirtualCore.Modules.Identity.Features.Users;

namespace VirtualCore.Modules.Identity.Tests.Features;

public sealed class CreateUserValidatorTests : IDisposable
{
    private static readonly Guid Reseller = Guid.NewGuid();
    private static readonly Guid OtherReseller = Guid.NewGuid();
    private static readonly Guid Customer = Guid.NewGuid();

    private static readonly ModuleCatalog Modules = ModuleCatalog.Create([new IdentityTables()]);

    private readonly SqliteConnection _connection = new("Data Source=:memory:");

    public CreateUserValidatorTests()
    {
        _connection.Open();
        using var db = Db(SystemTenantContext.Instance);
        db.Database.EnsureCreated();
        db.Add(new UserAccount { Id = Guid.NewGuid(), ResellerId = Reseller, CustomerId = Customer, UserName = "taken", DisplayName = "Taken", PasswordHash = "" });
        db.SaveChanges();
    }

    public void Dispose() => _connection.Dispose();

    [Fact]
    public async Task A_user_name_has_2_to_64_characters()
    {
        Assert.Empty(await FieldsAsync(Valid() with { UserName = "ab" }));
        Assert.Equal(["userName"], await FieldsAsync(Valid() with { UserName = "a" }));
        Assert.Empty(await FieldsAsync(Valid() with { UserName = new string('a', 64) }));
        Assert.Equal(["userName"], await FieldsAsync(Valid() with { UserName = new string('a', 65) }));
        Assert.Equal(["userName"], await FieldsAsync(Valid() with { UserName = ".dot-first" }));
    }

    [Fact]
    public async Task A_user_name_is_unique_in_its_resellers_portal_however_it_is_typed()
    {
        Assert.Equal(["userName"], await FieldsAsync(Valid() with { UserName = "taken" }));
        Assert.Equal(["userName"], await FieldsAsync(Valid() with { UserName = " Taken " }));
        Assert.Empty(await FieldsAsync(Valid() with { UserName = "taken" }, CustomerAdmin(OtherReseller)));
    }

    [Fact]
    public async Task A_display_name_of_100_characters_is_taken_101_are_refused()
    {
        Assert.Empty(await FieldsAsync(Valid() with { DisplayName = new string('d', 100) }));
        Assert.Equal(["displayName"], await FieldsAsync(Valid() with { DisplayName = new string('d', 101) }));
    }

    [Fact]
    public async Task A_password_has_10_to_256_characters()
    {
        Assert.Equal(["password"], await FieldsAsync(Valid() with { Password = new string('p', 9) }));
        Assert.Empty(await FieldsAsync(Valid() with { Password = new string('p', 10) }));
        Assert.Empty(await FieldsAsync(Valid() with { Password = new string('p', 256) }));
        Assert.Equal(["password"], await FieldsAsync(Valid() with { Password = new string('p', 257) }));
    }

    [Fact]
    public async Task Only_resellers_and_the_operator_create_reseller_admins()
    {
        var reseller = new FixedTenantContext(Reseller, null, Guid.NewGuid(), "reseller", TenantClaims.ResellerAdminRole);
        Assert.Empty(await FieldsAsync(Valid() with { Role = TenantClaims.ResellerAdminRole }, reseller));
        Assert.Equal(["role"], await FieldsAsync(Valid() with { Role = TenantClaims.ResellerAdminRole }));
        Assert.Equal(["role"], await FieldsAsync(Valid() with { Role = TenantClaims.OperatorRole }, reseller));
    }

    private static CreateUser Valid() => new("newcomer", "New Comer", "long-enough-1", TenantClaims.CustomerUserRole, null);

    private static FixedTenantContext CustomerAdmin(Guid resellerId) => new(resellerId, Customer, Guid.NewGuid(), "admin", TenantClaims.CustomerAdminRole);

    private PortalDbContext Db(ITenantContext tenant) => new(new DbContextOptionsBuilder().UseSqlite(_connection).Options, Modules, tenant);

    private async Task<string[]> FieldsAsync(CreateUser request, ITenantContext? tenant = null)
    {
        tenant ??= CustomerAdmin(Reseller);
        await using var db = Db(tenant);
        return (await new CreateUserValidator(db, tenant).ValidateAsync(request, CancellationToken.None)).Select(e => e.Field).ToArray();
    }

    /// <summary>Identity's tables alone, without the modules Identity depends on at run time.</summary>
    private sealed class IdentityTables : IModule
    {
        public ModuleManifest Manifest { get; } = new("IdentityTables", "Identity's tables", new Version(1, 0), [], []);

        public void ConfigureModel(ModelBuilder modelBuilder) => new IdentityModule().ConfigureModel(modelBuilder);
    }
}
