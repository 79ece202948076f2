using VirtualCore.Modules.Compute.Contracts;

namespace VirtualCore.Portal.Tests;

/// <summary>What happens on a rack server outside the portal shows in the portal: states through libvirt's domain events, addresses through the node's reports.</summary>
public sealed class OutsideChangesTests
{
    [Fact]
    public async Task A_domain_powered_off_outside_the_portal_shows_as_shut_off_through_domain_events()
    {
        // No heartbeats during the test: only the domain events can tell the portal.
        await using var portal = new PortalFixture(settings: new Dictionary<string, string> { ["NodeAgentDefaults:HeartbeatInterval"] = "01:00:00" });
        var api = portal.Demo();
        var created = await api.CreateVmAsync("outside");
        await api.CompleteAsync(Task.FromResult(created));
        await api.CompleteAsync(api.ActAsync(created.VmId, "start"));
        var vm = await api.GetAsync<VmView>($"/api/v1/vms/{created.VmId}");

        await portal.Agents[vm.NodeName].Adapter.PowerOffDomainAsync(vm.Id, default);

        Assert.Equal(VmStates.ShutOff, await WaitForStateAsync(api, vm.Id, VmStates.ShutOff));
        Assert.Equal(2, (await api.GetAsync<JobView[]>($"/api/v1/jobs?vmId={vm.Id}")).Length);
    }

    [Fact]
    public async Task A_running_vm_shows_the_addresses_its_rack_server_sees()
    {
        await using var portal = new PortalFixture();
        var api = portal.Demo();
        var created = await api.CreateVmAsync("addressed");
        await api.CompleteAsync(Task.FromResult(created));
        Assert.Empty((await api.GetAsync<VmView>($"/api/v1/vms/{created.VmId}")).Addresses);
        await api.CompleteAsync(api.ActAsync(created.VmId, "start"));

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        VmView vm;
        while ((vm = await api.GetAsync<VmView>($"/api/v1/vms/{created.VmId}")).Addresses.Count == 0)
        {
            await Task.Delay(100, cts.Token);
        }

        Assert.All(vm.Addresses, a => Assert.True(System.Net.IPNetwork.TryParse(a, out _), a));
        var fromNode = await portal.Agents[vm.NodeName].Adapter.GetInterfaceAddressesAsync(vm.Id, default);
        Assert.Equal(fromNode.Select(a => $"{a.Address}/{a.PrefixLength}").Distinct().Order(), vm.Addresses.Order());
    }

    private static async Task<string> WaitForStateAsync(HttpClient api, Guid vmId, string state)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        string current;
        while ((current = (await api.GetAsync<VmView>($"/api/v1/vms/{vmId}")).State) != state)
        {
            await Task.Delay(50, cts.Token);
        }

        return current;
    }
}
