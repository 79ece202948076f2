using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace VirtualCore.Portal.Tests;

/// <summary>The profile, user administration and audit pages, driven like a browser: cookies, anti-forgery field, form posts.</summary>
public sealed partial class IdentityPagesTests : IClassFixture<IdentityPagesTests.Portal>
{
    public sealed class Portal : IAsyncLifetime
    {
        public PortalFixture Fixture { get; } = new();

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync() => await Fixture.DisposeAsync();
    }

    private readonly PortalFixture _portal;

    public IdentityPagesTests(Portal portal) => _portal = portal.Fixture;

    [Fact]
    public async Task A_customer_admin_creates_a_customer_user_who_can_then_sign_in()
    {
        var admin = await SignInAsync("demo", "demo-pass-1");

        var created = await PostFormAsync(admin, "/admin/users", "/admin/users", new()
        {
            ["userName"] = "form-user",
            ["displayName"] = "Fiona Form",
            ["password"] = "form-pass-123",
            ["role"] = "customer-user",
        });

        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        var location = created.Headers.Location!.OriginalString;
        Assert.StartsWith("/admin/users/", location, StringComparison.Ordinal);
        var detail = await admin.GetAsync(location);
        Assert.Equal(HttpStatusCode.OK, detail.StatusCode);
        var html = await detail.Content.ReadAsStringAsync();
        Assert.Contains("Fiona Form", html);
        Assert.Contains("Grant access", html);

        var users = await _portal.Demo().GetAsync<JsonElement>("/api/v1/users");
        var user = users.EnumerateArray().Single(u => u.GetProperty("userName").GetString() == "form-user");
        Assert.Equal("customer-user", user.GetProperty("role").GetString());

        var session = await _portal.ApiClient("form-user", "form-pass-123").GetAsync("/api/v1/session");
        Assert.Equal(HttpStatusCode.OK, session.StatusCode);
    }

