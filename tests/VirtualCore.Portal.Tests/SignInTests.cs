using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Modules.Identity.Domain;
using VirtualCore.Modules.Identity.Features.Login;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Portal.Tests;

/// <summary>Tenants by host name, passwords, one-time passwords (checked against oathtool), replay, lockout, recovery codes.</summary>
public sealed partial class SignInTests : IAsyncLifetime
{
    private readonly PortalFixture _portal = new(settings: new Dictionary<string, string> { ["EmbeddedRackServers:Enabled"] = "false" });

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task A_user_signs_in_only_on_its_own_resellers_host()
    {
        using var kamp = _portal.Session("kamp.localhost");
        Assert.Equal("/vms", await kamp.SignInAsync("baecker", "baecker-pass-1"));
        Assert.Equal("baecker", await kamp.WhoAmIAsync());

        using var acme = _portal.Session("acme.localhost");
        Assert.Null(await acme.SignInAsync("baecker", "baecker-pass-1"));

        // A session of one reseller's portal is worth nothing on another's, even with the cookie carried over.
        var forged = new HttpRequestMessage(HttpMethod.Get, "http://acme.localhost/api/v1/session");
        forged.Headers.Add("Cookie", string.Join("; ", (await CookiesOfAsync(kamp)).Select(c => $"{c.Name}={c.Value}")));
        Assert.Equal(HttpStatusCode.Unauthorized, (await _portal.CreateClient().SendAsync(forged)).StatusCode);
    }

    [Fact]
    public async Task Every_bare_refusal_of_the_api_is_a_problem_document_with_the_reason_in_the_callers_language()
    {
        async Task<(HttpStatusCode Status, string? Type, string? Title, string? Detail)> AskAsync(HttpClient client, string path, string? language = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (language is not null)
            {
                request.Headers.Add("Cookie", "vcore.lang=" + language);
            }

            using var response = await client.SendAsync(request);
            var problem = await response.ProblemAsync();
            return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, problem.GetProperty("title").GetString(), problem.GetProperty("detail").GetString());
        }

        var anonymous = _portal.CreateClient();
        Assert.Equal(
            (HttpStatusCode.Unauthorized, "application/problem+json", "Not signed in.", VirtualCore.Framework.Web.HtmlErrorPages.SignInFirst),
            await AskAsync(anonymous, "/api/v1/vms"));

        // Wrong credentials say why they were refused — and no more than the sign-in form does.
        using var wrong = _portal.ApiClient("demo", "not-the-password");
        Assert.Equal((HttpStatusCode.Unauthorized, "application/problem+json", "Not signed in.", LoginOutcome.Refusal), await AskAsync(wrong, "/api/v1/vms"));

        // Telling the reason checked the password no second time: one wrong request, one failure counted.
        Assert.Equal(1, await _portal.DbAsync(db => db.Set<SignInThrottle>().Where(t => db.Set<UserAccount>().Any(u => u.Id == t.UserId && u.UserName == "demo")).SumAsync(t => t.Failures)));
        using var forged = _portal.CreateClient();
        forged.DefaultRequestHeaders.Authorization = new("Bearer", "vct_" + new string('a', 40));
        var token = await AskAsync(forged, "/api/v1/vms");
        Assert.Equal(HttpStatusCode.Unauthorized, token.Status);
        Assert.Contains("API token", token.Detail, StringComparison.Ordinal);

        // A route that does not exist, asked by a signed-in user.
        using var demo = _portal.ApiClient("demo", "demo-pass-1");
        Assert.Equal((HttpStatusCode.NotFound, "application/problem+json", "Not found."), (await AskAsync(demo, "/api/v1/no-such-thing")) is var missing ? (missing.Status, missing.Type, missing.Title) : default);

