using System.Net;
using System.Text.RegularExpressions;
using VirtualCore.Framework.Web;
using VirtualCore.Portal.Tests;

namespace VirtualCore.Security.Tests;

/// <summary>
/// Changing how one signs in (one-time password, password) and minting API tokens need a fresh proof: a session older
/// than the proof window — a stolen cookie — is sent to confirm password and code first, and wrong confirmations
/// count toward the lockout like wrong sign-ins.
/// </summary>
public sealed partial class FreshProofTests
{
    [Fact]
    public async Task A_stale_session_cannot_open_or_replace_the_one_time_password_set_up_or_mint_a_token()
    {
        await using var portal = StalePortal();
        using var browser = portal.Session();
        Assert.Equal("/vms", await browser.SignInAsync("demo", "demo-pass-1"));

        var setup = await browser.Client.SendAsync(Html(HttpMethod.Get, "/profile/otp"));
        Assert.Equal(HttpStatusCode.Redirect, setup.StatusCode);
        Assert.Equal("/profile/confirm?returnUrl=%2Fprofile%2Fotp", setup.Headers.Location!.OriginalString);

        var replace = await browser.PostFormAsync("/profile/otp", new Dictionary<string, string> { ["code"] = "123456" }, "/profile");
        Assert.Equal(HttpStatusCode.Redirect, replace.StatusCode);
        Assert.StartsWith("/profile/confirm", replace.Headers.Location!.OriginalString, StringComparison.Ordinal);

        var token = await browser.PostFormAsync("/profile/tokens", new Dictionary<string, string> { ["name"] = "stolen", ["scopes"] = "manage", ["expiresInDays"] = "365" }, "/profile");
        Assert.Equal(HttpStatusCode.Redirect, token.StatusCode);
        Assert.StartsWith("/profile/confirm", token.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.DoesNotContain("stolen", await browser.Client.GetStringAsync("/profile"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_api_refuses_a_stale_session_with_a_problem_that_says_how_to_confirm()
    {
        await using var portal = StalePortal();
        using var browser = portal.Session();
        var csrf = await Callers.SignInWithCsrfAsync(browser, "demo", "demo-pass-1");
        var response = await browser.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/v1/tokens")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { name = "stolen", scopes = new[] { "manage" }, expiresInDays = 365 }),
            Headers = { { ApiAntiforgery.HeaderName, csrf } },
        });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = await response.ProblemAsync();
        Assert.Equal(RequestExceptionHandler.FreshProofProblemType, problem.GetProperty("type").GetString());
        Assert.Equal(RequestExceptionHandler.FreshProofPage, problem.GetProperty("confirmUrl").GetString());
        Assert.Equal(0, await portal.CountAsync<VirtualCore.Modules.Identity.Domain.ApiToken>());

        // Confirmed through the API, the same session may: the proof is what was missing.
        var confirmed = await browser.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/v1/session/confirm")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { password = "demo-pass-1" }),
            Headers = { { ApiAntiforgery.HeaderName, csrf } },
        });
        Assert.Equal(HttpStatusCode.NoContent, confirmed.StatusCode);
    }

    [Fact]
    public async Task Confirming_with_the_right_password_goes_back_and_wrong_ones_count_toward_the_lockout()
    {
        await using var portal = StalePortal();
        using var browser = portal.Session();
        Assert.Equal("/vms", await browser.SignInAsync("other", "other-pass-1"));

        for (var i = 0; i < 5; i++)
        {
            var wrong = await browser.PostFormAsync("/profile/confirm", new Dictionary<string, string> { ["password"] = $"guess-{i}", ["returnUrl"] = "/profile/otp" }, "/profile/confirm");
            Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        }

        // Five wrong answers from this address: even the right password is refused here now.
        var locked = await browser.PostFormAsync("/profile/confirm", new Dictionary<string, string> { ["password"] = "other-pass-1", ["returnUrl"] = "/profile/otp" }, "/profile/confirm");
        Assert.Equal(HttpStatusCode.BadRequest, locked.StatusCode);

        using var fresh = portal.Session();
        Assert.Null(await fresh.SignInAsync("other", "other-pass-1"));

        using var demo = portal.Session();
        Assert.Equal("/vms", await demo.SignInAsync("demo", "demo-pass-1"));
        var right = await demo.PostFormAsync("/profile/confirm", new Dictionary<string, string> { ["password"] = "demo-pass-1", ["returnUrl"] = "/profile/otp" }, "/profile/confirm");
        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
        Assert.Equal("/profile/otp", right.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task An_enrolled_user_changes_the_password_only_with_the_current_code_too()
    {
        await using var portal = new PortalFixture(settings: new Dictionary<string, string> { ["EmbeddedRackServers:Enabled"] = "false" });
        using var browser = portal.Session();
        Assert.Equal("/vms", await browser.SignInAsync("demo", "demo-pass-1"));

        // Fresh from signing in: the set-up opens without a confirmation.
        var page = WebUtility.HtmlDecode(await browser.Client.GetStringAsync("/profile/otp"));
        var secret = Secret().Match(page).Groups[1].Value;
        Assert.NotEmpty(secret);
        var enrolled = await browser.PostFormAsync("/profile/otp", new Dictionary<string, string> { ["code"] = OathTool.Totp(secret, DateTimeOffset.UtcNow) }, "/profile");
        Assert.Equal(HttpStatusCode.OK, enrolled.StatusCode);

        var withoutCode = await browser.PostFormAsync("/profile/password", new Dictionary<string, string> { ["currentPassword"] = "demo-pass-1", ["newPassword"] = "demo-pass-2-longer" }, "/profile");
        Assert.Equal(HttpStatusCode.BadRequest, withoutCode.StatusCode);
        Assert.Contains("currentCode-error", await withoutCode.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var withCode = await browser.PostFormAsync("/profile/password", new Dictionary<string, string>
        {
            ["currentPassword"] = "demo-pass-1",
            ["newPassword"] = "demo-pass-2-longer",
            ["currentCode"] = OathTool.Totp(secret, DateTimeOffset.UtcNow.AddSeconds(60)),
        }, "/profile");
        Assert.Equal(HttpStatusCode.Redirect, withCode.StatusCode);
        Assert.Equal("/profile?done=password", withCode.Headers.Location!.OriginalString);
    }

    /// <summary>A portal whose proofs are stale at once: every session is as old as a stolen one.</summary>
    private static PortalFixture StalePortal() => new(settings: new Dictionary<string, string>
    {
        ["EmbeddedRackServers:Enabled"] = "false",
        ["Sessions:FreshProofWindow"] = "00:00:00",
    });

    private static HttpRequestMessage Html(HttpMethod method, string url)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.Accept.ParseAdd("text/html");
        return request;
    }

    [GeneratedRegex("data-secret=\"([A-Z2-7]+)\"")]
    private static partial Regex Secret();
}
