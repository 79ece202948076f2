using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Portal.Tests;
using static VirtualCore.Portal.QemuTests.LiveMigrationTests;

namespace VirtualCore.Portal.QemuTests;

/// <summary>
/// The portal's API against the real tiny guest: its DHCP lease shows as the VM's address, it shuts down by ACPI, and a
/// recovery point taken through the API brings back the disk the guest boots from. The guest keeps a boot counter in the
/// first sector of its disk (scripts/qemu/build-guest.sh), read here from the node's image file.
/// </summary>
[Collection(QemuPortalCollection.Name)]
public sealed class GuestTests(QemuPortalFixture nodes, ITestOutputHelper output)
{
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_booted_guest_shows_the_address_it_leased_and_shuts_down_by_acpi()
    {
        var api = await OnlineAsync(nodes);
        var vm = await CreateRunningAsync(api, "leasing");
        var booted = Stopwatch.StartNew();

        // The guest runs acpid before it asks for a lease, so an address also says the guest is up.
        var addressed = await PollAsync(() => api.GetAsync<VmView>($"/api/v1/vms/{vm.Id}"), v => v.Addresses.Count > 0, TimeSpan.FromMinutes(1));
        output.WriteLine($"[portal-qemu] address {string.Join(", ", addressed.Addresses)} shown {booted.Elapsed.TotalSeconds:F1} s after the start job completed");
        var leases = await nodes.LeasesAsync(vm.NodeName, vm.Id);
        Assert.NotEmpty(leases);
        Assert.Equal(leases.Order(StringComparer.Ordinal), addressed.Addresses.Order(StringComparer.Ordinal));

        var shutdown = Stopwatch.StartNew();
        var job = await api.WaitForJobAsync((await api.ActAsync(vm.Id, "shutdown")).JobId, JobTimeout);
        output.WriteLine($"[portal-qemu] ACPI shutdown: {shutdown.Elapsed.TotalSeconds:F1} s, {job.Info}");
        Assert.True(job.Status == JobStatuses.Completed, $"{job.Status}: {job.Info}");
        Assert.Equal("shutdown", job.Action);
        Assert.Equal("Shut down by ACPI.", job.Info);
        var off = await PollAsync(() => api.GetAsync<VmView>($"/api/v1/vms/{vm.Id}"), v => v.OpenJobId is null);
        Assert.Equal(VmStates.ShutOff, off.State);
        Assert.Equal("shut off", await nodes.DomainStateAsync(vm.NodeName, vm.Id));
        Assert.Equal("shut off (shutdown)", await nodes.DomainStateAsync(vm.NodeName, vm.Id, withReason: true));

        await DeleteAsync(api, off);
    }

