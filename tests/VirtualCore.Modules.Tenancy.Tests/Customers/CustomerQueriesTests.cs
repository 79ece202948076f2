using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Tenancy.Contracts;
using VirtualCore.Modules.Tenancy.Features.Customers;

namespace VirtualCore.Modules.Tenancy.Tests.Customers;

public sealed class CustomerQueriesTests : IDisposable
{
    private readonly TenancyDatabase _database = new TenancyDatabase().WithTwoResellers();

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task The_operator_sees_every_customer_a_reseller_its_own_a_customer_itself()
    {
        Assert.Equal([TenancyDatabase.CustomerOfA, TenancyDatabase.CustomerOfB], await ListAsync(TenancyDatabase.Operator));
        Assert.Equal([TenancyDatabase.CustomerOfB], await ListAsync(TenancyDatabase.ResellerAdmin(TenancyDatabase.ResellerB)));
        Assert.Equal([TenancyDatabase.CustomerOfA], await ListAsync(TenancyDatabase.CustomerAdmin(TenancyDatabase.ResellerA, TenancyDatabase.CustomerOfA)));
    }

    [Fact]
    public async Task A_customer_of_another_reseller_is_not_found_nor_its_capacity()
    {
        var tenant = TenancyDatabase.ResellerAdmin(TenancyDatabase.ResellerB);
        await using var db = _database.As(tenant);
        await Assert.ThrowsAsync<NotFoundException>(async () => await new GetCustomerHandler(db, tenant).Handle(new GetCustomer(TenancyDatabase.CustomerOfA), CancellationToken.None));
        await Assert.ThrowsAsync<NotFoundException>(async () => await new GetCustomerCapacityHandler(db, tenant).Handle(new GetCustomerCapacity(TenancyDatabase.CustomerOfA), CancellationToken.None));
    }

    [Fact]
    public async Task A_customers_users_see_their_vdatacenters_capacity()
    {
        var tenant = new FixedTenantContext(TenancyDatabase.ResellerA, TenancyDatabase.CustomerOfA, Guid.NewGuid(), "user", TenantClaims.CustomerUserRole);
        await using var db = _database.As(tenant);
        Assert.Equal(new CustomerCapacity(4, null, null), await new GetCustomerCapacityHandler(db, tenant).Handle(new GetCustomerCapacity(TenancyDatabase.CustomerOfA), CancellationToken.None));
    }

    private async Task<Guid[]> ListAsync(ITenantContext tenant)
    {
        await using var db = _database.As(tenant);
        return (await new ListCustomersHandler(db, tenant).Handle(new ListCustomers(), CancellationToken.None)).Select(c => c.Id).ToArray();
    }
}
