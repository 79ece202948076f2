using Microsoft.Playwright;
using VirtualCore.Portal.Tests.Themes;

namespace VirtualCore.Portal.Tests.Browser;

/// <summary>
/// A reseller makes the portal its own in Chromium, on its own host name: edits a setting and sees the real sign-in
/// page change in the preview, saves and uses the version, uploads the sample theme, uses it, and rolls back.
/// </summary>
public sealed class ThemeEditorPageTests : PortalBrowserTests
{
    [Fact]
    public async Task A_reseller_edits_with_live_preview_saves_uploads_the_sample_activates_and_rolls_back()
    {
        await using var context = await Browser.NewContextAsync();
        var page = await SignedInPageAsync(context, "kamp-admin", "kamp-admin-pass-1", HostUrl("kamp.localhost"));

        await page.ClickAsync("nav .nav-menu summary");
        await page.ClickAsync("nav a[href='/admin/theme']");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Theme");
        var preview = page.FrameLocator("#preview-frame");
        await Assertions.Expect(preview.Locator(".brand")).ToHaveTextAsync("Kamp Cloud");

        // A typing pause later, the preview shows the real sign-in page with the new brand; a bad colour is refused in place.
        await page.FillAsync("#setting-brandName", "Kamp Live");
        await Assertions.Expect(preview.Locator(".brand")).ToHaveTextAsync("Kamp Live");
        await Assertions.Expect(page.Locator("#preview-label")).ToHaveTextAsync("of your unsaved changes");
        await page.FillAsync("#setting-primaryColor", "teal");
        await Assertions.Expect(page.Locator("[data-error-for=primaryColor]")).ToContainTextAsync("#rgb or #rrggbb");
        await page.FillAsync("#setting-primaryColor", "#aa3300");
        await Assertions.Expect(page.Locator("[data-error-for=primaryColor]")).ToBeHiddenAsync();

        // The vServers tab shows the real list page in the draft.
        await page.ClickAsync("[data-page='/vms']");
        await Assertions.Expect(preview.Locator(".brand")).ToContainTextAsync("Kamp Live");

        await page.ClickAsync("#theme-save");
        await Assertions.Expect(page.Locator(".alert-info")).ToContainTextAsync("Saved as a new version");
        await page.ClickAsync("#theme-versions tbody tr >> text=Use this version");
        await Assertions.Expect(page.Locator("#theme-in-use")).ToHaveTextAsync("version 1");
        await Assertions.Expect(page.Locator("header .brand")).ToContainTextAsync("Kamp Live");

        // The sample theme: uploaded in the form, previewed, used — the portal gets a sidebar.
        await page.SetInputFilesAsync("#package", new FilePayload { Name = "harbour.zip", MimeType = "application/zip", Buffer = SampleTheme.Zip() });
        await page.ClickAsync("form[action='/admin/theme/upload'] button[type=submit]");
        await Assertions.Expect(page.Locator(".alert-info")).ToContainTextAsync("passed every check");
        await Assertions.Expect(preview.Locator(".harbour-hero-brand")).ToHaveTextAsync("Harbour Cloud");
        await page.ClickAsync("#theme-versions tbody tr:has-text('Harbour') >> text=Use this version");
        await Assertions.Expect(page.Locator("#theme-in-use")).ToHaveTextAsync("version 2");
        await Assertions.Expect(page.Locator("aside.harbour-side")).ToBeVisibleAsync();

        // One click back to version 1.
        await page.ClickAsync("#theme-rollback");
        await Assertions.Expect(page.Locator("#theme-in-use")).ToHaveTextAsync("version 1");
        await Assertions.Expect(page.Locator("aside.harbour-side")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("header .brand")).ToContainTextAsync("Kamp Live");
    }
}
