using System.Net;
using Microsoft.Playwright;

namespace VirtualCore.Portal.Tests.Browser;

/// <summary>
/// The interactive API documentation at /api/docs in Chromium: on a reseller's host name it is the reseller's (its
/// brand in the title and heading, its colour as the accent), it renders this portal's OpenAPI document with every
/// tag, runs under a policy that allows no inline or foreign script, and the browser fetches nothing from elsewhere.
/// </summary>
public sealed class ApiDocsPageTests : PortalBrowserTests
{
    [Fact]
    public async Task A_resellers_customer_reads_the_api_reference_in_the_resellers_brand_and_nothing_is_loaded_from_elsewhere()
    {
        await using var context = await Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var kamp = HostUrl("kamp.localhost");
        var origin = new Uri(kamp).GetLeftPart(UriPartial.Authority);
        var foreign = new List<string>();
        var violations = new List<string>();
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(origin + "/", StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal))
            {
                foreign.Add(request.Url);
            }
        };
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                violations.Add(message.Text);
            }
        };

        var response = await page.GotoAsync(kamp + "/api/docs");
        Assert.Equal((int)HttpStatusCode.OK, response!.Status);
        var policy = await response.HeaderValueAsync("content-security-policy");
        Assert.Contains("script-src 'self';", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", policy, StringComparison.Ordinal);

        // The reseller's brand, not the provider's: the document's title follows the host name.
        await Assertions.Expect(page.Locator("h1").First).ToHaveTextAsync("Kamp Cloud API", new() { Timeout = 60_000 });
        Assert.Equal("Kamp Cloud · API", await page.TitleAsync());
        await Assertions.Expect(page.GetByText("VirtualCore Platform API")).ToHaveCountAsync(0);

        // Every tag of the document has its section (Scalar renders what the document says).
        foreach (var tag in new[] { "vServers", "Jobs", "Rack servers", "Webhooks", "API tokens" })
        {
            await Assertions.Expect(page.Locator("#app").GetByText(tag, new() { Exact = true }).First).ToBeAttachedAsync();
        }

        // The theme's brand colour is the reference's accent.
        var accent = await page.EvaluateAsync<string>(
            "() => getComputedStyle(document.querySelector('.light-mode, .dark-mode') ?? document.body).getPropertyValue('--scalar-color-accent').trim()");
        var brand = await page.EvaluateAsync<string>("() => getComputedStyle(document.documentElement).getPropertyValue('--brand').trim()");
        Assert.False(string.IsNullOrEmpty(brand));
        Assert.Equal(brand, accent);

        Assert.Empty(foreign);
        Assert.Empty(violations);
        Assert.True(await page.EvaluateAsync<bool>("() => Array.from(document.scripts).every(s => s.src.startsWith(location.origin + '/'))"));
    }

    [Fact]
    public async Task The_providers_reference_says_virtualcore_and_the_script_is_served_compressed_or_plain()
    {
        using var http = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        var page = await http.GetStringAsync("/api/docs");
        Assert.Contains("<title>VirtualCore · API</title>", page, StringComparison.Ordinal);
        var document = await http.GetStringAsync("/openapi/v1.json");
        Assert.Contains("\"title\": \"VirtualCore Platform API\"", document, StringComparison.Ordinal);

        // Browsers take the compressed script; a client that asks for no encoding gets the same script plain.
        using var gzip = new HttpRequestMessage(HttpMethod.Get, "/api/docs/scalar.js");
        gzip.Headers.AcceptEncoding.ParseAdd("gzip");
        using var compressed = await http.SendAsync(gzip);
        Assert.Equal("gzip", Assert.Single(compressed.Content.Headers.ContentEncoding));
        var plain = await http.GetByteArrayAsync("/api/docs/scalar.js");
        var unpacked = new MemoryStream();
        await using (var stream = new System.IO.Compression.GZipStream(await compressed.Content.ReadAsStreamAsync(), System.IO.Compression.CompressionMode.Decompress))
        {
            await stream.CopyToAsync(unpacked);
        }

        Assert.Equal(plain, unpacked.ToArray());
        Assert.Contains("createApiReference", System.Text.Encoding.UTF8.GetString(plain), StringComparison.Ordinal);
    }
}
