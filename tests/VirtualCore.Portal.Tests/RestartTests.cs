using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Portal.Tests;

/// <summary>A restart of the portal keeps what was there: the VMs, and their domains on the simulated rack servers, in the same state.</summary>
public sealed class RestartTests
{
    [Fact]
    public async Task Vms_and_their_domains_survive_a_restart_in_the_state_they_had()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "vcore-tests", Guid.NewGuid().ToString("N"));
        Guid running, stopped;
        await using (var first = new PortalFixture(dataDirectory))
        {
            var api = first.Demo();
            var a = await api.CreateVmAsync("stays-running");
            var b = await api.CreateVmAsync("stays-off");
            await api.CompleteAsync(Task.FromResult(a));
            await api.CompleteAsync(Task.FromResult(b));
            await api.CompleteAsync(api.ActAsync(a.VmId, "start"));
            (running, stopped) = (a.VmId, b.VmId);
        }

        await using var second = new PortalFixture(dataDirectory);
        var again = second.Demo();
        var vms = await again.GetAsync<VmView[]>("/api/v1/vms");
        Assert.Equal(VmStates.Running, vms.Single(v => v.Id == running).State);
        Assert.Equal(VmStates.ShutOff, vms.Single(v => v.Id == stopped).State);

        foreach (var vm in vms)
        {
            var domains = await second.Agents[vm.NodeName].Adapter.ListDomainsAsync(default);
            var domain = domains.Single(d => d.Id == vm.Id);
            Assert.Equal(vm.Id == running ? DomainState.Running : DomainState.ShutOff, domain.State);
        }

        // And it still works: the stopped one starts.
        await again.CompleteAsync(again.ActAsync(stopped, "start"));
    }
}
