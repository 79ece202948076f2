using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Tenancy.Contracts;
using VirtualCore.Modules.Tenancy.Domain;
using VirtualCore.Modules.Tenancy.Features.Customers;
using VirtualCore.Modules.Tenancy.Features.Policy;
using VirtualCore.Modules.Tenancy.Features.Resellers;

namespace VirtualCore.Modules.Tenancy.Tests.Resellers;

public sealed class ResellerPolicyTests : IDisposable
{
    private readonly TenancyDatabase _database = new TenancyDatabase().WithTwoResellers();

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task The_reseller_list_counts_each_resellers_customers()
    {
        await using var db = _database.As(TenancyDatabase.Operator);
        var resellers = await new ListResellersHandler(db).Handle(new ListResellers(), CancellationToken.None);
        Assert.Equal([("Reseller a", 1, "a.example.com"), ("Reseller b", 1, "b.example.com")], resellers.Select(r => (r.Name, r.Customers, string.Join(",", r.HostNames))));
    }

    [Fact]
    public async Task One_time_passwords_are_required_when_the_reseller_or_the_customer_requires_them()
    {
        Assert.False(await RequiredAsync(TenancyDatabase.ResellerA, TenancyDatabase.CustomerOfA));

        await SetCustomerOtpAsync(TenancyDatabase.CustomerOfA, true);
        Assert.True(await RequiredAsync(TenancyDatabase.ResellerA, TenancyDatabase.CustomerOfA));
        Assert.False(await RequiredAsync(TenancyDatabase.ResellerA, Guid.Empty));

        await using (var db = _database.As(TenancyDatabase.Operator))
        {
            await new SetResellerOtpPolicyHandler(db, new RecordedAudit()).Handle(new SetResellerOtpPolicy(TenancyDatabase.ResellerB, true), CancellationToken.None);
            await db.SaveChangesAsync();
        }

        Assert.True(await RequiredAsync(TenancyDatabase.ResellerB, Guid.Empty));
    }

    [Fact]
    public async Task A_customer_of_another_reseller_does_not_set_a_resellers_policy()
    {
        await SetCustomerOtpAsync(TenancyDatabase.CustomerOfA, true);
        Assert.False(await RequiredAsync(TenancyDatabase.ResellerB, TenancyDatabase.CustomerOfA));
    }

    [Fact]
    public async Task An_unknown_reseller_has_no_policy()
    {
        await using var db = _database.As(SystemTenantContext.Instance);
        await Assert.ThrowsAsync<NotFoundException>(async () => await new GetTenantPolicyHandler(db).Handle(new GetTenantPolicy(Guid.NewGuid(), Guid.Empty), CancellationToken.None));
    }

    private async Task SetCustomerOtpAsync(Guid customerId, bool required)
    {
        await using var db = _database.As(TenancyDatabase.Operator);
        await new SetCustomerOtpPolicyHandler(db, TenancyDatabase.Operator, new RecordedAudit()).Handle(new SetCustomerOtpPolicy(customerId, required), CancellationToken.None);
        await db.SaveChangesAsync();
        Assert.Equal(required, (await db.Set<Customer>().SingleAsync(c => c.Id == customerId)).OtpRequired);
    }

    private async Task<bool> RequiredAsync(Guid resellerId, Guid customerId)
    {
        await using var db = _database.As(SystemTenantContext.Instance);
        return (await new GetTenantPolicyHandler(db).Handle(new GetTenantPolicy(resellerId, customerId), CancellationToken.None)).OtpRequired;
    }
}
