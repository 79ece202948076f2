using System.Security.Cryptography;
using Microsoft.Playwright;

namespace VirtualCore.Portal.Tests.Browser;

/// <summary>
/// The Images page in Chromium: an ISO uploaded with tus-js-client through the portal's tus server shows its progress,
/// then its SHA-256 in the list; a file that is no ISO image is refused with the reason; an image is deleted from its row.
/// </summary>
public sealed class IsoLibraryPageTests : PortalBrowserTests
{
    [Fact]
    public async Task An_iso_uploads_with_its_checksum_shown_a_wrong_file_is_refused_with_the_reason_and_an_image_is_deleted()
    {
        await using var context = await Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var problems = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && !message.Text.Contains("status of 400", StringComparison.Ordinal))
            {
                problems.Add(message.Text);
            }
        };
        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        await page.GotoAsync(BaseUrl + "/vms");
        await Chromium.SignInAsync(page, BaseUrl, "demo", "demo-pass-1");

        await page.GetByRole(AriaRole.Link, new() { Name = "Images" }).ClickAsync();
        await page.WaitForURLAsync(BaseUrl + "/isos");
        var upload = page.Locator("[data-iso-upload]");
        await Assertions.Expect(upload).ToContainTextAsync("your account, for your VMs only");

        // 20 MiB: two of the client's 16 MiB parts.
        // The files are given to Chromium by their path, as a person picks them: a buffer would cross Playwright's pipe
        // base64-encoded, which takes longer than the upload itself on a busy machine.
        var files = Directory.CreateTempSubdirectory("vcore-iso-page-");
        var iso = TestIso.Build(20 << 20);
        var sha = Convert.ToHexStringLower(SHA256.HashData(iso));
        var isoPath = Path.Combine(files.FullName, "tiny-installer.iso");
        await File.WriteAllBytesAsync(isoPath, iso);
        var exePath = Path.Combine(files.FullName, "setup.exe");
        await File.WriteAllBytesAsync(exePath, RandomNumberGenerator.GetBytes(1 << 20));
        await page.Locator("[data-iso-file]").SetInputFilesAsync(isoPath);
        await page.Locator("[data-iso-title]").FillAsync("Tiny installer");
        await page.Locator("[data-iso-sha256]").FillAsync(sha);
        await page.Locator("[data-iso-start]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-iso-status]")).ToContainTextAsync("SHA-256: " + sha, new() { Timeout = 60_000 });
        var row = page.Locator("#isos tr", new() { HasText = "Tiny installer" });
        await Assertions.Expect(row).ToContainTextAsync(sha);
        await Assertions.Expect(row).ToContainTextAsync("Yours");
        await Assertions.Expect(row).ToHaveClassAsync("highlight");

        // The same with a file that is no ISO image: refused at once, with the reason.
        await page.Locator("[data-iso-file]").SetInputFilesAsync(exePath);
        await page.Locator("[data-iso-sha256]").FillAsync("");
        await page.Locator("[data-iso-title]").FillAsync("");
        await page.Locator("[data-iso-start]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-iso-status]")).ToContainTextAsync("not an ISO 9660 or UDF image");
        await Assertions.Expect(page.Locator("[data-iso-start]")).ToBeEnabledAsync();

        // The image goes from its row and from the library.
        await row.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await Assertions.Expect(row).ToHaveCountAsync(0);
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#isos tr", new() { HasText = "Tiny installer" })).ToHaveCountAsync(0);
        Assert.Empty(Directory.GetFiles(Path.Combine(Portal.DataDirectory, "isos")));
        Assert.Empty(problems);
        files.Delete(recursive: true);
    }
}
