using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace VirtualCore.LoadHarness;

/// <summary>One upload's figures.</summary>
/// <param name="Mode">How the bytes went: in the browser's 16 MiB parts, or the whole file in one request (curl).</param>
/// <param name="MiB">The image's size.</param>
/// <param name="Seconds">From the first byte sent to the answer to the last.</param>
/// <param name="IdleMiB">The portal's resident memory before the upload.</param>
/// <param name="PeakMiB">The portal's highest resident memory during the upload.</param>
/// <param name="Verified">The SHA-256 the portal reported equals the one computed here.</param>
internal sealed record TransferResult(string Mode, long MiB, double Seconds, double IdleMiB, double PeakMiB, bool Verified)
{
    public double MiBPerSecond => MiB / Seconds;
}

/// <summary>
/// ISO uploads through the portal's tus endpoint on loopback, as the browser sends them (16 MiB parts) and as curl
/// does (one request), of a generated image of the size asked: throughput, and the portal's memory while the bytes
/// stream through it (they must never be held in memory).
/// </summary>
internal sealed class UploadRun(string portalDll, string workDirectory, int port, long sizeMiB, TextWriter console)
{
    public const string Header = "| mode | size | time | MiB/s | portal memory before | portal memory peak | bytes |\n| --- | ---: | ---: | ---: | ---: | ---: | --- |";

    private const int ChunkMiB = 16;

    public static string Row(TransferResult r) => string.Create(
        CultureInfo.InvariantCulture,
        $"| {r.Mode} | {r.MiB} MiB | {r.Seconds:F1} s | {r.MiBPerSecond:F0} | {r.IdleMiB:F0} MiB | {r.PeakMiB:F0} MiB | {(r.Verified ? "verified" : "WRONG")} |");

    public async Task<IReadOnlyList<TransferResult>> RunAsync()
    {
        var address = new Uri($"http://127.0.0.1:{port}");
        var settings = new Dictionary<string, string>
        {
            ["environment"] = "Embedded",
            ["DemoVms"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Infrastructure:IsoLibrary:MaxImageBytes"] = ((sizeMiB + 1) << 20).ToString(CultureInfo.InvariantCulture),
            ["Infrastructure:IsoLibrary:CustomerQuotaBytes"] = ((2 * sizeMiB + 2) << 20).ToString(CultureInfo.InvariantCulture),
        };
        using var portal = await PortalProcess.StartAsync(portalDll, address, Path.Combine(workDirectory, "portal"), settings);
        using var client = await ClientAsync(address);
        var results = new List<TransferResult>();
        foreach (var chunked in new[] { true, false })
        {
            results.Add(await UploadAsync(portal, client, chunked));
            console.WriteLine(Row(results[^1]));
        }

        return results;
    }

    private async Task<TransferResult> UploadAsync(PortalProcess portal, HttpClient client, bool chunked)
    {
        var size = sizeMiB << 20;
        var idle = portal.Memory().Resident;
        portal.ResetPeak();
        using var create = Tus(HttpMethod.Post, "/api/v1/isos/uploads");
        create.Headers.Add("Upload-Length", size.ToString(CultureInfo.InvariantCulture));
        create.Headers.Add("Upload-Metadata", "filename " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"load-{(chunked ? "parts" : "whole")}.iso")));
        using var created = await client.SendAsync(create);
        await SucceededAsync(created, "begin the upload");
        var location = created.Headers.Location!.ToString();

        var clock = Stopwatch.StartNew();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long offset = 0;
        string? portalSha = null;
        while (offset < size)
        {
            var length = chunked ? Math.Min((long)ChunkMiB << 20, size - offset) : size;
            using var patch = Tus(HttpMethod.Patch, location);
            patch.Headers.Add("Upload-Offset", offset.ToString(CultureInfo.InvariantCulture));
            patch.Content = new StreamContent(new GeneratedIso(offset, length, hash), 1 << 20);
            patch.Content.Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");
            patch.Content.Headers.ContentLength = length;
            using var answer = await client.SendAsync(patch);
            await SucceededAsync(answer, $"send bytes from {offset}");
            offset += length;
            if (answer.Headers.TryGetValues("X-Iso-Sha256", out var values))
            {
                portalSha = values.Single();
            }
        }

        var seconds = clock.Elapsed.TotalSeconds;
        var verified = portalSha == Convert.ToHexStringLower(hash.GetHashAndReset());
        var name = (await client.GetFromJsonAsync<JsonElement[]>("/api/v1/isos"))!.Select(i => i.GetProperty("name").GetString()!).First(n => n.StartsWith($"load-{(chunked ? "parts" : "whole")}", StringComparison.Ordinal));
        using var removed = await client.DeleteAsync($"/api/v1/isos/{name}");
        await SucceededAsync(removed, "remove the image");
        return new TransferResult(chunked ? $"tus, {ChunkMiB} MiB parts (browser)" : "tus, one request (curl)", sizeMiB, seconds, idle, portal.Memory().Peak, verified);
    }

    private static HttpRequestMessage Tus(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("Tus-Resumable", "1.0.0");
        return request;
    }

    internal static async Task<HttpClient> ClientAsync(Uri address)
    {
        using var basic = new HttpClient { BaseAddress = address };
        basic.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("demo:demo-pass-1"u8.ToArray()));
        using var created = await basic.PostAsJsonAsync("/api/v1/tokens", new { name = "upload benchmark", scopes = new[] { "manage" }, expiresInDays = 1 });
        await SucceededAsync(created, "create a token");
        var token = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromHours(1) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    internal static async Task SucceededAsync(HttpResponseMessage response, string what)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }
}

/// <summary>
/// Bytes <c>[start, start + length)</c> of a generated ISO 9660 image (a primary volume descriptor at sector 16, then a
/// pattern), made as they are read, so that a 10 GiB upload needs no file; each byte read is also hashed.
/// </summary>
internal sealed class GeneratedIso(long start, long length, IncrementalHash hash) : Stream
{
    /// <summary>The first 19 sectors: a system area, a primary volume descriptor and the set's terminator.</summary>
    private static readonly byte[] Header = MakeHeader();

    /// <summary>What follows, repeating every MiB.</summary>
    private static readonly byte[] Pattern = Enumerable.Range(0, 1 << 20).Select(i => (byte)((i * 31) ^ (i >> 12))).ToArray();

    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = (int)Math.Min(buffer.Length, length - _position);
        var done = 0;
        while (done < n)
        {
            var at = start + _position + done;
            var source = at < Header.Length ? Header : Pattern;
            var from = (int)(at < Header.Length ? at : at % Pattern.Length);
            var take = Math.Min(n - done, source.Length - from);
            source.AsSpan(from, take).CopyTo(buffer[done..]);
            done += take;
        }

        hash.AppendData(buffer[..n]);
        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

    private static byte[] MakeHeader()
    {
        var header = new byte[19 * 2048];
        header[16 * 2048] = 1;
        "CD001"u8.CopyTo(header.AsSpan((16 * 2048) + 1));
        header[(16 * 2048) + 6] = 1;
        header[17 * 2048] = 255;
        "CD001"u8.CopyTo(header.AsSpan((17 * 2048) + 1));
        header[(17 * 2048) + 6] = 1;
        return header;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