    [Fact]
    public async Task A_too_short_password_re_renders_the_form_with_400_naming_the_field()
    {
        var admin = await SignInAsync("demo", "demo-pass-1");

        var response = await PostFormAsync(admin, "/admin/users", "/admin/users", new()
        {
            ["userName"] = "short-pass",
            ["displayName"] = "Shorty",
            ["password"] = "short",
            ["role"] = "customer-user",
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("id=\"password-error\"", html);
        Assert.Contains("at least 10 characters", html);
        Assert.Contains("value=\"short-pass\"", html);
        var users = await _portal.Demo().GetAsync<JsonElement>("/api/v1/users");
        Assert.DoesNotContain(users.EnumerateArray(), u => u.GetProperty("userName").GetString() == "short-pass");
    }

    [Fact]
    public async Task A_token_created_on_the_profile_is_shown_once_works_and_stops_working_when_revoked()
    {
        var client = await SignInAsync("demo", "demo-pass-1");

        var created = await PostFormAsync(client, "/profile", "/profile/tokens", new()
        {
            ["name"] = "ci script",
            ["scopes"] = "read",
            ["expiresInDays"] = "30",
        });
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        Assert.Equal("/profile", created.Headers.Location?.OriginalString);

        var first = await client.GetStringAsync("/profile");
        var token = NewToken().Match(first).Groups[1].Value;
        Assert.StartsWith("vct_", token, StringComparison.Ordinal);
        var second = await client.GetStringAsync("/profile");
        Assert.DoesNotContain(token, second);
        Assert.DoesNotContain("id=\"new-token\"", second);
        Assert.Contains("ci script", second);

        var bearer = BearerClient(token);
        Assert.Equal(HttpStatusCode.OK, (await bearer.GetAsync("/api/v1/vms")).StatusCode);

        var tokenId = Regex.Match(second, "data-token-id=\"([0-9a-f-]{36})\"").Groups[1].Value;
        var revoked = await PostFormAsync(client, "/profile", $"/profile/tokens/{tokenId}/revoke", []);
        Assert.Equal(HttpStatusCode.Redirect, revoked.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await bearer.GetAsync("/api/v1/vms")).StatusCode);
        Assert.Contains("revoked", await client.GetStringAsync("/profile"));
    }

    [Fact]
    public async Task A_token_form_without_scopes_is_refused_naming_the_field()
    {
        var client = await SignInAsync("demo", "demo-pass-1");

        var response = await PostFormAsync(client, "/profile", "/profile/tokens", new() { ["name"] = "no scopes", ["expiresInDays"] = "30" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("id=\"scopes-error\"", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_audit_page_lists_the_creation_of_a_user()
    {
        var admin = await SignInAsync("demo", "demo-pass-1");
        await CreateUserAsync(admin, "audited-user", "customer-user");

        var response = await admin.GetAsync("/admin/audit?action=user.created&actor=demo");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("user.created", html);
        Assert.Contains("audited-user", html);
    }

    [Fact]
    public async Task An_invalid_audit_date_range_re_renders_with_400()
    {
        var admin = await SignInAsync("demo", "demo-pass-1");

        var response = await admin.GetAsync("/admin/audit?from=2030-01-02&to=2030-01-01");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("The filter was not applied.", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_customer_user_may_not_administer_users()
    {
        var admin = await SignInAsync("demo", "demo-pass-1");
        await CreateUserAsync(admin, "plain-user", "customer-user");
        var user = await SignInAsync("plain-user", "plain-pass-123");

        var response = await user.GetAsync("/admin/users");

        Assert.True(response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound, $"got {(int)response.StatusCode}");
        var html = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("user-table", html);
        Assert.DoesNotContain("demo-pass", html);
        Assert.Equal(HttpStatusCode.OK, (await user.GetAsync("/profile")).StatusCode);
    }

    [Fact]
    public async Task An_unknown_user_shows_the_not_found_page()
    {
        var admin = await SignInAsync("demo", "demo-pass-1");

        var response = await admin.GetAsync($"/admin/users/{Guid.NewGuid()}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("<h1>Not found</h1>", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Another_customers_user_is_not_found()
    {
        var other = await SignInAsync("other", "other-pass-1");
        var demo = await SignInAsync("demo", "demo-pass-1");
        var location = await CreateUserAsync(demo, "demo-only", "customer-user");

        var response = await other.GetAsync(location);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("demo-only", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_admin_grants_and_revokes_access_for_a_customer_user()
    {
        var admin = await SignInAsync("demo", "demo-pass-1");
        var location = await CreateUserAsync(admin, "granted-user", "customer-user");
        var vmId = Guid.NewGuid();

        var bad = await PostFormAsync(admin, location, $"{location}/grants", new() { ["target"] = "vm", ["vmId"] = "not-an-id", ["level"] = "view" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("id=\"vmId-error\"", await bad.Content.ReadAsStringAsync());

        var granted = await PostFormAsync(admin, location, $"{location}/grants", new() { ["target"] = "vm", ["vmId"] = vmId.ToString(), ["level"] = "operate" });
        Assert.Equal(HttpStatusCode.Redirect, granted.StatusCode);
        var page = await admin.GetStringAsync(granted.Headers.Location!.OriginalString);
        Assert.Contains(vmId.ToString(), page);
        Assert.Contains("Access granted.", page);

        var grantId = Regex.Match(page, "data-grant-id=\"([0-9a-f-]{36})\"").Groups[1].Value;
        var revoked = await PostFormAsync(admin, location, $"{location}/grants/{grantId}/revoke", []);
        Assert.Equal(HttpStatusCode.Redirect, revoked.StatusCode);
        Assert.DoesNotContain(vmId.ToString(), await admin.GetStringAsync(location));
    }

    [Fact]
    public async Task An_admin_cannot_disable_its_own_account_but_can_disable_and_enable_another()
    {
        var admin = await SignInAsync("demo", "demo-pass-1");
        var location = await CreateUserAsync(admin, "switched-user", "customer-user");

        var disabled = await PostFormAsync(admin, location, $"{location}/disable", []);
        Assert.Equal(HttpStatusCode.Redirect, disabled.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _portal.ApiClient("switched-user", "switched-pass-123").GetAsync("/api/v1/session")).StatusCode);

        var enabled = await PostFormAsync(admin, location, $"{location}/enable", []);
        Assert.Equal(HttpStatusCode.Redirect, enabled.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _portal.ApiClient("switched-user", "switched-pass-123").GetAsync("/api/v1/session")).StatusCode);

        var users = await _portal.Demo().GetAsync<JsonElement>("/api/v1/users");
        var self = users.EnumerateArray().Single(u => u.GetProperty("userName").GetString() == "demo").GetProperty("id").GetString();
        var refused = await PostFormAsync(admin, $"/admin/users/{self}", $"/admin/users/{self}/disable", []);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("You cannot disable your own account.", await refused.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_profile_starts_the_one_time_password_set_up_with_a_qr_code()
    {
        var client = await SignInAsync("demo", "demo-pass-1");
        Assert.Contains("not set up", await client.GetStringAsync("/profile"));

        var enrol = await client.GetAsync("/profile/otp");

        Assert.Equal(HttpStatusCode.OK, enrol.StatusCode);
        var html = await enrol.Content.ReadAsStringAsync();
        Assert.Contains("id=\"otp-qr\"", html);
        Assert.Contains("action=\"/profile/otp\"", html);

        var wrong = await PostFormAsync(client, "/profile/otp", "/profile/otp", new() { ["code"] = "000000" });
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
    }

    /// <summary>Creates a user through the form with the password "{first part of the name}-pass-123"; answers the user's page.</summary>
    private async Task<string> CreateUserAsync(HttpClient admin, string userName, string role)
    {
        var response = await PostFormAsync(admin, "/admin/users", "/admin/users", new()
        {
            ["userName"] = userName,
            ["displayName"] = userName,
            ["password"] = userName.Split('-')[0] + "-pass-123",
            ["role"] = role,
        });
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"create {userName}: {(int)response.StatusCode}");
        return response.Headers.Location!.OriginalString.Split('?')[0];
    }

    private async Task<HttpClient> SignInAsync(string userName, string password)
    {
        var client = _portal.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Accept.ParseAdd("text/html");
        var signedIn = await PostFormAsync(client, "/login", "/login", new() { ["userName"] = userName, ["password"] = password, ["returnUrl"] = "/profile" });
        Assert.True(signedIn.StatusCode == HttpStatusCode.Redirect && signedIn.Headers.Location?.OriginalString == "/profile", $"sign-in of {userName}: {(int)signedIn.StatusCode}");
        return client;
    }

    /// <summary>Reads the anti-forgery field from <paramref name="page"/> as a browser would, then posts the form.</summary>
    private static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string page, string action, Dictionary<string, string> fields)
    {
        var html = await client.GetStringAsync(page);
        fields["__csrf"] = Csrf().Match(html).Groups[1].Value;
        return await client.PostAsync(action, new FormUrlEncodedContent(fields));
    }

    private HttpClient BearerClient(string token)
    {
        var client = _portal.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    [GeneratedRegex("name=\"__csrf\" value=\"([^\"]+)\"")]
    private static partial Regex Csrf();

    [GeneratedRegex("<code id=\"new-token\">([^<]+)</code>")]
    private static partial Regex NewToken();
}
