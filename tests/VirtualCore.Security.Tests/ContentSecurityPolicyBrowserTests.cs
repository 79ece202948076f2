using Microsoft.Playwright;
using VirtualCore.Framework.Web;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Identity.Features.Users;
using VirtualCore.Portal.Tests;
using VirtualCore.Portal.Tests.Browser;

namespace VirtualCore.Security.Tests;

/// <summary>
/// Every page of the portal in Chromium under the portal's Content-Security-Policy: nothing the policy refuses (an
/// inline script, an inline style, a handler attribute, a foreign connection) may be on any of them, and what the
/// pages do with scripts — live updates over SignalR, capacity meters, the theme's colours — still works.
/// </summary>
public sealed class ContentSecurityPolicyBrowserTests : IAsyncLifetime
{
    private readonly PortalFixture _portal = new(realServer: true);
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private string _baseUrl = "";

    public async Task InitializeAsync()
    {
        _portal.StartServer();
        _baseUrl = _portal.ClientOptions.BaseAddress.ToString().TrimEnd('/');
        _playwright = await Playwright.CreateAsync();
        _browser = await Chromium.LaunchAsync(_playwright);
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _portal.DisposeAsync();
    }

    [Fact]
    public async Task No_page_of_a_customer_breaks_the_policy_and_live_updates_meters_and_colours_work()
    {
        var api = _portal.Demo();
        var created = await api.CreateVmAsync("policed");
        await api.CompleteAsync(Task.FromResult(created));
        await api.CompleteAsync(api.ActAsync(created.VmId, "start"));
        var userId = (await api.GetAsync<UserView[]>("/api/v1/users")).First().Id;

        await using var context = await _browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var violations = await WatchAsync(page);
        var webSockets = new List<string>();
        page.WebSocket += (_, socket) => webSockets.Add(socket.Url);

        await page.GotoAsync(_baseUrl + "/login");
        await AssertNoViolationsAsync(page, violations, "/login");
        await Chromium.SignInAsync(page, _baseUrl, "demo", "demo-pass-1");

        string[] paths =
        [
            "/vms", "/vms/new", $"/vms/{created.VmId}", $"/vms/{created.VmId}/hardware", "/nodes", "/jobs", "/profile",
            "/profile/otp", "/admin/users", $"/admin/users/{userId}", "/admin/audit", "/isos", "/no-such-page",
        ];
        foreach (var path in paths)
        {
            await page.GotoAsync(_baseUrl + path);

            // Connected: whatever the live script loads and opens has been tried, and a refusal would have been reported.
            await Assertions.Expect(page.Locator("html[data-live=on]")).ToHaveCountAsync(1);
            await AssertNoViolationsAsync(page, violations, path);
        }

        // What the browser was given: the headers on a page, an asset and an API answer.
        foreach (var url in new[] { "/vms", "/themes/Default/assets/live.js", "/api/v1/vms" })
        {
            var response = await page.APIRequest.GetAsync(_baseUrl + url);
            Assert.True(response.Ok, $"{url}: {response.Status}");
            Assert.Equal(SecurityHeaders.ContentSecurityPolicy, response.Headers.GetValueOrDefault("content-security-policy"));
            Assert.Equal("nosniff", response.Headers.GetValueOrDefault("x-content-type-options"));
            Assert.Equal("DENY", response.Headers.GetValueOrDefault("x-frame-options"));
            Assert.Equal("same-origin", response.Headers.GetValueOrDefault("referrer-policy"));
        }

        // SignalR connects by WebSocket, which connect-src 'self' allows.
        Assert.Contains(webSockets, url => url.StartsWith(_baseUrl.Replace("http://", "ws://", StringComparison.Ordinal) + "/hubs/live", StringComparison.Ordinal));

        // The QR code of the one-time password is a data URI the policy allows.
        await page.GotoAsync(_baseUrl + "/profile/otp");
        Assert.True(await page.EvaluateAsync<bool>("() => [...document.images].some(i => i.src.startsWith('data:') && i.complete && i.naturalWidth > 0)"));

        // Meters are sized by the theme's script from data-meter (once their transition is over); the colours come
        // from the theme's stylesheet.
        foreach (var path in new[] { "/vms", "/nodes" })
        {
            await page.GotoAsync(_baseUrl + path);
            var meters = await page.EvaluateAsync<double[][]>("""
                async () => {
                  const bars = [...document.querySelectorAll('.meter > [data-meter]')];
                  await Promise.all(bars.flatMap(bar => bar.getAnimations().map(a => a.finished)));
                  return bars.map(bar => [parseFloat(bar.dataset.meter), 100 * bar.getBoundingClientRect().width / bar.parentElement.getBoundingClientRect().width]);
                }
                """);
            Assert.Contains(meters, m => m[0] > 0);
            Assert.All(meters, m => Assert.InRange(m[1], Math.Min(m[0], 100) - 1, Math.Min(m[0], 100) + 1));
        }

        Assert.Equal("#1f6feb", await page.EvaluateAsync<string>("() => getComputedStyle(document.documentElement).getPropertyValue('--brand').trim()"));

        // Live updates under the policy: the VM page follows a job to its end without a reload.
        await page.GotoAsync($"{_baseUrl}/vms/{created.VmId}");
        await Assertions.Expect(page.Locator("html[data-live=on]")).ToHaveCountAsync(1);
        await page.ClickAsync("button[data-action=shutdown]");
        await Assertions.Expect(page.Locator("#vm-detail [data-vm-state]")).ToHaveTextAsync(VmStates.ShutOff);
        await AssertNoViolationsAsync(page, violations, $"/vms/{created.VmId}");
    }

