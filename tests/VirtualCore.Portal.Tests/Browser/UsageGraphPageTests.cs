using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using VirtualCore.Modules.Monitoring.Features;
using VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Portal.Tests.Browser;

/// <summary>
/// The usage graphs in Chromium: the VM page draws CPU, memory, disk and network for the range chosen, shows values on
/// hover and lists each month's traffic with a CSV download; the provider's rack-server page draws the rack server's,
/// and a customer is shown the error page there.
/// </summary>
public sealed class UsageGraphPageTests : PortalBrowserTests
{
    [Fact]
    public async Task The_vm_page_draws_its_usage_for_each_range_and_the_provider_sees_the_rack_servers()
    {
        var api = Portal.Demo();
        var created = await api.CreateVmAsync("graphed", iso: null);
        await api.CompleteAsync(Task.FromResult(created));

        // Ten reports from its rack server, a minute apart up to now: 65 % CPU each (so any bucket hovered shows it), 1 MB/s in.
        var node = (await api.GetAsync<VirtualCore.Modules.Compute.Contracts.VmView>($"/api/v1/vms/{created.VmId}")).NodeName;
        var now = DateTimeOffset.UtcNow;
        await using (var scope = Portal.Services.CreateAsyncScope())
        {
            var reports = Enumerable.Range(0, 10).Select(i => new UsageReported(
                node, now.AddMinutes(i - 9), 60, false, new NodeUsageV1(10 + i, 4L << 30, 9L << 30, 0.5 + i),
                [new VmUsageV1(created.VmId, 65, 300L << 20, 1L << 30, 4096, 8192, 1, 2, 1_000_000, 500_000, 800, 400)])).ToList();
            await scope.ServiceProvider.GetRequiredService<UsageIngest>().StoreAsync(reports, default);
        }

        await using var context = await Browser.NewContextAsync();
        var page = await SignedInPageAsync(context);
        await page.GotoAsync($"{BaseUrl}/vms/{created.VmId}");
        var usage = page.Locator("#usage");
        await Assertions.Expect(usage.Locator("figure.usage-chart")).ToHaveCountAsync(5);
        await Assertions.Expect(usage.Locator("figure.usage-chart canvas")).ToHaveCountAsync(5);
        await Assertions.Expect(usage.Locator("figure.usage-chart figcaption")).ToHaveTextAsync(["CPU", "Memory", "Disk", "Disk operations", "Network"]);
        await Assertions.Expect(usage.Locator("[data-range=day]")).ToHaveAttributeAsync("aria-pressed", "true");
        await Assertions.Expect(usage.Locator("[data-usage-status]")).ToBeHiddenAsync();

        // Hovering over the CPU graph's right end shows the newest minute's value in its legend.
        var cpu = usage.Locator("figure[data-group=CPU]");
        Assert.Contains("65.0 %", await NewestValueAsync(cpu));
        await Assertions.Expect(cpu.Locator(".u-legend .u-series:visible")).ToHaveCountAsync(2);

        // Another range loads again; the week's quarter hours summarise the minutes.
        await usage.Locator("[data-range=week]").ClickAsync();
        await Assertions.Expect(usage).ToHaveAttributeAsync("data-loaded-range", "week");
        await Assertions.Expect(usage.Locator("[data-range=week]")).ToHaveAttributeAsync("aria-pressed", "true");
        await Assertions.Expect(usage.Locator("figure.usage-chart canvas")).ToHaveCountAsync(5);
        Assert.Contains("65.0 %", await NewestValueAsync(cpu));

        // Ten minutes at 1 MB/s in and 0.5 MB/s out.
        var traffic = usage.Locator("[data-traffic-table] tbody tr");
        await Assertions.Expect(traffic).ToHaveCountAsync(1);
        await Assertions.Expect(traffic).ToContainTextAsync("572 MiB");
        await Assertions.Expect(usage.Locator("a[download]")).ToHaveAttributeAsync("href", $"/api/v1/vms/{created.VmId}/traffic?format=csv");

        // In German the same graphs speak German: the decimal comma, the moment hovered as Germans write it.
        await using (var german = await Browser.NewContextAsync())
        {
            await german.AddCookiesAsync([new Cookie { Name = "vcore.lang", Value = "de", Url = BaseUrl }]);
            var deutsch = await SignedInPageAsync(german);
            await deutsch.GotoAsync($"{BaseUrl}/vms/{created.VmId}");
            var nutzung = deutsch.Locator("#usage");
            await Assertions.Expect(nutzung.Locator("figure.usage-chart figcaption")).ToHaveTextAsync(["CPU", "Arbeitsspeicher", "Festplatte", "Festplatten-Operationen", "Netzwerk"]);
            var cpuDe = nutzung.Locator("figure[data-group=CPU]");
            Assert.Contains("65,0 %", await NewestValueAsync(cpuDe));
            await Assertions.Expect(cpuDe.Locator(".u-legend .u-series").First.Locator(".u-label")).ToHaveTextAsync("Zeit");
            await cpuDe.Locator(".u-over").HoverAsync();
            await Assertions.Expect(cpuDe.Locator(".u-legend .u-series").First.Locator(".u-value")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d{1,2}\. \w+\.? \d{4}, \d{2}:\d{2}$"));
        }

        // The vServer list ends with the vDataCenter's use: its VMs' sums, no CPU share; nothing rolled up yet here.
        await page.GotoAsync($"{BaseUrl}/vms");
        await Assertions.Expect(page.Locator("#usage h2")).ToHaveTextAsync("Your vDataCenter's use");
        await Assertions.Expect(page.Locator("#usage figure.usage-chart figcaption")).ToHaveTextAsync(["Memory", "Disk", "Disk operations", "Network"]);
        await Assertions.Expect(page.Locator("#usage [data-usage-status]")).ToContainTextAsync("summed minute by minute");

        // A customer has no rack-server page; the provider's shows the load too.
        var refused = await page.GotoAsync($"{BaseUrl}/nodes/{node}");
        Assert.Equal(403, refused!.Status);
        await using var providerContext = await Browser.NewContextAsync();
        var provider = await SignedInPageAsync(providerContext, "operator", "operator-pass-1");
        await provider.GotoAsync(BaseUrl + "/nodes");
        await provider.Locator($"[data-node={node}] h2 a").ClickAsync();
        await provider.WaitForURLAsync($"{BaseUrl}/nodes/{node}");
        await Assertions.Expect(provider.Locator("h1")).ToHaveTextAsync(node);
        await Assertions.Expect(provider.Locator("#usage figure.usage-chart figcaption")).ToHaveTextAsync(["CPU", "Memory", "Disk", "Disk operations", "Network", "Load"]);
        await Assertions.Expect(provider.Locator("#usage [data-traffic-table]")).ToHaveCountAsync(0);
    }

    /// <summary>
    /// Hovers over the graph from its right end leftwards until the legend shows a value: the newest bucket with figures
    /// (the last bucket itself is empty when a new minute began between the reports and the page).
    /// </summary>
    private static async Task<string> NewestValueAsync(ILocator figure)
    {
        var over = figure.Locator(".u-over");
        var box = (await over.BoundingBoxAsync())!;
        var legend = figure.Locator(".u-legend .u-series").Nth(1).Locator(".u-value");
        for (var dx = 1; dx < 40; dx++)
        {
            await over.HoverAsync(new() { Position = new() { X = box.Width - dx, Y = box.Height / 2 } });
            var text = await legend.TextContentAsync() ?? "";
            if (text.Contains('%', StringComparison.Ordinal))
            {
                return text;
            }
        }

        throw new Xunit.Sdk.XunitException("No value in the graph's last 40 pixels.");
    }
}
