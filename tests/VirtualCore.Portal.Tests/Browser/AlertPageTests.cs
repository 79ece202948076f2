using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using VirtualCore.Modules.Monitoring.Features;
using VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Portal.Tests.Browser;

/// <summary>
/// The alerts page in Chromium: a customer adds a rule in the form (a bad threshold is refused with its reason), the
/// portal's own evaluation timer fires the alert once the VM is busy, the customer acknowledges it and switches the rule
/// off, and the alert moves to the history with the reason.
/// </summary>
public sealed class AlertPageTests : PortalBrowserTests
{
    [Fact]
    public async Task A_customer_adds_a_rule_sees_it_fire_acknowledges_it_and_finds_it_in_the_history()
    {
        var api = Portal.Demo();
        var created = await api.CreateVmAsync("alerted", iso: null);
        await api.CompleteAsync(Task.FromResult(created));

        await using var context = await Browser.NewContextAsync();
        var page = await SignedInPageAsync(context);
        await page.GotoAsync(BaseUrl + "/alerts");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Alerts");
        await Assertions.Expect(page.Locator("#no-open-alerts")).ToHaveTextAsync("Nothing is firing.");
        await Assertions.Expect(page.Locator("#no-rules")).ToBeVisibleAsync();

        // A state condition has no threshold to fill in; a figure above 100 % is refused with the reason.
        await page.SelectOptionAsync("#rule-condition", "stopped");
        await Assertions.Expect(page.Locator("#rule-threshold")).ToBeHiddenAsync();
        await page.SelectOptionAsync("#rule-condition", "cpu");
        await page.FillAsync("#rule-name", "alerted busy");
        await page.SelectOptionAsync("#rule-vm", created.VmId.ToString());
        await page.FillAsync("#rule-threshold", "150");
        await page.FillAsync("#rule-duration", "0");
        await page.ClickAsync("[data-rule-form] button[type=submit]");
        await Assertions.Expect(page.Locator("[data-rule-status]")).ToContainTextAsync("at most 100 (percent)");

        await page.FillAsync("#rule-threshold", "80");
        await page.ClickAsync("[data-rule-form] button[type=submit]");
        var rule = page.Locator("#alert-rules tbody tr");
        await Assertions.Expect(rule).ToHaveCountAsync(1);
        await Assertions.Expect(rule).ToContainTextAsync("alerted busy");
        await Assertions.Expect(rule).ToContainTextAsync("CPU above 80 % (clears below 72 %), at once");

        // The VM gets busy; the portal's evaluation (every 10 s) fires the alert.
        var node = (await api.GetAsync<VirtualCore.Modules.Compute.Contracts.VmView>($"/api/v1/vms/{created.VmId}")).NodeName;
        var open = page.Locator("#open-alerts tbody tr");
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            while (await open.CountAsync() == 0)
            {
                await using (var scope = Portal.Services.CreateAsyncScope())
                {
                    await scope.ServiceProvider.GetRequiredService<UsageIngest>().StoreAsync(
                        [new UsageReported(node, DateTimeOffset.UtcNow, 10, false, new NodeUsageV1(50, 1L << 30, 9L << 30, 1), [new VmUsageV1(created.VmId, 99, 1L << 20, 1L << 30, 0, 0, 0, 0, 0, 0, 0, 0)])],
                        default);
                }

                await Task.Delay(1_000, deadline.Token);
                await page.ReloadAsync();
            }
        }

        await Assertions.Expect(open).ToHaveCountAsync(1);
        await Assertions.Expect(open.Locator(".badge")).ToHaveTextAsync("firing");
        await Assertions.Expect(open).ToContainTextAsync("CPU at 99 %, above 80 %");
        await Assertions.Expect(open.Locator("a")).ToHaveAttributeAsync("href", $"/vms/{created.VmId}");

        await open.Locator("[data-acknowledge]").ClickAsync();
        await Assertions.Expect(open.Locator(".badge")).ToHaveTextAsync("acknowledged");
        await Assertions.Expect(open).ToContainTextAsync("acknowledged by demo");

        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        await rule.Locator("[data-rule-switch]").ClickAsync();
        await Assertions.Expect(page.Locator("#no-open-alerts")).ToBeVisibleAsync();
        await Assertions.Expect(rule.Locator(".badge")).ToHaveTextAsync("off");
        var history = page.Locator("#alert-history tbody tr");
        await Assertions.Expect(history).ToHaveCountAsync(1);
        await Assertions.Expect(history).ToContainTextAsync("The rule was switched off.");
        await Assertions.Expect(history).ToContainTextAsync("acknowledged by demo");
    }
}
