using Microsoft.Playwright;

namespace VirtualCore.Portal.Tests.Browser;

/// <summary>Debian's Chromium, headless, with nothing that reaches out to the network by itself.</summary>
public static class Chromium
{
    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) =>
        playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic"],
        });

    /// <summary>
    /// Signs in through the login form <paramref name="page"/> shows and waits until the redirect to the VM list at
    /// <paramref name="baseUrl"/> is committed. On a machine busy with QEMU guests and other suites that took more than
    /// the default 30 s; when it does not arrive at all, the failure says where the page is and what it shows.
    /// </summary>
    public static async Task SignInAsync(IPage page, string baseUrl, string user, string password)
    {
        await page.FillAsync("#userName", user);
        await page.FillAsync("#password", password);
        await page.ClickAsync("form[action='/login'] button[type=submit]");
        try
        {
            await page.WaitForURLAsync(baseUrl + "/vms", new PageWaitForURLOptions { WaitUntil = WaitUntilState.Commit, Timeout = 90_000 });
        }
        catch (TimeoutException ex)
        {
            string shown;
            try
            {
                shown = await page.Locator("body").InnerTextAsync(new LocatorInnerTextOptions { Timeout = 5_000 });
            }
            catch (PlaywrightException unreadable)
            {
                shown = "(unreadable: " + unreadable.Message + ")";
            }

            throw new TimeoutException($"Signing in as '{user}' did not reach {baseUrl}/vms; the page is at {page.Url} and shows: {shown}", ex);
        }
    }
}

/// <summary>
/// A browser test class's set-up: a portal of its own on a real port, Debian's Chromium, and pages signed in as a user.
/// </summary>
public abstract class PortalBrowserTests : IAsyncLifetime
{
    private IPlaywright? _playwright;

    protected PortalFixture Portal { get; } = new(realServer: true);

    protected IBrowser Browser { get; private set; } = null!;

    /// <summary>The portal's address, without a trailing slash.</summary>
    protected string BaseUrl { get; private set; } = "";

    public async Task InitializeAsync()
    {
        // A page follows jobs the portal runs in the background; with QEMU guests booting beside the tests (the test
        // command runs the projects in parallel on two cores) a job can take longer than Playwright's 5 s default to
        // show. The assertions still wait for the outcome, only longer before they give up.
        Assertions.SetDefaultExpectTimeout(20_000);
        Portal.StartServer();
        BaseUrl = Portal.ClientOptions.BaseAddress.ToString().TrimEnd('/');
        _playwright = await Playwright.CreateAsync();
        Browser = await Chromium.LaunchAsync(_playwright);
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright?.Dispose();
        await Portal.DisposeAsync();
    }

    /// <summary>The portal's address under another host name (a reseller's: Chromium resolves *.localhost itself).</summary>
    protected string HostUrl(string host) =>
        new UriBuilder(BaseUrl) { Host = host }.Uri.ToString().TrimEnd('/');

    /// <summary>A new page of <paramref name="context"/>, signed in through the login form at <paramref name="baseUrl"/>, on the VM list.</summary>
    protected async Task<IPage> SignedInPageAsync(IBrowserContext context, string user, string password, string baseUrl)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync(baseUrl + "/login");
        await Chromium.SignInAsync(page, baseUrl, user, password);
        return page;
    }

    /// <summary>A new page of <paramref name="context"/>, signed in through the login form, on the VM list.</summary>
    protected async Task<IPage> SignedInPageAsync(IBrowserContext context, string user = "demo", string password = "demo-pass-1")
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync(BaseUrl + "/vms");
        Assert.EndsWith("/login?ReturnUrl=%2Fvms", page.Url);

        // Arrived once the redirect to the list is committed; what each test looks at next it waits for itself.
        await Chromium.SignInAsync(page, BaseUrl, user, password);
        return page;
    }
}
