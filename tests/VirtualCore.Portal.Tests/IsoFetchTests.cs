using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VirtualCore.Modules.Infrastructure.Contracts;
using VirtualCore.Modules.Infrastructure.Features;

namespace VirtualCore.Portal.Tests;

/// <summary>
/// The provider adds images from a URL: the portal fetches them from a web server (here one on the loopback address),
/// goes on with a Range request where a broken connection stopped it, and adds an image only with the SHA-256 given.
/// </summary>
public sealed class IsoFetchTests : IAsyncLifetime
{
    private readonly PortalFixture _portal = new(settings: new Dictionary<string, string>
    {
        ["Infrastructure:IsoLibrary:FetchPollInterval"] = "00:00:00.100",
        ["Infrastructure:IsoLibrary:FetchTimeout"] = "00:00:10",
    });

    private readonly byte[] _iso = TestIso.Build(3 << 20);
    private readonly ConcurrentQueue<string> _ranges = new();
    private WebApplication _server = null!;
    private string _base = "";
    private int _flaky;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _server = builder.Build();
        _server.MapGet("/images/tiny.iso", () => Results.Bytes(_iso, "application/octet-stream", enableRangeProcessing: true));
        _server.MapGet("/images/setup.exe", () => Results.Bytes(RandomNumberGenerator.GetBytes(1 << 20), "application/octet-stream"));
        _server.MapGet("/images/flaky.iso", async (HttpContext http) =>
        {
            _ranges.Enqueue(http.Request.Headers.Range.ToString());
            if (Interlocked.Increment(ref _flaky) == 1)
            {
                // The first answer promises the whole file and ends after a third of it (the server closes the connection).
                http.Response.ContentLength = _iso.Length;
                await http.Response.Body.WriteAsync(_iso.AsMemory(0, _iso.Length / 3));
                await http.Response.Body.FlushAsync();
                return Results.Empty;
            }

            return Results.Bytes(_iso, "application/octet-stream", enableRangeProcessing: true);
        });
        await _server.StartAsync();
        _base = _server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _portal.DisposeAsync();
    }

    [Fact]
    public async Task An_image_fetched_by_url_resumes_after_a_broken_connection_and_joins_the_library_with_its_checksum()
    {
        var provider = Provider();
        var sha = Convert.ToHexStringLower(SHA256.HashData(_iso));
        var added = await provider.PostAsJsonAsync("/api/v1/isos/fetches", new { url = $"{_base}/images/flaky.iso", sha256 = sha, title = "Flaky mirror" });
        Assert.Equal(HttpStatusCode.Accepted, added.StatusCode);
        var fetch = (await added.Content.ReadFromJsonAsync<IsoFetchView>(Api.Json))!;
        Assert.Equal("fetching", fetch.State);

        var image = await Api.WaitUntilAsync(
            async () => (await _portal.Demo().GetAsync<IsoImageView[]>("/api/v1/isos")).SingleOrDefault(i => i.Name == fetch.Name),
            i => i is not null);
        Assert.Equal(sha, image!.Sha256);
        Assert.Equal(IsoOwners.Library, image.Owner);
        Assert.Equal("Flaky mirror", image.Title);
        Assert.Equal(_iso.Length, image.SizeBytes);

        // The second request went on from what had arrived; the file is the whole one.
        Assert.Equal(["", $"bytes={_iso.Length / 3}-"], _ranges.ToArray());
        Assert.Equal(_iso, await File.ReadAllBytesAsync(Assert.Single(Directory.GetFiles(Path.Combine(_portal.DataDirectory, "isos")))));
        Assert.Empty(await provider.GetAsync<IsoFetchView[]>("/api/v1/isos/fetches"));
    }

    [Theory]
    [InlineData("/images/tiny.iso", "wrong", "SHA-256")]
    [InlineData("/images/setup.exe", "right", "not an ISO 9660 or UDF image")]
    [InlineData("/images/missing.iso", "right", "404")]
    public async Task A_fetch_of_another_file_or_none_fails_with_the_reason_and_keeps_nothing(string path, string checksum, string reason)
    {
        var provider = Provider();
        var sha = checksum == "right" ? Convert.ToHexStringLower(SHA256.HashData(_iso)) : new string('0', 64);
        var added = await provider.PostAsJsonAsync("/api/v1/isos/fetches", new { url = _base + path, sha256 = sha });
        Assert.Equal(HttpStatusCode.Accepted, added.StatusCode);
        var name = (await added.Content.ReadFromJsonAsync<IsoFetchView>(Api.Json))!.Name;

        var failed = await Api.WaitUntilAsync(
            async () => (await provider.GetAsync<IsoFetchView[]>("/api/v1/isos/fetches")).Single(f => f.Name == name),
            f => f.State == "failed");
        Assert.Contains(reason, failed.Problem, StringComparison.Ordinal);
        Assert.DoesNotContain(await provider.GetAsync<IsoImageView[]>("/api/v1/isos"), i => i.Name == name);
        Assert.Empty(Directory.GetFiles(Path.Combine(_portal.DataDirectory, "isos")));

        // The Images page shows the provider why, with a button to remove it.
        using var session = _portal.Session();
        Assert.NotNull(await session.SignInAsync("operator", "operator-pass-1"));
        var page = await session.Client.GetStringAsync("/isos");
        Assert.Contains($"data-fetch=\"{name}\" data-fetch-state=\"failed\"", page, StringComparison.Ordinal);
        Assert.Contains("Failed: ", page, StringComparison.Ordinal);
        Assert.Contains(reason, page[page.IndexOf("Failed: ", StringComparison.Ordinal)..], StringComparison.Ordinal);

        // The provider removes the failed entry.
        Assert.Equal(HttpStatusCode.NoContent, (await provider.DeleteAsync($"/api/v1/isos/{name}")).StatusCode);
        Assert.Empty(await provider.GetAsync<IsoFetchView[]>("/api/v1/isos/fetches"));
    }

    [Fact]
    public async Task Only_the_provider_adds_by_url_and_only_http_urls_with_a_checksum()
    {
        var provider = Provider();
        var sha = new string('a', 64);
        foreach (var (body, field) in new (object Body, string Field)[]
        {
            (new { url = "ftp://127.0.0.1/x.iso", sha256 = sha }, "url"),
            (new { url = "file:///etc/shadow", sha256 = sha }, "url"),
            (new { url = "http://user:secret@127.0.0.1/x.iso", sha256 = sha }, "url"),
            (new { url = "not a url", sha256 = sha }, "url"),
            (new { url = $"{_base}/images/tiny.iso", sha256 = "" }, "sha256"),
            (new { url = $"{_base}/images/tiny.iso", sha256 = sha + "\n" }, "sha256"),
        })
        {
            var response = await provider.PostAsJsonAsync("/api/v1/isos/fetches", body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.True((await response.ProblemAsync()).GetProperty("errors").TryGetProperty(field, out _), body.ToString());
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await _portal.Demo().PostAsJsonAsync("/api/v1/isos/fetches", new { url = $"{_base}/images/tiny.iso", sha256 = sha })).StatusCode);
        Assert.Empty(await _portal.Demo().GetAsync<IsoFetchView[]>("/api/v1/isos/fetches"));
        Assert.Empty(await provider.GetAsync<IsoFetchView[]>("/api/v1/isos/fetches"));
    }

    private HttpClient Provider() => _portal.ApiClient("operator", "operator-pass-1");
}
