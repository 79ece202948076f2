using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Tenancy.Contracts;
using VirtualCore.Modules.Tenancy.Features.Resellers;

namespace VirtualCore.Modules.Tenancy.Tests.Resellers;

public sealed class CreateResellerTests : IDisposable
{
    private readonly TenancyDatabase _database = new TenancyDatabase().WithTwoResellers();

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task A_name_of_100_characters_is_taken_101_are_refused()
    {
        Assert.DoesNotContain("name", await FieldsAsync(Valid() with { Name = new string('n', 100) }));
        Assert.Contains("name", await FieldsAsync(Valid() with { Name = new string('n', 101) }));
        Assert.Contains("name", await FieldsAsync(Valid() with { Name = "  " }));
    }

    [Fact]
    public async Task A_brand_of_60_characters_is_taken_61_are_refused()
    {
        Assert.DoesNotContain("brandName", await FieldsAsync(Valid() with { BrandName = new string('b', 60) }));
        Assert.Contains("brandName", await FieldsAsync(Valid() with { BrandName = new string('b', 61) }));
    }

    [Fact]
    public async Task Ten_host_names_are_taken_eleven_or_none_are_refused()
    {
        Assert.Empty(await FieldsAsync(Valid() with { HostNames = Hosts(10) }));
        Assert.Equal(["hostNames"], await FieldsAsync(Valid() with { HostNames = Hosts(11) }));
        Assert.Equal(["hostNames"], await FieldsAsync(Valid() with { HostNames = [] }));
        Assert.Equal(["hostNames"], await FieldsAsync(Valid() with { HostNames = null }));
    }

    [Fact]
    public async Task A_label_has_at_most_63_characters_and_a_host_name_at_most_253()
    {
        Assert.Empty(await FieldsAsync(Valid() with { HostNames = [new string('a', 63) + ".example.com"] }));
        Assert.Equal(["hostNames"], await FieldsAsync(Valid() with { HostNames = [new string('a', 64) + ".example.com"] }));

        var longest = string.Join('.', new string('a', 63), new string('b', 63), new string('c', 63), new string('d', 61));
        Assert.Equal(253, longest.Length);
        Assert.Empty(await FieldsAsync(Valid() with { HostNames = [longest] }));
        Assert.Equal(["hostNames"], await FieldsAsync(Valid() with { HostNames = [longest + "d"] }));
    }

    [Theory]
    [InlineData("-portal.example.com")]
    [InlineData("portal-.example.com")]
    [InlineData("portal..example.com")]
    [InlineData("portal_1.example.com")]
    [InlineData("https://portal.example.com")]
    public async Task What_is_no_host_name_is_refused(string host) =>
        Assert.Equal(["hostNames"], await FieldsAsync(Valid() with { HostNames = [host] }));

    [Theory]
    [InlineData("a.example.com")]
    [InlineData("A.Example.COM")]
    [InlineData(" a.example.com. ")]
    public async Task A_host_name_another_portal_has_is_refused_however_it_is_spelt(string host)
    {
        var errors = await ValidateAsync(Valid() with { HostNames = ["new.example.com", host] });
        Assert.Equal("'a.example.com' already belongs to a portal.", Assert.Single(errors).Reason);
    }

    [Fact]
    public async Task Blank_and_null_host_names_are_left_out()
    {
        Assert.Empty(await FieldsAsync(Valid() with { HostNames = ["new.example.com", "", null!, "  "] }));
    }

    [Fact]
    public async Task The_reseller_gets_each_host_name_once_in_its_one_spelling()
    {
        var audit = new RecordedAudit();
        await using var db = _database.As(TenancyDatabase.Operator);
        var created = await new CreateResellerHandler(db, TimeProvider.System, audit)
            .Handle(new CreateReseller(" Kamp ", " Kamp Cloud ", ["Cloud.Kamp.example.", "cloud.kamp.example", "www.kamp.example"], true), CancellationToken.None);
        await db.SaveChangesAsync();

        Assert.Equal(("Kamp", "Kamp Cloud", true, 0), (created.Name, created.BrandName, created.OtpRequired, created.Customers));
        Assert.Equal(["cloud.kamp.example", "www.kamp.example"], created.HostNames);
        Assert.Equal(["reseller.created Kamp"], audit.Actions);
    }

    private static CreateReseller Valid() => new("Kamp Hosting", "Kamp Cloud", ["kamp.example.com"], false);

    private static string[] Hosts(int count) => Enumerable.Range(1, count).Select(i => $"host{i}.example.com").ToArray();

    private async Task<IReadOnlyList<VirtualCore.Framework.Mediation.FieldError>> ValidateAsync(CreateReseller request)
    {
        await using var db = _database.As(SystemTenantContext.Instance);
        return await new CreateResellerValidator(db).ValidateAsync(request, CancellationToken.None);
    }

    private async Task<string[]> FieldsAsync(CreateReseller request) =>
        (await ValidateAsync(request)).Select(e => e.Field).ToArray();
}