    [Fact]
    public async Task No_page_of_the_operator_breaks_the_policy()
    {
        await using var context = await _browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var violations = await WatchAsync(page);
        await page.GotoAsync(_baseUrl + "/login");
        await Chromium.SignInAsync(page, _baseUrl, "operator", "operator-pass-1");
        foreach (var path in new[] { "/vms", "/nodes", "/jobs", "/admin/resellers", "/admin/customers", "/admin/users", "/admin/audit", "/isos", "/operations/ip-pools" })
        {
            await page.GotoAsync(_baseUrl + path);
            await Assertions.Expect(page.Locator("html[data-live=on]")).ToHaveCountAsync(1);
            await AssertNoViolationsAsync(page, violations, path);
        }
    }

    [Fact]
    public async Task An_inline_script_is_refused_and_seen_by_the_watch()
    {
        // The watch must be able to fail: an inline script added to a portal page does not run and is reported.
        await using var context = await _browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var violations = await WatchAsync(page);
        await page.GotoAsync(_baseUrl + "/login");
        await page.EvaluateAsync("() => { const s = document.createElement('script'); s.textContent = 'window.ran = true'; document.body.append(s); }");
        await page.WaitForFunctionAsync("() => window.__cspViolations.length > 0");
        Assert.False(await page.EvaluateAsync<bool>("() => window.ran === true"));
        Assert.Contains("script-src", string.Join(" ", await page.EvaluateAsync<string[]>("() => window.__cspViolations")), StringComparison.Ordinal);
        Assert.Contains(violations, v => v.Contains("Content Security Policy", StringComparison.Ordinal));
    }

    /// <summary>
    /// Records the browser's own reports of refused content (console) and script errors for the whole page, and makes
    /// every document collect its securitypolicyviolation events in window.__cspViolations.
    /// </summary>
    private static async Task<List<string>> WatchAsync(IPage page)
    {
        var seen = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                seen.Add($"console: {message.Text}");
            }
        };
        page.PageError += (_, error) => seen.Add($"script error: {error}");
        await page.AddInitScriptAsync("""
            window.__cspViolations = [];
            document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(
              e.violatedDirective + ' refused ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber));
            """);
        return seen;
    }

    private static async Task AssertNoViolationsAsync(IPage page, List<string> seen, string path)
    {
        var events = await page.EvaluateAsync<string[]>("() => window.__cspViolations");
        Assert.True(events.Length == 0 && seen.Count == 0, $"{path}:\n" + string.Join("\n", events.Concat(seen)));
    }
}
