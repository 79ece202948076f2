using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Modules.Billing.Contracts;
using VirtualCore.Modules.Identity.Domain;

namespace VirtualCore.Portal.Tests.Billing;

/// <summary>
/// The catalogue and its price lists: the operator's wholesale prices, each reseller's retail prices never below them,
/// customers seeing only their reseller's offer, and every way to set someone else's price or a price that is none.
/// </summary>
public sealed class PriceListTests : IAsyncLifetime
{
    private readonly PortalFixture _portal = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    private HttpClient Kamp(string user = "kamp-admin") => _portal.ApiClient(user, $"{user}-pass-1", "kamp.localhost");

    private HttpClient Acme(string user = "acme-admin") => _portal.ApiClient(user, $"{user}-pass-1", "acme.localhost");

    private HttpClient Operator() => _portal.ApiClient("operator", "operator-pass-1");

    private static ProductView Find(Catalogue catalogue, string code) => Assert.Single(catalogue.Products, p => p.Code == code);

    [Fact]
    public async Task A_customer_sees_its_resellers_offer_at_its_resellers_prices_and_no_wholesale_price()
    {
        using var baecker = Kamp("baecker");
        using var widget = Acme("widget");
        using var demo = _portal.Demo();

        var kamp = await baecker.GetAsync<Catalogue>("/api/v1/catalogue");
        var acme = await widget.GetAsync<Catalogue>("/api/v1/catalogue");
        var provider = await demo.GetAsync<Catalogue>("/api/v1/catalogue");

        Assert.Equal(("Kamp Cloud", false, false), (kamp.Reseller, kamp.SetsRetail, kamp.SetsWholesale));
        Assert.Equal(75m, Find(kamp, "vserver-s").RetailMonthlyNet);
        Assert.Equal(79m, Find(acme, "vserver-s").RetailMonthlyNet);
        Assert.All(kamp.Products.Concat(acme.Products).Concat(provider.Products), p => Assert.Null(p.WholesaleMonthlyNet));

        // Acme does not offer the large vServer: its customers do not see it at all.
        Assert.Contains(kamp.Products, p => p.Code == "vserver-l");
        Assert.DoesNotContain(acme.Products, p => p.Code == "vserver-l");
        Assert.All(acme.Products, p => Assert.NotNull(p.RetailMonthlyNet));

        // The answer carries no wholesale field at all for a customer, not even as null text that names it with a value.
        var raw = await baecker.GetStringAsync("/api/v1/catalogue");
        Assert.DoesNotContain("52.5", raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reseller_sets_its_own_prices_never_below_wholesale_and_only_its_customers_see_them()
    {
        using var admin = Kamp();
        var before = await admin.GetAsync<Catalogue>("/api/v1/catalogue");
        var small = Find(before, "vserver-s");
        Assert.Equal((true, false, 52.50m), (before.SetsRetail, before.SetsWholesale, small.WholesaleMonthlyNet));
        using (var acmeAdmin = Acme())
        {
            // Staff see every product, also those they do not offer, with the wholesale price.
            var notOffered = Find(await acmeAdmin.GetAsync<Catalogue>("/api/v1/catalogue"), "vserver-l");
            Assert.Equal((136.50m, (decimal?)null), (notOffered.WholesaleMonthlyNet!.Value, notOffered.RetailMonthlyNet));
        }

        var below = await admin.PutAsJsonAsync("/api/v1/catalogue/products/vserver-s/retail", new { monthlyNet = 52.49m });
        Assert.Equal(HttpStatusCode.BadRequest, below.StatusCode);
        var reason = (await below.ProblemAsync()).GetProperty("errors").GetProperty("monthlyNet")[0].GetString();
        Assert.Equal("At least the wholesale price, 52.50 EUR.", reason);

        var atWholesale = await admin.PutAsJsonAsync("/api/v1/catalogue/products/vserver-s/retail", new { monthlyNet = 52.50m });
        Assert.Equal(HttpStatusCode.OK, atWholesale.StatusCode);
        var raised = await admin.PutAsJsonAsync("/api/v1/catalogue/products/vserver-s/retail", new { monthlyNet = 81.90m });
        Assert.Equal(81.90m, (await raised.Content.ReadFromJsonAsync<ProductView>())!.RetailMonthlyNet);

        using var baecker = Kamp("baecker");
        using var widget = Acme("widget");
        using var demo = _portal.Demo();
        Assert.Equal(81.90m, Find(await baecker.GetAsync<Catalogue>("/api/v1/catalogue"), "vserver-s").RetailMonthlyNet);
        Assert.Equal(79m, Find(await widget.GetAsync<Catalogue>("/api/v1/catalogue"), "vserver-s").RetailMonthlyNet);
        Assert.Equal(75m, Find(await demo.GetAsync<Catalogue>("/api/v1/catalogue"), "vserver-s").RetailMonthlyNet);

        // No price: no longer offered to its customers; a new price offers it again.
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/v1/catalogue/products/vserver-l/retail", new { monthlyNet = (decimal?)null })).StatusCode);
        Assert.DoesNotContain((await baecker.GetAsync<Catalogue>("/api/v1/catalogue")).Products, p => p.Code == "vserver-l");
        Assert.Null(Find(await admin.GetAsync<Catalogue>("/api/v1/catalogue"), "vserver-l").RetailMonthlyNet);

        var audit = await _portal.DbAsync(db => db.Set<AuditEntry>().Where(e => e.Action == "price.retail").Select(e => e.Detail).ToListAsync());
        Assert.Contains("75.00 EUR → 52.50 EUR", audit);
        Assert.Contains("no longer offered", audit);
    }

    [Fact]
    public async Task Only_the_operator_sets_wholesale_prices_and_adds_products_and_customers_set_no_price()
    {
        using var kampAdmin = Kamp();
        using var baecker = Kamp("baecker");
        using var geselle = Kamp("geselle");

        Assert.Equal(HttpStatusCode.Forbidden, (await kampAdmin.PutAsJsonAsync("/api/v1/catalogue/products/vserver-s/wholesale", new { monthlyNet = 1m })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await kampAdmin.PostAsJsonAsync("/api/v1/catalogue/products", NewProduct("kamp-special"))).StatusCode);
        foreach (var customer in new[] { baecker, geselle })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await customer.PutAsJsonAsync("/api/v1/catalogue/products/vserver-s/retail", new { monthlyNet = 1000m })).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await customer.PutAsJsonAsync("/api/v1/catalogue/products/vserver-s/wholesale", new { monthlyNet = 1m })).StatusCode);
        }

        // A token of the reseller's own admin that may only read sets nothing either.
        var issued = await kampAdmin.PostAsJsonAsync("/api/v1/tokens", new { name = "prices", scopes = new[] { "read" }, expiresInDays = 1 });
        var token = (await issued.ProblemAsync()).GetProperty("token").GetString();
        using var reader = _portal.ApiClient("x", "y", "kamp.localhost");
        reader.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/api/v1/catalogue")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PutAsJsonAsync("/api/v1/catalogue/products/vserver-s/retail", new { monthlyNet = 99m })).StatusCode);

        Assert.Equal(75m, Find(await baecker.GetAsync<Catalogue>("/api/v1/catalogue"), "vserver-s").RetailMonthlyNet);
        using var op = Operator();
        Assert.Equal(52.50m, Find(await op.GetAsync<Catalogue>("/api/v1/catalogue"), "vserver-s").WholesaleMonthlyNet);
        Assert.Equal(0, await _portal.DbAsync(db => db.Set<AuditEntry>().CountAsync(e => e.Action.StartsWith("price."))));
    }

    [Fact]
    public async Task A_wholesale_raise_that_would_put_a_reseller_under_it_is_refused_naming_the_reseller()
    {
        using var op = Operator();

        // Acme sells the small vServer for 79.00, Kamp for 75.00: 76 would put Kamp under wholesale.
        var refused = await op.PutAsJsonAsync("/api/v1/catalogue/products/vserver-s/wholesale", new { monthlyNet = 76m });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var detail = (await refused.ProblemAsync()).GetProperty("detail").GetString();
        Assert.Equal("Resellers charge less than 76.00 EUR for vServer S: Kamp Hosting (75.00 EUR). They raise their prices first.", detail);
        Assert.Equal(52.50m, Find(await op.GetAsync<Catalogue>("/api/v1/catalogue"), "vserver-s").WholesaleMonthlyNet);

        // The provider's own retail price (the operator's customers) is no reseller's and does not hold it back.
        var raised = await op.PutAsJsonAsync("/api/v1/catalogue/products/vserver-s/wholesale", new { monthlyNet = 74.99m });
        Assert.Equal(HttpStatusCode.OK, raised.StatusCode);
        Assert.Equal(74.99m, Find(await Kamp().GetAsync<Catalogue>("/api/v1/catalogue"), "vserver-s").WholesaleMonthlyNet);
        Assert.Equal(HttpStatusCode.OK, (await op.PutAsJsonAsync("/api/v1/catalogue/products/vserver-s/retail", new { monthlyNet = 10m })).StatusCode);
    }

    [Fact]
    public async Task The_operator_adds_a_product_that_resellers_then_price_and_their_customers_then_see()
    {
        using var op = Operator();
        var created = await op.PostAsJsonAsync("/api/v1/catalogue/products", NewProduct("vserver-xl"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/api/v1/catalogue/products/vserver-xl", created.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.Conflict, (await op.PostAsJsonAsync("/api/v1/catalogue/products", NewProduct("vserver-xl"))).StatusCode);

        using var baecker = Kamp("baecker");
        Assert.DoesNotContain((await baecker.GetAsync<Catalogue>("/api/v1/catalogue")).Products, p => p.Code == "vserver-xl");
        Assert.Equal(HttpStatusCode.OK, (await Kamp().PutAsJsonAsync("/api/v1/catalogue/products/vserver-xl/retail", new { monthlyNet = 350m })).StatusCode);
        var offered = Find(await baecker.GetAsync<Catalogue>("/api/v1/catalogue"), "vserver-xl");
        Assert.Equal((8, 32, 400, 350m), (offered.Cores!.Value, offered.MemoryGiB!.Value, offered.DiskGiB!.Value, offered.RetailMonthlyNet!.Value));
    }

    public static TheoryData<string, string> BadPrices() => new()
    {
        { """{ "monthlyNet": -1 }""", "A price is from 0 to 100000 EUR." },
        { """{ "monthlyNet": 100000.01 }""", "A price is from 0 to 100000 EUR." },
        { """{ "monthlyNet": 79.999 }""", "A price has at most two decimal places (cents)." },
        { """{ "monthlyNet": 1e30 }""", "" },
        { """{ "monthlyNet": "abc" }""", "" },
        { """{ }""", "" },
    };

    [Theory]
    [MemberData(nameof(BadPrices))]
    public async Task A_price_that_is_none_is_refused_naming_the_field_and_changes_nothing(string body, string reason)
    {
        using var admin = Kamp();
        using var op = Operator();
        var retail = await admin.PutAsync("/api/v1/catalogue/products/vserver-m/retail", new StringContent(body, new MediaTypeHeaderValue("application/json")));
        var wholesale = await op.PutAsync("/api/v1/catalogue/products/vserver-m/wholesale", new StringContent(body, new MediaTypeHeaderValue("application/json")));

        // An empty body withdraws a retail price (null) but is no wholesale price.
        if (body != "{ }")
        {
            Assert.Equal(HttpStatusCode.BadRequest, retail.StatusCode);
        }

        Assert.Equal(HttpStatusCode.BadRequest, wholesale.StatusCode);
        if (reason != "")
        {
            Assert.Equal(reason, (await retail.ProblemAsync()).GetProperty("errors").GetProperty("monthlyNet")[0].GetString());
            Assert.Equal(reason, (await wholesale.ProblemAsync()).GetProperty("errors").GetProperty("monthlyNet")[0].GetString());
        }

        var product = Find(await op.GetAsync<Catalogue>("/api/v1/catalogue"), "vserver-m");
        Assert.Equal(91m, product.WholesaleMonthlyNet);
        Assert.Equal(body == "{ }" ? null : 130m, Find(await admin.GetAsync<Catalogue>("/api/v1/catalogue"), "vserver-m").RetailMonthlyNet);
    }

    [Fact]
    public async Task A_product_that_does_not_exist_is_not_found()
    {
        using var admin = Kamp();
        foreach (var code in new[] { "../vserver-s", "VSERVER-S", "no-such-product", "vserver-s/../vserver-m", "%00" })
        {
            var response = await admin.PutAsJsonAsync($"/api/v1/catalogue/products/{Uri.EscapeDataString(code)}/retail", new { monthlyNet = 100m });
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{code}: {response.StatusCode}");
        }
    }

    [Fact]
    public async Task A_new_product_with_a_bad_field_is_refused_naming_it()
    {
        using var op = Operator();
        var before = (await op.GetAsync<Catalogue>("/api/v1/catalogue")).Products.Select(p => p.Code).ToArray();
        foreach (var (field, value) in new[]
        {
            ("code", "A"), ("code", "-x"), ("code", "x/y"), ("code", new string('x', 65)), ("kind", "dedicated"), ("name", ""), ("name", "tab\there"),
            ("cores", "0"), ("cores", "-1"), ("wholesaleMonthlyNet", "0.001"), ("wholesaleMonthlyNet", "-1"),
        })
        {
            var product = JsonSerializer.SerializeToNode(NewProduct("vserver-bad"))!.AsObject();
            product[field] = field is "cores" or "wholesaleMonthlyNet" ? JsonSerializer.SerializeToNode(decimal.Parse(value, System.Globalization.CultureInfo.InvariantCulture)) : value;

            var response = await op.PostAsJsonAsync("/api/v1/catalogue/products", product);

            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{field}={value}: {response.StatusCode}");
            Assert.True((await response.ProblemAsync()).GetProperty("errors").TryGetProperty(field, out _), await response.Content.ReadAsStringAsync());
        }

        Assert.Equal(before, (await op.GetAsync<Catalogue>("/api/v1/catalogue")).Products.Select(p => p.Code));
    }

    [Fact]
    public async Task The_prices_page_shows_each_role_its_prices_and_refuses_a_price_below_wholesale_beside_the_product()
    {
        using var customer = _portal.Session("kamp.localhost");
        Assert.Equal("/vms", await customer.SignInAsync("baecker", "baecker-pass-1"));
        var customerPage = await customer.Client.GetStringAsync("/admin/prices");
        Assert.Contains("Monthly prices at Kamp Cloud, net, plus 19 % VAT.", customerPage);
        Assert.Contains("<td class=\"num\">75.00</td><td class=\"num\">89.25</td>", customerPage);
        Assert.DoesNotContain("52.50", customerPage);
        Assert.DoesNotContain("action=\"/admin/prices/", customerPage);
        var refused = await customer.PostFormAsync("/admin/prices/vserver-s/retail", new Dictionary<string, string> { ["monthlyNet"] = "1" }, "/admin/prices");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        using var reseller = _portal.Session("kamp.localhost");
        Assert.Equal("/vms", await reseller.SignInAsync("kamp-admin", "kamp-admin-pass-1"));
        var below = await reseller.PostFormAsync("/admin/prices/vserver-s/retail", new Dictionary<string, string> { ["monthlyNet"] = "50,00" }, "/admin/prices");
        Assert.Equal(HttpStatusCode.BadRequest, below.StatusCode);
        var html = await below.Content.ReadAsStringAsync();
        Assert.Contains("<span class=\"error\" role=\"alert\">At least the wholesale price, 52.50 EUR.</span>", html);
        Assert.DoesNotContain("action=\"/admin/prices/vserver-s/wholesale\"", html);

        var saved = await reseller.PostFormAsync("/admin/prices/vserver-s/retail", new Dictionary<string, string> { ["monthlyNet"] = "80,50" }, "/admin/prices");
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        Assert.Contains("<td class=\"num\">80.50</td>", await customer.Client.GetStringAsync("/admin/prices"));
        Assert.Contains("<td class=\"num\">28.00</td>", await reseller.Client.GetStringAsync("/admin/prices"));

        // In German the same refusal, translated.
        using var deutsch = _portal.Session("kamp.localhost");
        await deutsch.SignInAsync("kamp-admin", "kamp-admin-pass-1");
        await deutsch.PostFormAsync("/language", new Dictionary<string, string> { ["language"] = "de", ["returnUrl"] = "/admin/prices" }, "/admin/prices");
        var german = await deutsch.PostFormAsync("/admin/prices/vserver-m/retail", new Dictionary<string, string> { ["monthlyNet"] = "abc" }, "/admin/prices");
        Assert.Contains("Geben Sie den monatlichen Nettopreis in EUR an.", await german.Content.ReadAsStringAsync());
    }

    private static object NewProduct(string code) => new
    {
        code,
        kind = ProductKinds.VServer,
        name = "vServer XL",
        cores = 8,
        memoryGiB = 32,
        diskGiB = 400,
        ipAddresses = 1,
        trafficGiB = 4096,
        wholesaleMonthlyNet = 250m,
    };
}
