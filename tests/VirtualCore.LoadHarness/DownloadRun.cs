using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace VirtualCore.LoadHarness;

/// <summary>
/// Disk export downloads through the portal on loopback: a simulated rack server's raw export of the size asked (its
/// every 8-byte word holds its own offset, so each byte received is checked), downloaded whole as curl does and in two
/// halves as a resumed download does (<c>Range</c>): throughput, and the portal's memory while the bytes stream through.
/// </summary>
internal sealed class DownloadRun(string portalDll, string workDirectory, int port, long sizeMiB, TextWriter console)
{
    public async Task<IReadOnlyList<TransferResult>> RunAsync()
    {
        var address = new Uri($"http://127.0.0.1:{port}");
        var settings = new Dictionary<string, string>
        {
            ["environment"] = "Embedded",
            ["DemoVms"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
            ["EmbeddedRackServers:SimulatedSettings:simulatedExportMiB"] = sizeMiB.ToString(CultureInfo.InvariantCulture),
        };
        using var portal = await PortalProcess.StartAsync(portalDll, address, Path.Combine(workDirectory, "portal"), settings);
        using var client = await UploadRun.ClientAsync(address);
        var path = await ExportAsync(client);
        var results = new List<TransferResult>();
        foreach (var resumed in new[] { false, true })
        {
            results.Add(await DownloadAsync(portal, client, path, resumed));
            console.WriteLine(UploadRun.Row(results[^1]));
        }

        return results;
    }

    /// <summary>Creates a VM and exports its disk as raw; the export's download path.</summary>
    private static async Task<string> ExportAsync(HttpClient client)
    {
        using var created = await client.PostAsJsonAsync("/api/v1/vms", new { name = "download-benchmark", vCpus = 1, memoryGiB = 1, diskGiB = 10 });
        var vm = await AcceptedAsync(client, created, "create a VM");
        using var exported = await client.PostAsJsonAsync($"/api/v1/vms/{vm}/disk-exports", new { format = "raw" });
        await AcceptedAsync(client, exported, "export its disk");
        var exports = (await client.GetFromJsonAsync<JsonElement[]>($"/api/v1/vms/{vm}/disk-exports"))!;
        return exports.Single().GetProperty("downloadPath").GetString()!;
    }

    private async Task<TransferResult> DownloadAsync(PortalProcess portal, HttpClient client, string path, bool resumed)
    {
        var size = sizeMiB << 20;
        var idle = portal.Memory().Resident;
        portal.ResetPeak();
        var clock = Stopwatch.StartNew();
        var verified = true;
        foreach (var (start, end) in resumed ? new[] { (0L, (size / 2) - 1), (size / 2, size - 1) } : [(0L, size - 1)])
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (resumed)
            {
                request.Headers.Range = new RangeHeaderValue(start, start == 0 ? end : null);
            }

            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            await UploadRun.SucceededAsync(response, $"download from {start}");
            await using var body = await response.Content.ReadAsStreamAsync();
            verified &= await ReadAndCheckAsync(body, start, end - start + 1);
        }

        return new TransferResult(resumed ? "download resumed at half (Range)" : "download whole (curl)", sizeMiB, clock.Elapsed.TotalSeconds, idle, portal.Memory().Peak, verified);
    }

    /// <summary>Reads exactly <paramref name="length"/> bytes and checks that each word holds its offset.</summary>
    private static async Task<bool> ReadAndCheckAsync(Stream body, long start, long length)
    {
        var buffer = new byte[1 << 20];
        var filled = 0;
        var offset = start;
        long total = 0;
        var good = true;
        int read;
        while ((read = await body.ReadAsync(buffer.AsMemory(filled))) > 0)
        {
            filled += read;
            total += read;
            var whole = filled / 8 * 8;
            for (var i = 0; i < whole; i += 8)
            {
                good &= BinaryPrimitives.ReadInt64BigEndian(buffer.AsSpan(i)) == offset + i;
            }

            offset += whole;
            buffer.AsSpan(whole, filled - whole).CopyTo(buffer);
            filled -= whole;
        }

        return good && total == length;
    }

    private static async Task<Guid> AcceptedAsync(HttpClient client, HttpResponseMessage response, string what)
    {
        await UploadRun.SucceededAsync(response, what);
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
        var job = accepted.GetProperty("jobId").GetGuid();
        for (var waited = Stopwatch.StartNew(); waited.Elapsed < TimeSpan.FromMinutes(10);)
        {
            var status = (await client.GetFromJsonAsync<JsonElement>($"/api/v1/jobs/{job}")).GetProperty("status").GetString();
            if (status is "completed")
            {
                return accepted.GetProperty("vmId").GetGuid();
            }

            if (status is "failed")
            {
                throw new InvalidOperationException($"{what}: the job failed.");
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{what}: the job did not finish in 10 minutes.");
    }
}
