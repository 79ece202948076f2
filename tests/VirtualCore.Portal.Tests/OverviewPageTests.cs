using System.Net;

namespace VirtualCore.Portal.Tests;

/// <summary>The overview page: a caller's own vServers by state and latest jobs; the rack servers for the provider only.</summary>
public sealed class OverviewPageTests : IAsyncLifetime
{
    private readonly PortalFixture _portal = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task A_customer_sees_its_own_vservers_and_jobs_and_the_provider_sees_the_rack_servers()
    {
        await _portal.Demo().CreatedVmAsync("overview-one");
        await _portal.Demo().CreatedVmAsync("overview-two");

        using var demo = _portal.Session();
        Assert.Equal("/vms", await demo.SignInAsync("demo", "demo-pass-1"));
        var page = await demo.Client.GetStringAsync("/overview");
        Assert.Contains("<span class=\"stat-value\" id=\"vm-total\">2</span>", page);
        Assert.Contains("overview-two", page);
        Assert.Contains("create (demo)", page);
        Assert.DoesNotContain("id=\"nodes-title\"", page);
        Assert.Contains("href=\"/overview\" aria-current=\"page\"", page);

        // Another customer of the same provider: none of demo's.
        using var other = _portal.Session();
        Assert.Equal("/vms", await other.SignInAsync("other", "other-pass-1"));
        var theirs = await other.Client.GetStringAsync("/overview");
        Assert.Contains("<span class=\"stat-value\" id=\"vm-total\">0</span>", theirs);
        Assert.DoesNotContain("overview-one", theirs);

        using var provider = _portal.Session();
        Assert.Equal("/vms", await provider.SignInAsync("operator", "operator-pass-1"));
        var operatorPage = await provider.Client.GetStringAsync("/overview");
        Assert.Contains("id=\"nodes-title\"", operatorPage);
        Assert.Contains("href=\"/nodes/rack-1\"", operatorPage);

        using var anonymous = _portal.Session();
        var refused = await anonymous.Client.GetAsync("/overview");
        Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
    }
}
