using System.Diagnostics;
using Microsoft.Playwright;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Portal.Tests;
using VirtualCore.Portal.Tests.Browser;
using static VirtualCore.Portal.QemuTests.LiveMigrationTests;

namespace VirtualCore.Portal.QemuTests;

/// <summary>
/// The console of a real QEMU guest in Chromium: noVNC through the portal's relay and the node agent to the guest's
/// screen, which libvirt hands over without any VNC port. The tiny guest runs a shell on its screen; what is typed in
/// the browser runs there and writes to the guest's disk, read back from the rack server's image file.
/// </summary>
[Collection(QemuPortalCollection.Name)]
public sealed class ConsoleTests(QemuPortalFixture nodes, ITestOutputHelper output)
{
    [Fact]
    public async Task What_is_typed_in_the_browser_console_runs_in_the_guest()
    {
        var api = await GuestTests.OnlineAsync(nodes);
        var vm = await CreateRunningAsync(api, "typing");

        // The guest writes its boot counter before its shell starts on the screen.
        await PollAsync(() => nodes.DiskFirstLineAsync(vm.NodeName, vm.Id), line => line.StartsWith("VCORE-COUNTER", StringComparison.Ordinal), TimeSpan.FromMinutes(2));

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var baseUrl = nodes.Portal.ClientOptions.BaseAddress.ToString().TrimEnd('/');
        await page.GotoAsync(baseUrl + "/vms");
        await Chromium.SignInAsync(page, baseUrl, "demo", "demo-pass-1");

        var opened = Stopwatch.StartNew();
        await page.GotoAsync($"{baseUrl}/vms/{vm.Id}/console");
        var console = page.Locator("[data-console]");
        await Assertions.Expect(console).ToHaveAttributeAsync("data-console-state", "connected", new() { Timeout = 30_000 });
        Assert.Equal(0, await page.Locator(".console-note").CountAsync());

        // The guest's text screen: light characters on black, so some pixels are bright once it has drawn.
        await page.WaitForFunctionAsync(
            "() => { const c = document.querySelector('[data-console-screen] canvas'); if (!c || c.width < 100) return false; const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; for (let i = 0; i < d.length; i += 4) { if (d[i] > 128 && d[i + 1] > 128 && d[i + 2] > 128) return true; } return false; }",
            null,
            new() { Timeout = 30_000 });
        output.WriteLine($"[portal-qemu] console showed the guest's screen {opened.Elapsed.TotalSeconds:F1} s after the page opened");

        // Keys pressed on the screen reach the guest's shell (here the start of a command line), typed at a person's
        // pace: the emulated PS/2 keyboard holds only a few keys, and a loaded TCG guest may not read them at once.
        await console.Locator("canvas").ClickAsync();
        await page.Keyboard.TypeAsync("echo ", new() { Delay = 80 });

        // …and so does text typed for the user, shifted characters and the line's end included: the guest's shell runs
        // the command, which writes its result to the guest's disk.
        await console.Locator("summary").ClickAsync();
        await console.Locator("[data-console-text]").FillAsync("VCORE-TYPED-$((6*7)) | dd of=/dev/vda bs=512 count=1 conv=sync,notrunc,fsync\n");
        await console.Locator("[data-console-type]").ClickAsync();
        var last = "";
        try
        {
            await PollAsync(async () => last = await nodes.DiskFirstLineAsync(vm.NodeName, vm.Id), line => line == "VCORE-TYPED-42", TimeSpan.FromMinutes(1));
        }
        catch (TaskCanceledException)
        {
            Assert.Fail($"The typed command did not write its result; the disk's first line is \"{last}\".");
        }

        await GuestTests.DeleteAsync(api, await api.GetAsync<VmView>($"/api/v1/vms/{vm.Id}"));
    }
}
