using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Portal.Tests;

/// <summary>A create that the rack server refuses, as when something outside the portal stands in the VM's way.</summary>
internal static class RackServerRefusal
{
    /// <summary>
    /// Asks for a VM whose definition the rack server refuses: before its agent defines it, a domain with the VM's id
    /// but another name appears there outside the portal. The agent waits for the VM while the test holds it.
    /// </summary>
    public static async Task<JobAccepted> CreateRefusedVmAsync(this PortalFixture portal, HttpClient api, string name, int vcpus)
    {
        foreach (var agent in portal.Agents.Agents)
        {
            await agent.StopAsync();
        }

        var accepted = await api.CreateVmAsync(name, vcpus: vcpus);
        var node = portal.Agents[(await api.GetAsync<VmView>($"/api/v1/vms/{accepted.VmId}")).NodeName];
        var gate = node.LockFor(accepted.VmId);
        await gate.WaitAsync();
        try
        {
            foreach (var agent in portal.Agents.Agents)
            {
                await agent.StartAsync(default);
            }

            await node.Adapter.DefineDomainAsync(new DomainSpec(accepted.VmId, "outsider", 1, 1L << 30, [], [], null, []), default);
        }
        finally
        {
            gate.Release();
        }

        return accepted;
    }
}
