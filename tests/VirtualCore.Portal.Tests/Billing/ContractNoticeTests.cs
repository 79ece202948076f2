using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using netDumbster.smtp;
using VirtualCore.Modules.Billing.Domain;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Portal.Tests.Billing;

/// <summary>One portal with a mail server for the notice tests; a visitor's address is the same for all of them, so the hourly limit is set high here.</summary>
public sealed class NoticePortal : IAsyncLifetime
{
    public NoticePortal()
    {
        (Smtp, var settings) = BillingTestData.MailServer();
        settings["Smtp:From"] = "Kamp Cloud <vertrag@kamp.example>";
        settings["Billing:NoticesPerAddressPerHour"] = "1000";
        Portal = new PortalFixture(settings: settings);
    }

    public PortalFixture Portal { get; }

    public SimpleSmtpServer Smtp { get; }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await Portal.DisposeAsync();
        Smtp.Dispose();
    }
}

/// <summary>
/// The "Cancel contracts here" page (§312k BGB): on every page of every portal, usable without signing in, confirmed at
/// once by e-mail; then matched by the reseller's staff to a contract of their own customers only.
/// </summary>
public sealed class ContractNoticeTests(NoticePortal fixture) : IClassFixture<NoticePortal>
{
    private readonly PortalFixture _portal = fixture.Portal;

    private static Dictionary<string, string> Notice(string email, string account = "Bäckerei Kamp", string contract = "vServer S") => new()
    {
        ["name"] = "Berta Bäcker",
        ["email"] = email,
        ["account"] = account,
        ["contract"] = contract,
        ["kind"] = "ordinary",
        ["reason"] = "",
        ["wantedOn"] = "",
    };

    private Task<int> NoticesAsync() => _portal.DbAsync(db => db.Set<ContractNotice>().CountAsync());

    [Fact]
    public async Task Every_portal_links_the_page_and_a_visitor_gives_notice_without_signing_in_and_gets_it_confirmed_by_mail()
    {
        using var visitor = _portal.Session("kamp.localhost");
        Assert.Contains("href=\"/cancel-contracts\"", await visitor.Client.GetStringAsync("/login"));
        var page = await visitor.Client.GetStringAsync("/cancel-contracts");
        Assert.Contains("Kamp Cloud", page);
        Assert.Contains("Cancel now", page);

        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var response = await visitor.PostFormAsync("/cancel-contracts", Notice("berta@baecker.example"), "/cancel-contracts");
        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Notice received", html);
        Assert.Contains("This confirmation was also sent to berta@baecker.example.", html);

        var notice = await _portal.DbAsync(db => db.Set<ContractNotice>().SingleAsync(n => n.Email == "berta@baecker.example"));
        Assert.Equal(DemoTenants.KampId, notice.ResellerId);
        Assert.Equal(ContractNotice.Received, notice.Status);
        Assert.True(notice.ReceivedAt >= before && notice.ConfirmedAt is not null);
        Assert.Contains(notice.Reference, html);

        // The confirmation in text form: what was received and when.
        var mail = Assert.Single(fixture.Smtp.ReceivedEmail, m => m.ToAddresses.Any(a => a.Address == "berta@baecker.example"));
        Assert.Equal($"Your notice of cancellation {notice.Reference}", mail.Headers["Subject"]);
        var text = mail.MessageParts[0].BodyData;
        Assert.Contains(notice.ReceivedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture), text);
        Assert.Contains("Berta Bäcker", text);
        Assert.Contains("vServer S", text);