        // In German for a caller who chose German.
        var german = await AskAsync(anonymous, "/api/v1/vms", "de");
        Assert.Equal(HttpStatusCode.Unauthorized, german.Status);
        Assert.StartsWith("Senden Sie ein API-Token", german.Detail, StringComparison.Ordinal);
        Assert.NotEqual("Not signed in.", german.Title);
    }

    [Theory]
    [InlineData("kamp.localhost", "Kamp Cloud")]
    [InlineData("acme.localhost", "Acme Cloud")]
    [InlineData("localhost", "VirtualCore")]
    public async Task Each_resellers_portal_shows_its_own_brand(string host, string brand)
    {
        using var browser = _portal.Session(host);
        var page = WebUtility.HtmlDecode(await browser.Client.GetStringAsync("/login"));
        Assert.Contains($"<title>Sign in · {brand}</title>", page);
        Assert.Contains($"<span>{brand}</span>", page);
    }

    [Fact]
    public async Task An_unknown_host_gets_a_clear_page_not_a_stack_trace()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "http://evil.example/login");
        request.Headers.Accept.ParseAdd("text/html");
        var response = await _portal.CreateClient().SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        Assert.Contains("No portal is configured for the address 'evil.example'", html);
        Assert.DoesNotContain("Exception", html);
    }

    [Fact]
    public async Task Enrolment_with_oathtool_then_sign_in_with_a_fresh_code_and_a_replayed_code_refused()
    {
        await RequireOtpForDemoGmbhAsync();
        using var browser = _portal.Session();
        Assert.Equal("/login/enrol", await browser.SignInAsync("demo", "demo-pass-1"));
        Assert.Null(await browser.WhoAmIAsync());

        var secret = await EnrolmentSecretAsync(browser);
        var enrolCode = OathTool.Totp(secret, DateTimeOffset.UtcNow);
        var enrolled = await browser.PostFormAsync("/login/enrol", new Dictionary<string, string> { ["code"] = enrolCode }, "/login/enrol");
        Assert.Equal(HttpStatusCode.OK, enrolled.StatusCode);
        var codes = RecoveryCode().Matches(await enrolled.Content.ReadAsStringAsync()).Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(10, codes.Distinct().Count());
        Assert.Equal("demo", await browser.WhoAmIAsync());

        // The enrolment's code was accepted once: never again.
        using var replay = _portal.Session();
        Assert.Equal("/login/code", await replay.SignInAsync("demo", "demo-pass-1"));
        Assert.Equal(HttpStatusCode.BadRequest, (await replay.SendCodeAsync(enrolCode)).StatusCode);
        Assert.Null(await replay.WhoAmIAsync());

        // The next time step's code (as a phone a little ahead would show it) is fresh.
        var next = OathTool.Totp(secret, DateTimeOffset.UtcNow.AddSeconds(60));
        Assert.Equal(HttpStatusCode.Redirect, (await replay.SendCodeAsync(next)).StatusCode);
        Assert.Equal("demo", await replay.WhoAmIAsync());

        // An earlier step after a later one was used: refused too.
        using var older = _portal.Session();
        await older.SignInAsync("demo", "demo-pass-1");
        Assert.Equal(HttpStatusCode.BadRequest, (await older.SendCodeAsync(OathTool.Totp(secret, DateTimeOffset.UtcNow.AddSeconds(-60)))).StatusCode);

        // A recovery code works once, in place of a code.
        Assert.Equal(HttpStatusCode.Redirect, (await older.SendCodeAsync(codes[3].ToUpperInvariant())).StatusCode);
        using var again = _portal.Session();
        await again.SignInAsync("demo", "demo-pass-1");
        Assert.Equal(HttpStatusCode.BadRequest, (await again.SendCodeAsync(codes[3])).StatusCode);

        // With a one-time password, Basic authentication no longer opens the API.
        Assert.Equal(HttpStatusCode.Unauthorized, (await _portal.Demo().GetAsync("/api/v1/vms")).StatusCode);
    }

    [Theory]
    [InlineData("12345")]
    [InlineData("1234567")]
    [InlineData("12 456")]
    [InlineData("abcdef")]
    [InlineData("")]
    public async Task Malformed_codes_are_refused_with_the_same_message(string code)
    {
        await EnrolAsync("other", "other-pass-1");
        using var browser = _portal.Session();
        Assert.Equal("/login/code", await browser.SignInAsync("other", "other-pass-1"));
        var response = await browser.SendCodeAsync(code);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(WebUtility.HtmlEncode(LoginOutcome.Refusal), await response.Content.ReadAsStringAsync());
        Assert.Null(await browser.WhoAmIAsync());
    }

    [Fact]
    public async Task Five_wrong_answers_lock_the_account_and_the_answer_never_says_which_part_was_wrong()
    {
        using var browser = _portal.Session();
        var answers = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var response = await browser.PostFormAsync("/login", new Dictionary<string, string> { ["userName"] = "other", ["password"] = $"wrong-{i}" });
            answers.Add(await response.Content.ReadAsStringAsync());
        }

        // Locked: now even the right password is refused, with the very same words as for an unknown user.
        var locked = await browser.PostFormAsync("/login", new Dictionary<string, string> { ["userName"] = "other", ["password"] = "other-pass-1" });
        var unknown = await browser.PostFormAsync("/login", new Dictionary<string, string> { ["userName"] = "nobody", ["password"] = "other-pass-1" });
        Assert.Equal(HttpStatusCode.BadRequest, locked.StatusCode);
        var refusal = Alert(await unknown.Content.ReadAsStringAsync());
        Assert.Equal(WebUtility.HtmlEncode(LoginOutcome.Refusal), refusal);
        Assert.Equal(refusal, Alert(await locked.Content.ReadAsStringAsync()));
        Assert.All(answers, a => Assert.Equal(refusal, Alert(a)));
        Assert.Null(await browser.WhoAmIAsync());

        var audit = await _portal.DbAsync(db => db.Set<AuditEntry>().Where(e => e.Target == "other").Select(e => e.Action).ToListAsync());
        Assert.Equal(6, audit.Count(a => a == "login.failed"));
        Assert.Single(audit, a => a == "account.locked");
    }

    [Fact]
    public async Task Passwords_are_stored_hashed_and_never_logged()
    {
        var hashes = await _portal.DbAsync(db => db.Set<UserAccount>().IgnoreQueryFilters().Select(u => u.PasswordHash).ToListAsync());
        Assert.All(hashes, h => Assert.DoesNotContain("pass-1", h));
        Assert.All(hashes, h => Assert.True(Convert.FromBase64String(h)[0] == 0x01, "ASP.NET Core Identity v3 hash (PBKDF2)"));
    }

    [Fact]
    public async Task An_admin_reset_makes_the_user_enrol_again_at_the_next_sign_in()
    {
        await EnrolAsync("other", "other-pass-1");
        var otherId = await _portal.DbAsync(db => db.Set<UserAccount>().IgnoreQueryFilters().Where(u => u.UserName == "other").Select(u => u.Id).SingleAsync());
        var operatorApi = _portal.ApiClient("operator", "operator-pass-1");
        Assert.Equal(HttpStatusCode.NoContent, (await operatorApi.DeleteAsync($"/api/v1/users/{otherId}/otp")).StatusCode);

        using var browser = _portal.Session();
        Assert.Equal("/login/enrol", await browser.SignInAsync("other", "other-pass-1"));
    }

    private async Task RequireOtpForDemoGmbhAsync()
    {
        var response = await _portal.ApiClient("operator", "operator-pass-1")
            .PutAsJsonAsync($"/api/v1/customers/{DemoTenants.DemoCustomerId}/otp-policy", new { otpRequired = true });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task EnrolAsync(string user, string password)
    {
        await _portal.DbAsync(async db =>
        {
            var account = await db.Set<UserAccount>().IgnoreQueryFilters().SingleAsync(u => u.UserName == user && u.ResellerId == DemoTenants.ProviderId);
            account.OtpEnrolmentRequired = true;
            return await db.SaveChangesAsync();
        });
        using var browser = _portal.Session();
        Assert.Equal("/login/enrol", await browser.SignInAsync(user, password));
        var secret = await EnrolmentSecretAsync(browser);
        var response = await browser.PostFormAsync("/login/enrol", new Dictionary<string, string> { ["code"] = OathTool.Totp(secret, DateTimeOffset.UtcNow) }, "/login/enrol");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task<string> EnrolmentSecretAsync(PortalSession browser)
    {
        var page = WebUtility.HtmlDecode(await browser.Client.GetStringAsync("/login/enrol"));
        var qr = Regex.Match(page, "src=\"data:image/svg\\+xml;base64,([^\"]+)\"");
        Assert.StartsWith("<svg", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(qr.Groups[1].Value)).TrimStart());
        return Regex.Match(page, "data-secret=\"([A-Z2-7]+)\"").Groups[1].Value;
    }

    private static async Task<IReadOnlyList<Cookie>> CookiesOfAsync(PortalSession session)
    {
        var response = await session.PostFormAsync("/login", new Dictionary<string, string> { ["userName"] = "baecker", ["password"] = "baecker-pass-1" });
        return response.Headers.TryGetValues("Set-Cookie", out var values)
            ? values.Select(v => v.Split(';')[0].Split('=', 2)).Select(p => new Cookie(p[0], p[1])).ToArray()
            : [];
    }

    private static string Alert(string html) => Regex.Match(html, "<div class=\"alert alert-error\" role=\"alert\">([^<]*)</div>").Groups[1].Value;

    [GeneratedRegex("<li>([0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4})</li>")]
    private static partial Regex RecoveryCode();
}