    [Fact]
    public async Task Reverting_a_recovery_point_through_the_api_brings_back_the_disk_the_guest_boots_from()
    {
        var api = await OnlineAsync(nodes);
        var created = await api.CreateVmAsync("reverting", vcpus: 1, memoryGiB: 1, diskGiB: 10, iso: "tiny-guest");
        Assert.True((await api.WaitForJobAsync(created.JobId, JobTimeout)).Status == JobStatuses.Completed);
        var vm = await api.GetAsync<VmView>($"/api/v1/vms/{created.VmId}");
        Assert.Equal("", await nodes.DiskFirstLineAsync(vm.NodeName, vm.Id));

        // The first boot counts itself on the blank disk; the point, taken stopped, holds counter 1.
        await BootAndShutDownAsync(api, vm, expected: 1);
        var take = await api.PostAsJsonAsync($"/api/v1/vms/{vm.Id}/recovery-points", new { note = "booted once" });
        Assert.True(take.StatusCode == HttpStatusCode.Accepted, await take.Content.ReadAsStringAsync());
        await api.CompleteAsync(take.Content.ReadFromJsonAsync<JobAccepted>(Api.Json)!);
        var point = Assert.Single(await api.GetAsync<RecoveryPointView[]>($"/api/v1/vms/{vm.Id}/recovery-points"));
        Assert.Equal("ready", point.Status);

        // The next boot reads 1 and writes 2.
        await BootAndShutDownAsync(api, vm, expected: 2);

        // Without confirmation the API refuses and the disk stays as it is.
        var unconfirmed = await api.PostAsync($"/api/v1/vms/{vm.Id}/recovery-points/{point.Id}/revert", null);
        Assert.Equal(HttpStatusCode.BadRequest, unconfirmed.StatusCode);
        Assert.True((await unconfirmed.ProblemAsync()).GetProperty("errors").TryGetProperty("confirm", out _));
        Assert.Equal(Counter(2), await nodes.DiskFirstLineAsync(vm.NodeName, vm.Id));

        var revert = await api.PostAsync($"/api/v1/vms/{vm.Id}/recovery-points/{point.Id}/revert?confirm=true", null);
        Assert.Equal(HttpStatusCode.Accepted, revert.StatusCode);
        var reverted = await api.CompleteAsync(revert.Content.ReadFromJsonAsync<JobAccepted>(Api.Json)!);
        output.WriteLine($"[portal-qemu] revert: {reverted.Info}");
        Assert.Equal(VmStates.ShutOff, (await PollAsync(() => api.GetAsync<VmView>($"/api/v1/vms/{vm.Id}"), v => v.OpenJobId is null)).State);
        Assert.Equal(Counter(1), await nodes.DiskFirstLineAsync(vm.NodeName, vm.Id));

        // The guest boots from the disk of the point: it reads 1 again and writes 2, not 3.
        await BootAndShutDownAsync(api, vm, expected: 2);

        await DeleteAsync(api, await api.GetAsync<VmView>($"/api/v1/vms/{vm.Id}"));
    }

    private static string Counter(int n) => $"VCORE-COUNTER {n}";

    /// <summary>
    /// Starts the VM, waits until the guest has written its counter (which it does once it has its lease), checks it,
    /// and shuts the guest down by ACPI.
    /// </summary>
    private async Task BootAndShutDownAsync(HttpClient api, VmView vm, int expected)
    {
        var before = await nodes.DiskFirstLineAsync(vm.NodeName, vm.Id);
        var start = await api.WaitForJobAsync((await api.ActAsync(vm.Id, "start")).JobId, JobTimeout);
        Assert.True(start.Status == JobStatuses.Completed, $"start: {start.Info}");
        var boot = Stopwatch.StartNew();
        // The guest rewrites its first sector; a read in the middle of that sees neither the old line nor the new one.
        var line = await PollAsync(
            () => nodes.DiskFirstLineAsync(vm.NodeName, vm.Id),
            l => l != before && l.StartsWith("VCORE-COUNTER ", StringComparison.Ordinal),
            BootTimeout);
        output.WriteLine($"[portal-qemu] guest wrote \"{line}\" {boot.Elapsed.TotalSeconds:F1} s after the start job completed");
        Assert.Equal(Counter(expected), line);

        await api.CompleteAsync(api.ActAsync(vm.Id, "shutdown"));
        Assert.Equal("shut off", await nodes.DomainStateAsync(vm.NodeName, vm.Id));
        Assert.Equal(Counter(expected), await nodes.DiskFirstLineAsync(vm.NodeName, vm.Id));
    }

    /// <summary>The demo customer's API, once both rack servers have reported in.</summary>
    /// <summary>The demo customer's API, once both QEMU rack servers have reported their capacity.</summary>
    internal static async Task<HttpClient> OnlineAsync(QemuPortalFixture nodes)
    {
        var api = nodes.Portal.Demo();
        await PollAsync(() => api.GetAsync<NodeUsageView[]>("/api/v1/nodes"), all => all.Count(n => n.Name.StartsWith("rack-", StringComparison.Ordinal) && n.Online && n.PhysicalCores > 0) == 2);
        return api;
    }

    internal static async Task DeleteAsync(HttpClient api, VmView vm)
    {
        var delete = await api.DeleteAsync($"/api/v1/vms/{vm.Id}?confirm={vm.Name}");
        Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        var job = await api.WaitForJobAsync((await delete.Content.ReadFromJsonAsync<JobAccepted>(Api.Json))!.JobId, JobTimeout);
        Assert.True(job.Status == JobStatuses.Completed, $"delete {vm.Name}: {job.Info}");
    }
}