        // The same page in German, worded for a German visitor.
        using var german = _portal.Session("kamp.localhost");
        german.Client.DefaultRequestHeaders.Add("Cookie", $"{VirtualCore.Framework.Localisation.RequestLanguage.CookieName}=de");
        Assert.Contains("Verträge hier kündigen", await german.Client.GetStringAsync("/login"));
        Assert.Contains("Jetzt kündigen", await german.Client.GetStringAsync("/cancel-contracts"));
    }

    [Fact]
    public async Task A_notice_with_a_bad_field_or_without_the_forms_token_is_refused_naming_the_field_and_nothing_is_kept()
    {
        using var visitor = _portal.Session("acme.localhost");
        var before = await NoticesAsync();
        var mails = fixture.Smtp.ReceivedEmailCount;
        foreach (var (field, value) in new[]
        {
            ("name", ""), ("name", "Eve\r\nBcc: all@example.com"), ("email", "not-an-address"), ("email", "eve@example.com\r\nBcc: all@example.com"),
            ("email", "Eve <eve@example.com>"), ("account", new string('a', 201)), ("contract", " "), ("wantedOn", "31.12.2030"), ("wantedOn", "2001-01-01"),
            ("wantedOn", "2999-01-01"),
        })
        {
            var fields = Notice("eve@example.com");
            fields[field] = value;
            var response = await visitor.PostFormAsync("/cancel-contracts", fields, "/cancel-contracts");
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{field}={value}: {response.StatusCode}");
            Assert.Contains($"id=\"{field}-error\"", await response.Content.ReadAsStringAsync());
        }

        var cause = Notice("eve@example.com");
        cause["kind"] = "extraordinary";
        var noReason = await visitor.PostFormAsync("/cancel-contracts", cause, "/cancel-contracts");
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Contains("id=\"reason-error\"", await noReason.Content.ReadAsStringAsync());

        // Without the form's token (a page elsewhere posting into the portal): refused before anything is read.
        var forged = await visitor.Client.PostAsync("/cancel-contracts", new FormUrlEncodedContent(Notice("eve@example.com")));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);

        Assert.Equal(before, await NoticesAsync());
        Assert.Equal(mails, fixture.Smtp.ReceivedEmailCount);
    }

    [Fact]
    public async Task Only_the_portals_own_staff_apply_a_notice_and_only_to_their_own_customers_contract_as_of_the_day_it_was_received()
    {
        // A consumer's contract of Kamp's bakery past its minimum term, and one of Acme's customer.
        var started = DateOnly.FromDateTime(DateTime.UtcNow).AddMonths(-14);
        var kampContract = await ContractAsync(DemoTenants.KampId, DemoTenants.KampCustomerId, started, consumer: true);
        var acmeContract = await ContractAsync(DemoTenants.AcmeId, DemoTenants.AcmeCustomerId, started, consumer: true);

        using var visitor = _portal.Session("kamp.localhost");
        Assert.Equal(HttpStatusCode.OK, (await visitor.PostFormAsync("/cancel-contracts", Notice("apply@baecker.example"), "/cancel-contracts")).StatusCode);
        var notice = await _portal.DbAsync(db => db.Set<ContractNotice>().SingleAsync(n => n.Email == "apply@baecker.example"));

        using var kamp = _portal.ApiClient("kamp-admin", "kamp-admin-pass-1", "kamp.localhost");
        using var acme = _portal.ApiClient("acme-admin", "acme-admin-pass-1", "acme.localhost");
        using var baecker = _portal.ApiClient("baecker", "baecker-pass-1", "kamp.localhost");
        using var op = _portal.ApiClient("operator", "operator-pass-1");

        // Another reseller neither sees nor applies it; the customer itself handles no notices.
        Assert.DoesNotContain(await acme.GetAsync<JsonElement[]>("/api/v1/contract-notices"), n => n.GetProperty("id").GetGuid() == notice.Id);
        Assert.Equal(HttpStatusCode.NotFound, (await acme.PostAsJsonAsync($"/api/v1/contract-notices/{notice.Id}/apply", new { contractId = acmeContract })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await acme.PostAsJsonAsync($"/api/v1/contract-notices/{notice.Id}/dismiss", new { reason = "not ours" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await baecker.GetAsync("/api/v1/contract-notices")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await baecker.PostAsJsonAsync($"/api/v1/contract-notices/{notice.Id}/apply", new { contractId = kampContract })).StatusCode);
        Assert.Contains(await op.GetAsync<JsonElement[]>("/api/v1/contract-notices"), n => n.GetProperty("id").GetGuid() == notice.Id);

        // Kamp's staff cannot end another reseller's contract with it, nor apply it to no contract.
        Assert.Equal(HttpStatusCode.NotFound, (await kamp.PostAsJsonAsync($"/api/v1/contract-notices/{notice.Id}/apply", new { contractId = acmeContract })).StatusCode);
        var none = await kamp.PostAsJsonAsync($"/api/v1/contract-notices/{notice.Id}/apply", new { });
        Assert.Equal(HttpStatusCode.BadRequest, none.StatusCode);
        Assert.True((await none.ProblemAsync()).GetProperty("errors").TryGetProperty("contractId", out _));
        Assert.Null(await _portal.DbAsync(db => db.Set<Contract>().Where(c => c.Id == acmeContract).Select(c => c.EndsOn).SingleAsync()));

        // Applied to the bakery's contract: a consumer's, past its minimum term, ends one month after the day of receipt.
        var applied = await kamp.PostAsJsonAsync($"/api/v1/contract-notices/{notice.Id}/apply", new { contractId = kampContract });
        Assert.Equal(HttpStatusCode.OK, applied.StatusCode);
        var receivedOn = DateOnly.FromDateTime(notice.ReceivedAt.UtcDateTime);
        var view = await applied.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("applied", receivedOn.AddMonths(1)), (view.GetProperty("status").GetString(), DateOnly.Parse(view.GetProperty("endsOn").GetString()!, System.Globalization.CultureInfo.InvariantCulture)));
        var contract = await _portal.DbAsync(db => db.Set<Contract>().SingleAsync(c => c.Id == kampContract));
        Assert.Equal((receivedOn, receivedOn.AddMonths(1)), (contract.CancelledOn, contract.EndsOn));

        // Handled once: neither applied again nor dismissed afterwards.
        Assert.Equal(HttpStatusCode.Conflict, (await kamp.PostAsJsonAsync($"/api/v1/contract-notices/{notice.Id}/apply", new { contractId = kampContract })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await kamp.PostAsJsonAsync($"/api/v1/contract-notices/{notice.Id}/dismiss", new { reason = "twice" })).StatusCode);
    }

    [Fact]
    public async Task Staff_dismiss_a_notice_that_matches_no_contract_with_the_reason_on_the_page()
    {
        using var visitor = _portal.Session("kamp.localhost");
        var hostile = Notice("nobody@example.com", "Unknown GmbH", "<script>alert('notice')</script>");
        hostile["name"] = "<img src=x onerror=alert(1)>";
        var received = await visitor.PostFormAsync("/cancel-contracts", hostile, "/cancel-contracts");
        Assert.Equal(HttpStatusCode.OK, received.StatusCode);
        Assert.DoesNotContain("<script>alert('notice')", await received.Content.ReadAsStringAsync());
        var notice = await _portal.DbAsync(db => db.Set<ContractNotice>().SingleAsync(n => n.Email == "nobody@example.com"));

        using var staff = _portal.Session("kamp.localhost");
        Assert.Equal("/vms", await staff.SignInAsync("kamp-admin", "kamp-admin-pass-1"));
        Assert.Contains("href=\"/admin/contract-notices\"", await staff.Client.GetStringAsync("/admin/contracts"));

        // Signed in, the page is the same form inside the portal's own page.
        var signedIn = await staff.Client.GetStringAsync("/cancel-contracts");
        Assert.Contains("Cancel now", signedIn);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(signedIn, "<main"));
        var list = await staff.Client.GetStringAsync("/admin/contract-notices");
        Assert.Contains(notice.Reference, list);
        Assert.Contains("Unknown GmbH", list);

        // What a visitor typed is text on the staff's page, never markup.
        Assert.DoesNotContain("<script>alert('notice')", list);
        Assert.DoesNotContain("<img src=x", list);
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", list);

        var empty = await staff.PostFormAsync($"/admin/contract-notices/{notice.Id}/dismiss", new Dictionary<string, string> { ["reason"] = "" }, "/admin/contract-notices");
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Contains("Say why the notice matches no contract", await empty.Content.ReadAsStringAsync());

        var dismissed = await staff.PostFormAsync($"/admin/contract-notices/{notice.Id}/dismiss", new Dictionary<string, string> { ["reason"] = "No such customer" }, "/admin/contract-notices");
        Assert.Equal(HttpStatusCode.Redirect, dismissed.StatusCode);
        var after = await staff.Client.GetStringAsync("/admin/contract-notices");
        Assert.Contains("No such customer", after);
        Assert.Equal(ContractNotice.Dismissed, await _portal.DbAsync(db => db.Set<ContractNotice>().Where(n => n.Id == notice.Id).Select(n => n.Status).SingleAsync()));
    }

    private Task<Guid> ContractAsync(Guid reseller, Guid customer, DateOnly starts, bool consumer) =>
        BillingTestData.ContractAsync(_portal, reseller, customer, 7500, 6000, starts, null, consumer: consumer, name: "vServer S");
}
