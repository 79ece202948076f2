using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Json;
using VirtualCore.Modules.Compute.Contracts;

namespace VirtualCore.Topology.Tests;

/// <summary>
/// A disk export in production: the agent of a remote rack server (its own process, commanded over RabbitMQ) writes it
/// with qemu-img, and a download from another portal instance reaches its bytes through the agent's outbound WebSocket,
/// whole or from an offset.
/// </summary>
[Collection(TopologyCollection.Name)]
public sealed class DiskExportTests(TopologyFixture topology)
{
    [Fact]
    public async Task An_export_made_through_instance_A_downloads_through_instance_B_whole_and_in_a_range()
    {
        using var a = topology.Api(0);
        using var b = topology.Api(1);
        var created = await a.CreateVmAsync("export");
        await a.CompletedAsync(created.JobId, LifecycleTests.JobTimeout, () => topology.Logs());
        var vm = await a.GetAsync<VmView>($"/api/v1/vms/{created.VmId}");
        Assert.Equal("shut-off", vm.State);

        var queued = await a.PostAsJsonAsync($"/api/v1/vms/{vm.Id}/disk-exports", new { format = "qcow2" });
        Assert.True(queued.StatusCode == HttpStatusCode.Accepted, await queued.Content.ReadAsStringAsync());
        var job = await a.CompletedAsync((await queued.Content.ReadFromJsonAsync<JobAccepted>(Api.Json))!.JobId, LifecycleTests.JobTimeout, () => topology.Logs());
        Assert.Contains("ready to download", job.Info, StringComparison.Ordinal);
        var export = (await b.GetAsync<DiskExportView[]>($"/api/v1/vms/{vm.Id}/disk-exports")).Single();

        var whole = await b.GetByteArrayAsync(export.DownloadPath);
        Assert.Equal(export.SizeBytes, whole.Length);
        Assert.Equal(0x514649fbu, BinaryPrimitives.ReadUInt32BigEndian(whole));
        Assert.Equal(vm.DiskGiB * (1L << 30), BinaryPrimitives.ReadInt64BigEndian(whole.AsSpan(24)));

        using var request = new HttpRequestMessage(HttpMethod.Get, export.DownloadPath);
        request.Headers.TryAddWithoutValidation("Range", "bytes=65000-");
        using var piece = await b.SendAsync(request);
        Assert.Equal(HttpStatusCode.PartialContent, piece.StatusCode);
        Assert.Equal(whole.AsSpan(65000).ToArray(), await piece.Content.ReadAsByteArrayAsync());

        var deleted = await b.DeleteAsync($"/api/v1/vms/{vm.Id}/disk-exports/{export.Id}");
        Assert.Equal(HttpStatusCode.Accepted, deleted.StatusCode);
        await b.CompletedAsync((await deleted.Content.ReadFromJsonAsync<JobAccepted>(Api.Json))!.JobId, LifecycleTests.JobTimeout, () => topology.Logs());
        Assert.Equal(HttpStatusCode.NotFound, (await a.GetAsync(export.DownloadPath)).StatusCode);
        await a.CompletedAsync((await a.DeleteVmAsync(vm)).JobId, LifecycleTests.JobTimeout, () => topology.Logs());
    }
}
