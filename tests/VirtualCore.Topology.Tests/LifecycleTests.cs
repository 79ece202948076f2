using System.Net;
using VirtualCore.Modules.Compute.Contracts;

namespace VirtualCore.Topology.Tests;

/// <summary>
/// A VM's whole life through both portal instances: each step is asked of one instance and its job followed on the
/// other, and the domain is checked on the rack server's own libvirtd.
/// </summary>
[Collection(TopologyCollection.Name)]
public sealed class LifecycleTests(TopologyFixture topology, ITestOutputHelper output)
{
    internal static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task A_vm_is_created_started_moved_live_shut_down_and_deleted_across_both_instances_and_both_nodes()
    {
        using var a = topology.Api(0);
        using var b = topology.Api(1);

        var created = await a.CreateVmAsync("lifecycle");
        await b.CompletedAsync(created.JobId, JobTimeout, () => topology.Logs());
        var vm = await b.GetAsync<VmView>($"/api/v1/vms/{created.VmId}");
        var source = vm.NodeName;
        var target = TopologyFixture.Nodes.Single(n => n != source);
        Assert.Equal("shut off", await topology.DomainStateAsync(source, vm.Id));

        await b.CompletedAsync((await a.ActAsync(vm.Id, "start")).JobId, JobTimeout, () => topology.Logs());
        Assert.Equal("running", await topology.DomainStateAsync(source, vm.Id));
        // The guest answers ACPI only once it has booted; its DHCP lease (through the heartbeat) says it has.
        await Tools.EventuallyAsync(() => a.GetAsync<VmView>($"/api/v1/vms/{vm.Id}"), v => v.Addresses.Count > 0, TimeSpan.FromSeconds(90), v => $"{v}\n{topology.Logs()}");

        var moved = await b.CompletedAsync((await a.ActAsync(vm.Id, "migrate", new { targetNode = target })).JobId, JobTimeout, () => topology.Logs());
        output.WriteLine($"[topology] {moved.Info}");
        Assert.Equal("running", await topology.DomainStateAsync(target, vm.Id));
        Assert.Null(await topology.DomainStateAsync(source, vm.Id));
        var there = await a.GetAsync<VmView>($"/api/v1/vms/{vm.Id}");
        Assert.Equal((target, VmStates.Running), (there.NodeName, there.State));

        var shutdown = await a.CompletedAsync((await b.ActAsync(vm.Id, "shutdown")).JobId, JobTimeout, () => topology.Logs());
        Assert.Equal("Shut down by ACPI.", shutdown.Info);
        Assert.Equal("shut off", await topology.DomainStateAsync(target, vm.Id));
        var off = await Tools.EventuallyAsync(() => a.GetAsync<VmView>($"/api/v1/vms/{vm.Id}"), v => v.OpenJobId is null, TimeSpan.FromSeconds(30), v => $"{v}");
        Assert.Equal(VmStates.ShutOff, off.State);

        await b.CompletedAsync((await a.DeleteVmAsync(off)).JobId, JobTimeout, () => topology.Logs());
        Assert.Null(await topology.DomainStateAsync(target, vm.Id));
        Assert.Null(await topology.DomainStateAsync(source, vm.Id));
        Assert.Equal(HttpStatusCode.NotFound, (await b.GetAsync($"/api/v1/vms/{vm.Id}")).StatusCode);
    }

    [Fact]
    public async Task A_job_accepted_by_instance_A_reaches_a_live_page_on_instance_B_from_queued_to_completed()
    {
        await using var live = await LiveFeed.ConnectAsync(topology.PortalAddresses[1]);
        using var a = topology.Api(0);
        var created = await a.CreateVmAsync("heard-on-b");
        await a.CompletedAsync(created.JobId, JobTimeout, () => topology.Logs());

        // The queued state is told by the instance that accepted the job, and only there: B hears it through the bus.
        var heard = await live.HeardAsync(created.JobId, [JobStatuses.Queued, JobStatuses.Completed], () => topology.Logs());
        output.WriteLine($"[topology] B heard: {string.Join(" → ", heard)}");

        var vm = await a.GetAsync<VmView>($"/api/v1/vms/{created.VmId}");
        await a.CompletedAsync((await a.DeleteVmAsync(vm)).JobId, JobTimeout, () => topology.Logs());
    }
}
