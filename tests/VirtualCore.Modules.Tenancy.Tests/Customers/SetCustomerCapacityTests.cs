using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Tenancy.Contracts;
using VirtualCore.Modules.Tenancy.Domain;
using VirtualCore.Modules.Tenancy.Features.Customers;

namespace VirtualCore.Modules.Tenancy.Tests.Customers;

public sealed class SetCustomerCapacityTests : IDisposable
{
    private readonly TenancyDatabase _database = new TenancyDatabase().WithTwoResellers();

    public void Dispose() => _database.Dispose();

    [Theory]
    [InlineData(1, null, null, true)]
    [InlineData(0, null, null, false)]
    [InlineData(1024, null, null, true)]
    [InlineData(1025, null, null, false)]
    [InlineData(null, 1, null, true)]
    [InlineData(null, 0, null, false)]
    [InlineData(null, 16384, null, true)]
    [InlineData(null, 16385, null, false)]
    [InlineData(null, null, 10, true)]
    [InlineData(null, null, 9, false)]
    [InlineData(null, null, 1048576, true)]
    [InlineData(null, null, 1048577, false)]
    [InlineData(null, null, null, true)]
    public async Task Each_limit_is_none_or_within_its_bounds(int? cores, int? memoryGiB, int? diskGiB, bool accepted)
    {
        var errors = await new SetCustomerCapacityValidator().ValidateAsync(new SetCustomerCapacity(Guid.NewGuid(), cores, memoryGiB, diskGiB), CancellationToken.None);
        Assert.Equal(accepted, errors.Count == 0);
    }

    [Fact]
    public async Task Each_limit_past_its_bound_names_its_own_field()
    {
        var errors = await new SetCustomerCapacityValidator().ValidateAsync(new SetCustomerCapacity(Guid.NewGuid(), 0, 0, 0), CancellationToken.None);
        Assert.Equal(["cores", "memoryGiB", "diskGiB"], errors.Select(e => e.Field));
    }

    [Fact]
    public async Task The_reseller_sets_its_customers_capacity_and_a_null_limit_removes_one()
    {
        var view = await SetAsync(TenancyDatabase.ResellerAdmin(TenancyDatabase.ResellerA), new SetCustomerCapacity(TenancyDatabase.CustomerOfA, null, 32, 500));

        Assert.Equal(new CustomerCapacity(null, 32, 500), view.Capacity);
        await using var db = _database.As(SystemTenantContext.Instance);
        var stored = await db.Set<Customer>().SingleAsync(c => c.Id == TenancyDatabase.CustomerOfA);
        Assert.Equal((null, 32, 500), (stored.CoreLimit, stored.MemoryLimitGiB, stored.DiskLimitGiB));
    }

    [Fact]
    public async Task Another_resellers_customer_is_not_found() =>
        await Assert.ThrowsAsync<NotFoundException>(() =>
            SetAsync(TenancyDatabase.ResellerAdmin(TenancyDatabase.ResellerB), new SetCustomerCapacity(TenancyDatabase.CustomerOfA, 8, null, null)));

    [Fact]
    public async Task A_customers_own_admin_may_not_raise_its_limits() =>
        await Assert.ThrowsAsync<ForbiddenException>(() =>
            SetAsync(TenancyDatabase.CustomerAdmin(TenancyDatabase.ResellerA, TenancyDatabase.CustomerOfA), new SetCustomerCapacity(TenancyDatabase.CustomerOfA, 64, null, null)));

    private async Task<CustomerView> SetAsync(ITenantContext tenant, SetCustomerCapacity command)
    {
        await using var db = _database.As(tenant);
        var view = await new SetCustomerCapacityHandler(db, tenant, new RecordedAudit()).Handle(command, CancellationToken.None);
        await db.SaveChangesAsync();
        return view;
    }
}
