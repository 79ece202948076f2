using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Tenancy.Contracts;
using VirtualCore.Modules.Tenancy.Features.Customers;

namespace VirtualCore.Modules.Tenancy.Tests.Customers;

public sealed class CreateCustomerTests : IDisposable
{
    private readonly TenancyDatabase _database = new TenancyDatabase().WithTwoResellers();

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task A_name_of_100_characters_is_taken_101_or_none_are_refused()
    {
        Assert.Empty(await FieldsAsync(new CreateCustomer(new string('n', 100), false)));
        Assert.Equal(["name"], await FieldsAsync(new CreateCustomer(new string('n', 101), false)));
        Assert.Equal(["name"], await FieldsAsync(new CreateCustomer(" ", false)));
        Assert.Equal(["name"], await FieldsAsync(new CreateCustomer(null, false)));
    }

    [Fact]
    public async Task Its_capacity_is_checked_like_any_capacity()
    {
        Assert.Empty(await FieldsAsync(new CreateCustomer("Acme", false, new CustomerCapacity(1024, 16384, 1048576))));
        Assert.Equal(["cores", "memoryGiB", "diskGiB"], await FieldsAsync(new CreateCustomer("Acme", false, new CustomerCapacity(1025, 16385, 1048577))));
    }

    [Fact]
    public async Task Without_a_capacity_its_vdatacenter_has_no_limits()
    {
        Assert.Empty(await FieldsAsync(new CreateCustomer("Acme", false)));
        var created = await CreateAsync(TenancyDatabase.ResellerAdmin(TenancyDatabase.ResellerB), new CreateCustomer(" Acme ", true));
        Assert.Equal(("Acme", TenancyDatabase.ResellerB, "Reseller b", true, CustomerCapacity.Unlimited), (created.Name, created.ResellerId, created.ResellerName, created.OtpRequired, created.Capacity));
    }

    [Fact]
    public async Task The_customer_belongs_to_the_callers_reseller() =>
        Assert.Equal(TenancyDatabase.ResellerA, (await CreateAsync(TenancyDatabase.ResellerAdmin(TenancyDatabase.ResellerA), new CreateCustomer("Acme", false))).ResellerId);

    [Fact]
    public async Task A_caller_without_a_reseller_is_refused() =>
        await Assert.ThrowsAsync<ForbiddenException>(() => CreateAsync(SystemTenantContext.Instance, new CreateCustomer("Acme", false)));

    private async Task<CustomerView> CreateAsync(ITenantContext tenant, CreateCustomer command)
    {
        await using var db = _database.As(tenant);
        var created = await new CreateCustomerHandler(db, tenant, TimeProvider.System, new RecordedAudit()).Handle(command, CancellationToken.None);
        await db.SaveChangesAsync();
        return created;
    }

    private static async Task<string[]> FieldsAsync(CreateCustomer request) =>
        (await new CreateCustomerValidator().ValidateAsync(request, CancellationToken.None)).Select(e => e.Field).ToArray();
}
