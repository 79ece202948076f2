using Microsoft.Playwright;

namespace VirtualCore.Portal.Tests.Browser;

/// <summary>
/// The console in Chromium: noVNC on the VM page and on its own page, connected through the portal's relay to a
/// simulated rack server's screen, which shows each typed key as a block — keys typed and text pasted reach it.
/// </summary>
public sealed class ConsolePageTests : PortalBrowserTests
{
    [Fact]
    public async Task Keys_typed_and_text_pasted_reach_the_screen_and_a_stopped_vm_says_why_there_is_none()
    {
        var api = Portal.Demo();
        var created = await api.CreateVmAsync("screen");
        await api.CompleteAsync(Task.FromResult(created));
        await api.CompleteAsync(api.ActAsync(created.VmId, "start"));
        var stopped = await api.CreateVmAsync("dark");
        await api.CompleteAsync(Task.FromResult(stopped));

        await using var context = await Browser.NewContextAsync();
        var page = await SignedInPageAsync(context);
        var problems = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                problems.Add(message.Text);
            }
        };

        await page.GotoAsync($"{BaseUrl}/vms/{created.VmId}");
        var console = page.Locator("#console [data-console]");
        await console.Locator("[data-console-connect]").ClickAsync();
        await Assertions.Expect(console).ToHaveAttributeAsync("data-console-state", "connected");
        await Assertions.Expect(console.Locator("[data-console-status]")).ToContainTextAsync("Connected");
        await WaitForPixelAsync(page, 8, 72, changed: false);
        Assert.Equal(Background, await PixelAsync(page, 8, 72));

        // A key typed on the screen, then text typed for the user: one block per character.
        await console.Locator("canvas").ClickAsync();
        await page.Keyboard.TypeAsync("a");
        await WaitForPixelAsync(page, 8, 72, changed: true);
        await console.Locator("summary").ClickAsync();
        await console.Locator("[data-console-text]").FillAsync("bc");
        await console.Locator("[data-console-type]").ClickAsync();
        await WaitForPixelAsync(page, (2 * 16) + 8, 72, changed: true);

        // Disconnect and reconnect: a new ticket each time, and the screen kept what was typed.
        await console.Locator("[data-console-connect]").ClickAsync();
        await Assertions.Expect(console).ToHaveAttributeAsync("data-console-state", "disconnected");
        await Assertions.Expect(console.Locator("[data-console-connect]")).ToHaveTextAsync("Reconnect");
        await console.Locator("[data-console-connect]").ClickAsync();
        await Assertions.Expect(console).ToHaveAttributeAsync("data-console-state", "connected");
        await WaitForPixelAsync(page, (2 * 16) + 8, 72, changed: true);

        // Its own page connects at once.
        await page.GotoAsync($"{BaseUrl}/vms/{created.VmId}/console");
        await Assertions.Expect(page.Locator("[data-console]")).ToHaveAttributeAsync("data-console-state", "connected");
        await Assertions.Expect(page.Locator(".console-note")).ToContainTextAsync("simulated");
        await WaitForPixelAsync(page, (2 * 16) + 8, 72, changed: true);

        // The serial console: xterm.js on a page of its own; a line typed there is answered by the simulated port.
        await page.GotoAsync($"{BaseUrl}/vms/{created.VmId}/serial");
        await Assertions.Expect(page.Locator("[data-serial]")).ToHaveAttributeAsync("data-serial-state", "connected");
        await page.Locator("[data-serial-terminal]").ClickAsync();
        await page.Keyboard.TypeAsync("hi there");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("[data-serial-terminal] .xterm-rows")).ToContainTextAsync("you typed: hi there");

        // A stopped VM: the page says so, and asking anyway gives the portal's reason.
        await page.GotoAsync($"{BaseUrl}/vms/{stopped.VmId}");
        var dark = page.Locator("#console [data-console]");
        await Assertions.Expect(dark.Locator("[data-console-status]")).ToContainTextAsync("start it");
        await dark.Locator("[data-console-connect]").ClickAsync();
        await Assertions.Expect(dark.Locator("[data-console-status]")).ToContainTextAsync("start it to see its screen");
        await Assertions.Expect(dark.Locator("[data-console-connect]")).ToHaveTextAsync("Try again");

        // Only the refused ticket (409) may have been reported; nothing was blocked by the content security policy.
        Assert.False(problems.Any(p => p.Contains("Content Security Policy", StringComparison.Ordinal)), string.Join("\n", problems.Distinct()));
        Assert.All(problems, p => Assert.Contains("409", p, StringComparison.Ordinal));
    }

    private const uint Background = 0x101820;

    private static async Task<uint> PixelAsync(IPage page, int x, int y) =>
        await page.EvaluateAsync<uint>(
            "([x, y]) => { const c = document.querySelector('[data-console-screen] canvas'); const d = c.getContext('2d').getImageData(x, y, 1, 1).data; return (d[0] << 16) | (d[1] << 8) | d[2]; }",
            new[] { x, y });

    private static Task WaitForPixelAsync(IPage page, int x, int y, bool changed) =>
        page.WaitForFunctionAsync(
            "([x, y, background, changed]) => { const c = document.querySelector('[data-console-screen] canvas'); if (!c) return false; const d = c.getContext('2d').getImageData(x, y, 1, 1).data; const p = (d[0] << 16) | (d[1] << 8) | d[2]; return changed ? p !== background : p === background; }",
            new object[] { x, y, (int)Background, changed });
}
