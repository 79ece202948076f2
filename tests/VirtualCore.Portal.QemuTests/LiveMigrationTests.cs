using System.Net;
using System.Net.Http.Json;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Portal.Tests;

namespace VirtualCore.Portal.QemuTests;

/// <summary>A VM created and started through the portal on a real QEMU rack server moves live to the other one through the API.</summary>
[Collection(QemuPortalCollection.Name)]
public sealed class LiveMigrationTests(QemuPortalFixture nodes, ITestOutputHelper output)
{
    internal static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task A_running_vm_moves_to_the_other_rack_server_onto_the_cores_the_portal_reserved_there()
    {
        var api = nodes.Portal.Demo();
        await PollAsync(() => api.GetAsync<NodeUsageView[]>("/api/v1/nodes"), all => all.Count(n => n.Name.StartsWith("rack-", StringComparison.Ordinal) && n.Online && n.PhysicalCores > 0) == 2);

        // The first VM goes to rack-1; the second takes a core on rack-2, so the first gets another core there than it had.
        var moving = await CreateRunningAsync(api, "moving");
        var source = moving.NodeName;
        var target = source == "rack-1" ? "rack-2" : "rack-1";
        var neighbour = await CreateRunningAsync(api, "neighbour");
        Assert.Equal(target, neighbour.NodeName);
        Assert.Equal(moving.PinnedCores, await nodes.PinsAsync(source, moving.Id));

        // Both heartbeats have told the portal the nodes migrate live.
        var offered = await PollAsync(
            () => api.GetAsync<MigrationTargetView[]>($"/api/v1/vms/{moving.Id}/migration-targets"),
            all => all.Any(t => t.Name == target && t.Refusal is null));
        output.WriteLine($"[portal-qemu] targets: {string.Join("; ", offered.Select(t => $"{t.Name} {t.FreeCores} cores {t.Refusal}"))}");
        var usedBefore = (await api.GetAsync<NodeUsageView[]>("/api/v1/nodes")).ToDictionary(n => n.Name, n => n.UsedCores);

        var response = await api.PostAsJsonAsync($"/api/v1/vms/{moving.Id}/migrate", new { targetNode = target });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var accepted = (await response.Content.ReadFromJsonAsync<JobAccepted>(Api.Json))!;

        // While it moves, the target's cores are reserved and the VM still counts on its source.
        var reserved = (await api.GetAsync<NodeUsageView[]>("/api/v1/nodes")).ToDictionary(n => n.Name, n => n.UsedCores);
        Assert.Equal(usedBefore[target] + moving.VCpus, reserved[target]);
        Assert.Equal(usedBefore[source], reserved[source]);
        Assert.Equal(source, (await api.GetAsync<VmView>($"/api/v1/vms/{moving.Id}")).NodeName);

        var seen = new List<int>();
        var job = await PollAsync(() => api.GetAsync<JobView>($"/api/v1/jobs/{accepted.JobId}"), j =>
        {
            seen.Add(j.Progress);
            return j.Status is JobStatuses.Completed or JobStatuses.Failed;
        }, JobTimeout);
        output.WriteLine($"[portal-qemu] {job.Info} (progress seen: {string.Join(", ", seen.Distinct())})");

        Assert.True(job.Status == JobStatuses.Completed, $"{job.Status}: {job.Info}");
        Assert.Equal("migrate", job.Action);
        Assert.Equal(100, job.Progress);
        Assert.NotNull(job.DowntimeMs);
        Assert.InRange(job.DowntimeMs!.Value, 1, 10_000);
        Assert.StartsWith($"Moved to {target} in ", job.Info, StringComparison.Ordinal);
        Assert.Contains($"downtime {job.DowntimeMs} ms", job.Info, StringComparison.Ordinal);

        var moved = await api.GetAsync<VmView>($"/api/v1/vms/{moving.Id}");
        Assert.Equal(target, moved.NodeName);
        Assert.Equal(VmStates.Running, moved.State);
        Assert.Equal(moving.VCpus, moved.PinnedCores.Count);
        Assert.Empty(moved.PinnedCores.Intersect(neighbour.PinnedCores));
        Assert.Equal(moved.PinnedCores, await nodes.PinsAsync(target, moving.Id));

        Assert.Equal("running", await nodes.DomainStateAsync(target, moving.Id));
        Assert.Contains(moving.Id, await nodes.DomainsAsync(target));
        Assert.DoesNotContain(moving.Id, await nodes.DomainsAsync(source));

        // The source's cores are free again; the target's stay taken.
        var after = (await api.GetAsync<NodeUsageView[]>("/api/v1/nodes")).ToDictionary(n => n.Name, n => n.UsedCores);
        Assert.Equal(usedBefore[source] - moving.VCpus, after[source]);
        Assert.Equal(usedBefore[target] + moving.VCpus, after[target]);

        // Heartbeats after the move (the target's events and reports now) leave it running where it is.
        var end = job.EndedAt!.Value;
        await PollAsync(() => api.GetAsync<NodeUsageView[]>("/api/v1/nodes"), all => all.All(n => !n.Name.StartsWith("rack-", StringComparison.Ordinal) || n.LastHeartbeatAt > end.AddSeconds(2)));
        var settled = await api.GetAsync<VmView>($"/api/v1/vms/{moving.Id}");
        Assert.Equal((target, VmStates.Running), (settled.NodeName, settled.State));

        foreach (var vm in new[] { moved, neighbour })
        {
            var delete = await api.DeleteAsync($"/api/v1/vms/{vm.Id}?confirm={vm.Name}");
            Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
            await api.CompleteAsync(delete.Content.ReadFromJsonAsync<JobAccepted>(Api.Json)!);
        }
    }

    internal static async Task<VmView> CreateRunningAsync(HttpClient api, string name)
    {
        var accepted = await api.CreateVmAsync(name, vcpus: 1, memoryGiB: 1, diskGiB: 10, iso: "tiny-guest");
        var job = await api.WaitForJobAsync(accepted.JobId, JobTimeout);
        Assert.True(job.Status == JobStatuses.Completed, $"create {name}: {job.Info}");
        var start = await api.WaitForJobAsync((await api.ActAsync(accepted.VmId, "start")).JobId, JobTimeout);
        Assert.True(start.Status == JobStatuses.Completed, $"start {name}: {start.Info}");
        return await PollAsync(() => api.GetAsync<VmView>($"/api/v1/vms/{accepted.VmId}"), vm => vm.State == VmStates.Running && vm.OpenJobId is null);
    }

    internal static async Task<T> PollAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            await Task.Delay(200, deadline.Token);
        }
    }
}
