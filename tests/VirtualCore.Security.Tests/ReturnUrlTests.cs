using System.Net;
using VirtualCore.Framework.Web;
using VirtualCore.Portal.Tests;

namespace VirtualCore.Security.Tests;

/// <summary>
/// After signing in the portal sends the browser to the page it came from — never to another site, however the
/// address is disguised (browsers treat a backslash like a slash and skip tabs and line breaks).
/// </summary>
public sealed class ReturnUrlTests : IAsyncLifetime
{
    private readonly PortalFixture _portal = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    public static TheoryData<string?, string> Urls => new()
    {
        { "/ok/path?x=1", "/ok/path?x=1" },
        { "/", "/" },
        { "/jobs#latest", "/jobs#latest" },
        { "~/x", "/x" },
        { "//evil.example", "/home" },
        { "/\\evil.example", "/home" },
        { "\\\\evil.example", "/home" },
        { "\\/evil.example", "/home" },
        { "/\t/evil.example", "/home" },
        { "/\n/evil.example", "/home" },
        { "/\r/evil.example", "/home" },
        { "/\u0000/evil.example", "/home" },
        { "/ok/\u007f", "/home" },
        { "~//evil.example", "/home" },
        { "~/\\evil.example", "/home" },
        { "https://evil.example", "/home" },
        { "http:evil.example", "/home" },
        { "javascript:alert(1)", "/home" },
        { " /jobs", "/home" },
        { "evil.example", "/home" },
        { "~", "/home" },
        { "", "/home" },
        { null, "/home" },
    };

    [Theory]
    [MemberData(nameof(Urls))]
    public void Only_local_paths_are_kept(string? url, string expected) => Assert.Equal(expected, LocalUrl.OrFallback(url, "/home"));

    [Theory]
    [InlineData("/\t/evil.example", "/vms")]
    [InlineData("//evil.example", "/vms")]
    [InlineData("/\\evil.example", "/vms")]
    [InlineData("https://evil.example/", "/vms")]
    [InlineData("/jobs?status=failed", "/jobs?status=failed")]
    public async Task Signing_in_goes_back_only_to_a_page_of_the_portal(string returnUrl, string expected)
    {
        // The form field is URL-encoded by the client (a TAB travels as %09) and decoded by the portal.
        using var session = _portal.Session();
        var response = await session.PostFormAsync("/login", new Dictionary<string, string>
        {
            ["userName"] = "demo",
            ["password"] = "demo-pass-1",
            ["returnUrl"] = returnUrl,
        });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(expected, response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task The_login_page_does_not_carry_a_foreign_return_url_into_its_form()
    {
        using var session = _portal.Session();
        var html = await session.Client.GetStringAsync("/login?returnUrl=%2F%09%2Fevil.example");
        Assert.DoesNotContain("evil.example", html, StringComparison.Ordinal);
        Assert.Contains("value=\"/vms\"", html, StringComparison.Ordinal);
    }
}
