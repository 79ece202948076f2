using Microsoft.Playwright;

namespace VirtualCore.Portal.Tests.Browser;

/// <summary>
/// The webhooks pages in Chromium: a customer's administrator adds a webhook in the form (a loopback URL is refused with
/// the reason), copies the secret shown once, pings it and sees the failed attempt in the delivery log, makes a new
/// secret, switches the webhook off and deletes it.
/// </summary>
public sealed class WebhookPageTests : PortalBrowserTests
{
    [Fact]
    public async Task A_customer_adds_a_webhook_reads_its_delivery_log_rotates_its_secret_and_deletes_it()
    {
        await using var context = await Browser.NewContextAsync();
        var page = await SignedInPageAsync(context);
        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        await page.GotoAsync(BaseUrl + "/admin/webhooks");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Webhooks");
        await Assertions.Expect(page.Locator("#no-webhooks")).ToBeVisibleAsync();

        // The portal never calls its own network: a loopback URL is refused with the reason, and nothing is added.
        await page.FillAsync("#webhook-url", "https://127.0.0.1/hook");
        await page.CheckAsync("input[name=events][value='job.failed']");
        await page.ClickAsync("[data-webhook-form] button[type=submit]");
        await Assertions.Expect(page.Locator("[data-webhook-status]")).ToContainTextAsync("public addresses only");

        await page.FillAsync("#webhook-url", "https://hooks.example.com/vcore");
        await page.FillAsync("#webhook-description", "ticket system");
        await page.ClickAsync("[data-webhook-form] button[type=submit]");
        var secret = page.Locator("[data-webhook-secret] [data-secret-value]");
        await Assertions.Expect(secret).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^whsec_"));
        await page.ClickAsync("[data-webhook-secret] [data-reload]");

        var row = page.Locator("#webhooks tbody tr");
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row).ToContainTextAsync("https://hooks.example.com/vcore");
        await Assertions.Expect(row).ToContainTextAsync("ticket system");
        await Assertions.Expect(row).ToContainTextAsync("job.failed");
        await Assertions.Expect(page.Locator("#webhooks")).Not.ToContainTextAsync("whsec_");

        // Its page: a ping is queued and tried; the receiver's name does not resolve here, so it waits with the reason.
        await row.Locator("a.btn").ClickAsync();
        await Assertions.Expect(page.Locator("#no-deliveries")).ToBeVisibleAsync();
        await page.ClickAsync("[data-webhook-ping]");
        var delivery = page.Locator("#deliveries tbody tr");
        await Assertions.Expect(delivery).ToHaveCountAsync(1);
        await Assertions.Expect(delivery).ToContainTextAsync("ping");
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            while (await delivery.Locator("td").Nth(4).InnerTextAsync() == "0")
            {
                await Task.Delay(500, deadline.Token);
                await page.ReloadAsync();
            }
        }

        await Assertions.Expect(delivery.Locator(".badge")).ToHaveTextAsync("waiting");
        await Assertions.Expect(delivery).ToContainTextAsync("next try");

        await page.ClickAsync("[data-webhook-rotate]");
        await Assertions.Expect(secret).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^whsec_"));
        await page.ClickAsync("[data-webhook-secret] [data-reload]");
        await Assertions.Expect(page.Locator("dl.props")).ToContainTextAsync("Old secret signs too until (UTC)");

        await page.ClickAsync("[data-webhook-switch]");
        await Assertions.Expect(page.Locator(".subtitle .badge")).ToHaveTextAsync("off");

        await page.GotoAsync(BaseUrl + "/admin/webhooks");
        await page.ClickAsync("[data-webhook-delete]");
        await Assertions.Expect(page.Locator("#no-webhooks")).ToBeVisibleAsync();
    }
}
