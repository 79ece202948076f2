using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Domain;
using VirtualCore.Modules.Compute.Features.DiskExports;
using VirtualCore.Modules.Identity.Features.Users;

namespace VirtualCore.Portal.Tests;

/// <summary>
/// Disk exports on the simulated rack servers: exported as a job, downloaded whole or in pieces (Range) through the
/// portal, refused to everyone who may not manage the VM, and deleted (by the user, with the VM, or when expired).
/// The test driver's raw export holds its own offsets, so every byte a download returns is checked.
/// </summary>
public sealed class DiskExportTests : IAsyncLifetime
{
    /// <summary>The test driver's simulated exports are of a 16 MiB disk.</summary>
    private const long SimulatedBytes = 16L << 20;

    private readonly PortalFixture _portal = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task A_raw_export_downloads_whole_and_in_ranges_with_every_byte_where_it_belongs()
    {
        var api = _portal.Demo();
        var vmId = await StoppedVmAsync(api, "export-raw");
        var export = await ExportAsync(api, vmId, "raw");
        Assert.Equal(SimulatedBytes, export.SizeBytes);
        Assert.Equal($"/api/v1/vms/{vmId}/disk-exports/{export.Id}/content", export.DownloadPath);

        using var whole = await api.GetAsync(export.DownloadPath, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal("bytes", whole.Headers.AcceptRanges.Single());
        Assert.Equal(SimulatedBytes, whole.Content.Headers.ContentLength);
        Assert.Equal("attachment", whole.Content.Headers.ContentDisposition!.DispositionType);
        Assert.EndsWith(".raw", whole.Content.Headers.ContentDisposition.FileNameStar, StringComparison.Ordinal);
        Assert.StartsWith("export-raw-", whole.Content.Headers.ContentDisposition.FileNameStar, StringComparison.Ordinal);
        AssertPattern(await whole.Content.ReadAsByteArrayAsync(), 0);

        // A middle piece, the rest from an offset that is not word-aligned, the last bytes, and a range past the end clipped.
        await AssertRangeAsync(api, export, "bytes=1000-5095", 1000, 4096);
        await AssertRangeAsync(api, export, $"bytes={SimulatedBytes - 100_003}-", SimulatedBytes - 100_003, 100_003);
        await AssertRangeAsync(api, export, "bytes=-24", SimulatedBytes - 24, 24);
        await AssertRangeAsync(api, export, $"bytes={SimulatedBytes - 8}-{SimulatedBytes + 1000}", SimulatedBytes - 8, 8);

        // A resume that names the export it began with gets the piece; one that names another gets the whole file.
        var etag = whole.Headers.ETag!;
        using (var resume = Ranged(export, "bytes=16-31"))
        {
            resume.Headers.IfRange = new RangeConditionHeaderValue(etag);
            using var response = await api.SendAsync(resume);
            Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        }

        using (var stale = Ranged(export, "bytes=16-31"))
        {
            stale.Headers.IfRange = new RangeConditionHeaderValue(new EntityTagHeaderValue("\"another\""));
            using var response = await api.SendAsync(stale, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(SimulatedBytes, response.Content.Headers.ContentLength);
        }

        using var head = await api.SendAsync(new HttpRequestMessage(HttpMethod.Head, export.DownloadPath));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(SimulatedBytes, head.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task A_range_outside_the_export_or_of_several_pieces_is_refused_with_416_and_the_size_and_a_foreign_one_ignored()
    {
        var api = _portal.Demo();
        var vmId = await StoppedVmAsync(api, "export-416");
        var export = await ExportAsync(api, vmId, "raw");
        foreach (var range in new[] { "bytes=16777216-", "bytes=99999999999-", "bytes=-0", "bytes=0-1,4-5" })
        {
            using var response = await api.SendAsync(Ranged(export, range));
            Assert.True(response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable, $"{range}: {response.StatusCode}");
            Assert.Equal($"bytes */{SimulatedBytes}", response.Content.Headers.ContentRange!.ToString());
            Assert.Equal("Range", (await response.ProblemAsync()).GetProperty("field").GetString());
        }

        // Not a byte range, or not a valid one: the header is ignored, as HTTP requires, and the whole file sent.
        foreach (var range in new[] { "pages=0-1", "bytes=500-100" })
        {
            using var response = await api.SendAsync(Ranged(export, range));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{range}: {response.StatusCode}");
            Assert.Equal(SimulatedBytes, response.Content.Headers.ContentLength);
        }
    }

    [Fact]
    public async Task A_qcow2_export_is_an_empty_qcow2_image_of_the_simulated_disk()
    {
        var api = _portal.Demo();
        var vmId = await StoppedVmAsync(api, "export-qcow2");
        var export = await ExportAsync(api, vmId, "qcow2");
        var bytes = await api.GetByteArrayAsync(export.DownloadPath);
        Assert.Equal(export.SizeBytes, bytes.Length);
        Assert.Equal(0x514649fbu, BinaryPrimitives.ReadUInt32BigEndian(bytes));
        Assert.Equal(SimulatedBytes, BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(24)));
    }

    [Fact]
    public async Task A_running_vm_exports_only_a_recovery_point_and_bad_requests_name_their_field()
    {
        var api = _portal.Demo();
        var vmId = await StoppedVmAsync(api, "export-running");
        var other = await StoppedVmAsync(api, "export-neighbour");
        await api.CompleteAsync(api.ActAsync(vmId, "start"));

        var running = await api.PostAsJsonAsync($"/api/v1/vms/{vmId}/disk-exports", new { format = "qcow2" });
        Assert.Equal(HttpStatusCode.Conflict, running.StatusCode);
        Assert.Contains("Shut it off", (await running.ProblemAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);

        foreach (var format in new[] { "vmdk", "", "QCOW2", "../raw" })
        {
            var bad = await api.PostAsJsonAsync($"/api/v1/vms/{vmId}/disk-exports", new { format });
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.True((await bad.ProblemAsync()).GetProperty("errors").TryGetProperty("format", out _));
        }

        // Another VM's recovery point is no recovery point of this one.
        var neighbours = await api.PostAsJsonAsync($"/api/v1/vms/{other}/recovery-points", new { note = "theirs" });
        await api.CompleteAsync(neighbours.Content.ReadFromJsonAsync<JobAccepted>(Api.Json)!);
        var theirs = (await api.GetAsync<RecoveryPointView[]>($"/api/v1/vms/{other}/recovery-points")).Single();
        foreach (var point in new[] { theirs.Id, Guid.NewGuid() })
        {
            var crossed = await api.PostAsJsonAsync($"/api/v1/vms/{vmId}/disk-exports", new { format = "raw", recoveryPointId = point });
            Assert.Equal(HttpStatusCode.BadRequest, crossed.StatusCode);
            Assert.True((await crossed.ProblemAsync()).GetProperty("errors").TryGetProperty("recoveryPointId", out _));
        }

        var taken = await api.PostAsJsonAsync($"/api/v1/vms/{vmId}/recovery-points", new { note = "for export" });
        await api.CompleteAsync(taken.Content.ReadFromJsonAsync<JobAccepted>(Api.Json)!);
        var mine = (await api.GetAsync<RecoveryPointView[]>($"/api/v1/vms/{vmId}/recovery-points")).Single();
        var export = await ExportAsync(api, vmId, "raw", mine.Id);
        Assert.Equal(mine.Name, export.RecoveryPointName);
        Assert.Equal("running", (await api.GetAsync<VmView>($"/api/v1/vms/{vmId}")).State);
        Assert.Equal(SimulatedBytes, (await api.GetByteArrayAsync(export.DownloadPath)).Length);
    }

    [Fact]
    public async Task Another_customer_a_read_or_operate_token_and_an_operate_grant_cannot_list_export_download_or_delete()
    {
        var api = _portal.Demo();
        var vmId = await StoppedVmAsync(api, "export-private");
        var export = await ExportAsync(api, vmId, "raw");
        var list = $"/api/v1/vms/{vmId}/disk-exports";
        var delete = $"{list}/{export.Id}";

        var other = _portal.Other();
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync(list)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync(export.DownloadPath)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.PostAsJsonAsync(list, new { format = "raw" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.DeleteAsync(delete)).StatusCode);

        // An export id under another of the customer's own VMs is not found either.
        var sibling = await StoppedVmAsync(api, "export-sibling");
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/api/v1/vms/{sibling}/disk-exports/{export.Id}/content")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.DeleteAsync($"/api/v1/vms/{sibling}/disk-exports/{export.Id}")).StatusCode);

        foreach (var scope in new[] { "read", "operate" })
        {
            var token = Bearer(await api.TokenAsync(scope));
            Assert.Equal(HttpStatusCode.Forbidden, (await token.GetAsync(export.DownloadPath)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await token.PostAsJsonAsync(list, new { format = "raw" })).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await token.DeleteAsync(delete)).StatusCode);
        }

        var manage = Bearer(await api.TokenAsync("manage"));
        Assert.Equal(HttpStatusCode.PartialContent, (await manage.SendAsync(Ranged(export, "bytes=0-7"))).StatusCode);

        Assert.Single(await api.GetAsync<DiskExportView[]>(list));
        Assert.Equal(1, await _portal.CountAsync<DiskExportRecord>());
    }

    [Fact]
    public async Task A_user_with_an_operate_grant_may_not_export_the_disk()
    {
        var admin = Kamp("baecker", "baecker-pass-1");
        var created = await admin.CreateVmAsync("export-grant");
        await admin.CompleteAsync(Task.FromResult(created));
        var users = await admin.GetAsync<UserView[]>("/api/v1/users");
        var granted = await admin.PostAsJsonAsync($"/api/v1/users/{users.Single(u => u.UserName == "geselle").Id}/grants", new { vmId = created.VmId, level = "operate" });
        Assert.True(granted.IsSuccessStatusCode, await granted.Content.ReadAsStringAsync());
        var export = await ExportAsync(admin, created.VmId, "raw");

        var geselle = Kamp("geselle", "geselle-pass-1");
        Assert.Equal(HttpStatusCode.OK, (await geselle.GetAsync($"/api/v1/vms/{created.VmId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await geselle.PostAsJsonAsync($"/api/v1/vms/{created.VmId}/disk-exports", new { format = "raw" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await geselle.GetAsync(export.DownloadPath)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await geselle.GetAsync($"/api/v1/vms/{created.VmId}/disk-exports")).StatusCode);
    }

    [Fact]
    public async Task Deleting_the_export_or_the_vm_removes_the_file_and_a_vm_keeps_at_most_three()
    {
        var api = _portal.Demo();
        var vmId = await StoppedVmAsync(api, "export-delete");
        var node = (await api.GetAsync<VmView>($"/api/v1/vms/{vmId}")).NodeName;
        var adapter = _portal.Agents[node].Adapter;
        var exports = new List<DiskExportView>();
        for (var i = 0; i < 3; i++)
        {
            exports.Add(await ExportAsync(api, vmId, i == 1 ? "qcow2" : "raw"));
        }

        var fourth = await api.PostAsJsonAsync($"/api/v1/vms/{vmId}/disk-exports", new { format = "raw" });
        Assert.Equal(HttpStatusCode.Conflict, fourth.StatusCode);
        Assert.Contains("delete one first", (await fourth.ProblemAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);

        var deleted = await api.DeleteAsync($"/api/v1/vms/{vmId}/disk-exports/{exports[0].Id}");
        Assert.Equal(HttpStatusCode.Accepted, deleted.StatusCode);
        await api.CompleteAsync(deleted.Content.ReadFromJsonAsync<JobAccepted>(Api.Json)!);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync(exports[0].DownloadPath)).StatusCode);
        var gone = await Assert.ThrowsAsync<VirtualCore.Plugins.Sdk.HypervisorAdapterException>(() => adapter.OpenDiskExportAsync(vmId, exports[0].Id, 0, default));
        Assert.Equal(VirtualCore.Plugins.Sdk.AdapterErrorCode.DiskExportNotFound, gone.Code);
        await using (var kept = await adapter.OpenDiskExportAsync(vmId, exports[1].Id, 0, default))
        {
            Assert.Equal(exports[1].SizeBytes, kept.Length);
        }

        var vm = await api.GetAsync<VmView>($"/api/v1/vms/{vmId}");
        var removal = await api.DeleteAsync($"/api/v1/vms/{vmId}?confirm={vm.Name}");
        Assert.True(removal.StatusCode == HttpStatusCode.Accepted, await removal.Content.ReadAsStringAsync());
        await api.CompleteAsync(removal.Content.ReadFromJsonAsync<JobAccepted>(Api.Json)!);
        Assert.Equal(0, await _portal.CountAsync<DiskExportRecord>());
        foreach (var export in exports.Skip(1))
        {
            await Assert.ThrowsAsync<VirtualCore.Plugins.Sdk.HypervisorAdapterException>(() => adapter.OpenDiskExportAsync(vmId, export.Id, 0, default));
        }
    }

    [Fact]
    public async Task An_expired_export_is_refused_and_swept_from_its_rack_server()
    {
        var api = _portal.Demo();
        var vmId = await StoppedVmAsync(api, "export-expiry");
        var export = await ExportAsync(api, vmId, "raw");
        await _portal.DbAsync(async db =>
            await db.Set<DiskExportRecord>().Where(e => e.Id == export.Id).ExecuteUpdateAsync(s => s.SetProperty(e => e.ExpiresAt, DateTimeOffset.UtcNow.AddMinutes(-1))));

        var expired = await api.GetAsync(export.DownloadPath);
        Assert.Equal(HttpStatusCode.Conflict, expired.StatusCode);
        Assert.Contains("expired", (await expired.ProblemAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);

        var queued = await DiskExportSweeper.SweepAsync(_portal.Services.GetRequiredService<IServiceScopeFactory>(), DateTimeOffset.UtcNow, NullLogger.Instance, default);
        Assert.Equal(1, queued);
        var job = (await api.GetAsync<JobView[]>($"/api/v1/jobs?vmId={vmId}&action=disk-export-delete")).Single();
        await api.WaitForJobAsync(job.Id);
        Assert.Equal(0, await _portal.CountAsync<DiskExportRecord>());
    }

    [Fact]
    public async Task The_vm_page_exports_the_disk_and_offers_the_download()
    {
        var api = _portal.Demo();
        var vmId = await StoppedVmAsync(api, "export-page");
        using var browser = _portal.Session();
        Assert.Equal("/vms", await browser.SignInAsync("demo", "demo-pass-1"));
        Assert.Contains("id=\"disk-exports\"", await browser.Client.GetStringAsync($"/vms/{vmId}"), StringComparison.Ordinal);

        var posted = await browser.PostFormAsync($"/vms/{vmId}/disk-exports", new Dictionary<string, string> { ["format"] = "raw", ["recoveryPointId"] = "" }, $"/vms/{vmId}");
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        var job = (await api.GetAsync<JobView[]>($"/api/v1/jobs?vmId={vmId}&action=disk-export")).Single();
        Assert.Equal("completed", (await api.WaitForJobAsync(job.Id)).Status);

        var page = await browser.Client.GetStringAsync($"/vms/{vmId}");
        var export = (await api.GetAsync<DiskExportView[]>($"/api/v1/vms/{vmId}/disk-exports")).Single();
        Assert.Contains($"href=\"{export.DownloadPath}\"", page, StringComparison.Ordinal);
        using var download = await browser.Client.SendAsync(Ranged(export, "bytes=8-15"));
        Assert.Equal(HttpStatusCode.PartialContent, download.StatusCode);
        AssertPattern(await download.Content.ReadAsByteArrayAsync(), 8);

        var refused = await browser.PostFormAsync($"/vms/{vmId}/disk-exports", new Dictionary<string, string> { ["format"] = "iso" }, $"/vms/{vmId}");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("qcow2 or raw", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static async Task<Guid> StoppedVmAsync(HttpClient api, string name)
    {
        var created = await api.CreateVmAsync(name);
        await api.CompleteAsync(Task.FromResult(created));
        Assert.Equal("shut-off", (await api.GetAsync<VmView>($"/api/v1/vms/{created.VmId}")).State);
        return created.VmId;
    }

    private static async Task<DiskExportView> ExportAsync(HttpClient api, Guid vmId, string format, Guid? recoveryPointId = null)
    {
        var response = await api.PostAsJsonAsync($"/api/v1/vms/{vmId}/disk-exports", new { format, recoveryPointId });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var job = await api.CompleteAsync(response.Content.ReadFromJsonAsync<JobAccepted>(Api.Json)!);
        Assert.Equal("disk-export", job.Action);
        Assert.Contains("ready to download", job.Info, StringComparison.Ordinal);
        var exports = await api.GetAsync<DiskExportView[]>($"/api/v1/vms/{vmId}/disk-exports");
        var export = exports.First();
        Assert.Equal("ready", export.Status);
        Assert.Equal(format, export.Format);
        Assert.True(export.ExpiresAt > DateTimeOffset.UtcNow.AddHours(23));
        return export;
    }

    private static HttpRequestMessage Ranged(DiskExportView export, string range)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, export.DownloadPath);
        request.Headers.TryAddWithoutValidation("Range", range);
        return request;
    }

    private static async Task AssertRangeAsync(HttpClient api, DiskExportView export, string range, long start, long length)
    {
        using var response = await api.SendAsync(Ranged(export, range));
        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(length, response.Content.Headers.ContentLength);
        Assert.Equal($"bytes {start}-{start + length - 1}/{export.SizeBytes}", response.Content.Headers.ContentRange!.ToString());
        AssertPattern(await response.Content.ReadAsByteArrayAsync(), start);
    }

    /// <summary>Each 8-byte word of the simulated raw export holds its own offset: any piece tells where it came from.</summary>
    private static void AssertPattern(byte[] bytes, long start)
    {
        var expected = new byte[bytes.Length + 16];
        var aligned = start - (start % 8);
        for (var i = 0; i + 8 <= expected.Length; i += 8)
        {
            BinaryPrimitives.WriteInt64BigEndian(expected.AsSpan(i), aligned + i);
        }

        Assert.True(expected.AsSpan((int)(start - aligned), bytes.Length).SequenceEqual(bytes), $"the bytes from {start} are not the export's");
    }


    private HttpClient Bearer(string token)
    {
        var client = _portal.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://localhost") });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private HttpClient Kamp(string user, string password)
    {
        var client = _portal.ApiClient(user, password);
        client.BaseAddress = new Uri("http://kamp.localhost");
        return client;
    }
}
