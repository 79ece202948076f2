using System.Net;
using VirtualCore.Modules.Compute.Contracts;

namespace VirtualCore.Topology.Tests;

/// <summary>
/// Each part of the topology fails while jobs are in flight: a portal instance and a node agent are killed hard
/// (SIGKILL), RabbitMQ and PostgreSQL are restarted. Afterwards no job is lost or left running, none was carried out
/// twice, and every VM's state in the API is what the rack server's libvirtd says. Each test brings the topology back
/// for the next.
/// </summary>
[Collection(TopologyCollection.Name)]
public sealed class FaultTests(TopologyFixture topology, ITestOutputHelper output)
{
    private static readonly TimeSpan JobTimeout = LifecycleTests.JobTimeout;

    [Fact]
    public async Task Jobs_accepted_by_an_instance_killed_hard_still_complete_and_the_other_instance_serves()
    {
        using var a = topology.Api(0);
        using var b = topology.Api(1);
        var vms = await CreateAsync(a, "kill-portal-1", "kill-portal-2");
        try
        {
            var starts = new List<JobAccepted>();
            foreach (var vm in vms)
            {
                starts.Add(await a.ActAsync(vm.Id, "start"));
            }

            topology.Portals[0].Kill();

            foreach (var start in starts)
            {
                await b.CompletedAsync(start.JobId, JobTimeout, () => topology.Logs());
            }

            await AssertSettledAsync(b, vms, VmStates.Running);
            var off = await b.ActAsync(vms[0].Id, "power-off");
            await b.CompletedAsync(off.JobId, JobTimeout, () => topology.Logs());
            await AssertSettledAsync(b, [vms[0]], VmStates.ShutOff);
        }
        finally
        {
            await topology.StartPortalAsync(0);
            await DeleteAsync(b, vms);
        }
    }

    [Fact]
    public async Task A_node_agent_killed_hard_runs_its_queued_and_interrupted_commands_once_after_it_starts_again()
    {
        using var a = topology.Api(0);
        using var b = topology.Api(1);
        var vm = (await CreateAsync(a, "kill-agent"))[0];
        var node = vm.NodeName;
        var agent = topology.Agents[node];
        try
        {
            // Queued while the agent is away: the portal sends the command again and again, and every copy waits.
            agent.Kill();
            var first = await a.ActAsync(vm.Id, "recovery-points", new { note = "while the agent was away" });
            await Tools.EventuallyAsync(
                () => topology.QueueDepthAsync($"vcore-node-{node}"),
                depth => depth >= 2,
                TimeSpan.FromSeconds(60),
                depth => $"vcore-node-{node} holds {depth} messages; the portal should have sent the command again\n{topology.Logs()}");
            topology.StartAgent(node);
            await b.CompletedAsync(first.JobId, JobTimeout, () => topology.Logs());
            Assert.Single(await SnapshotsAsync(node, vm.Id));

            // Interrupted: the agent dies while it carries the command out, and gets it again when it is back.
            await a.CompletedAsync((await b.ActAsync(vm.Id, "start")).JobId, JobTimeout, () => topology.Logs());
            var second = await a.ActAsync(vm.Id, "recovery-points", new { note = "while the agent died" });
            await Tools.EventuallyAsync(
                () => b.GetAsync<JobView>($"/api/v1/jobs/{second.JobId}"),
                j => j.Status != JobStatuses.Queued,
                JobTimeout,
                j => $"{j}\n{topology.Logs()}");
            agent.Kill();
            topology.StartAgent(node);
            await b.CompletedAsync(second.JobId, JobTimeout, () => topology.Logs());
            Assert.Equal(2, (await SnapshotsAsync(node, vm.Id)).Count);
            var points = await b.GetAsync<RecoveryPointView[]>($"/api/v1/vms/{vm.Id}/recovery-points");
            Assert.Equal(2, points.Length);

            await AssertSettledAsync(b, [vm], VmStates.Running);
        }
        finally
        {
            topology.StartAgent(node);
            await DeleteAsync(b, [vm]);
        }
    }

    [Fact]
    public async Task Jobs_in_flight_while_RabbitMQ_restarts_complete_once_it_is_back()
    {
        using var a = topology.Api(0);
        using var b = topology.Api(1);
        var vms = await CreateAsync(a, "bus-restart-1", "bus-restart-2");
        try
        {
            var starts = new[] { await a.ActAsync(vms[0].Id, "start"), await b.ActAsync(vms[1].Id, "start") };
            var restarted = DateTimeOffset.UtcNow;
            await topology.RestartRabbitMqAsync();
            output.WriteLine($"[topology] RabbitMQ restarted in {(DateTimeOffset.UtcNow - restarted).TotalSeconds:F1} s");

            foreach (var start in starts)
            {
                await b.CompletedAsync(start.JobId, JobTimeout, () => topology.Logs());
            }

            await AssertSettledAsync(a, vms, VmStates.Running);
            // Every process is connected again: both agents report, and new commands travel.
            await topology.NodesOnlineAsync(heardSince: DateTimeOffset.UtcNow);
            foreach (var vm in vms)
            {
                await a.CompletedAsync((await b.ActAsync(vm.Id, "power-off")).JobId, JobTimeout, () => topology.Logs());
            }

            await AssertSettledAsync(b, vms, VmStates.ShutOff);
        }
        finally
        {
            await DeleteAsync(b, vms);
        }
    }

    [Fact]
    public async Task Jobs_in_flight_while_PostgreSQL_restarts_complete_once_it_is_back()
    {
        using var a = topology.Api(0);
        using var b = topology.Api(1);
        var vms = await CreateAsync(a, "db-restart-1", "db-restart-2");
        try
        {
            var starts = new[] { await a.ActAsync(vms[0].Id, "start"), await b.ActAsync(vms[1].Id, "start") };
            await topology.RestartPostgresAsync();

            foreach (var start in starts)
            {
                await b.CompletedAsync(start.JobId, JobTimeout, () => topology.Logs());
            }

            await AssertSettledAsync(a, vms, VmStates.Running);
            foreach (var vm in vms)
            {
                await a.CompletedAsync((await b.ActAsync(vm.Id, "power-off")).JobId, JobTimeout, () => topology.Logs());
            }

            await AssertSettledAsync(b, vms, VmStates.ShutOff);
        }
        finally
        {
            await DeleteAsync(b, vms);
        }
    }

    private async Task<VmView[]> CreateAsync(HttpClient api, params string[] names)
    {
        var accepted = new List<JobAccepted>();
        foreach (var name in names)
        {
            accepted.Add(await api.CreateVmAsync(name));
        }

        var vms = new List<VmView>();
        foreach (var job in accepted)
        {
            await api.CompletedAsync(job.JobId, JobTimeout, () => topology.Logs());
            vms.Add(await api.GetAsync<VmView>($"/api/v1/vms/{job.VmId}"));
        }

        return [.. vms];
    }

    /// <summary>
    /// No job of the VMs is still open, each VM has the expected state in the API, and that is the state of its
    /// domain on its rack server — which is the only node that has the domain.
    /// </summary>
    private async Task AssertSettledAsync(HttpClient api, IEnumerable<VmView> vms, string expected)
    {
        foreach (var vm in vms)
        {
            await Tools.EventuallyAsync(
                () => api.GetAsync<JobView[]>($"/api/v1/jobs?vmId={vm.Id}"),
                jobs => jobs.All(j => j.Status is JobStatuses.Completed or JobStatuses.Failed),
                JobTimeout,
                jobs => $"open jobs of {vm.Name}: {string.Join("; ", jobs?.Where(j => j.Status is not (JobStatuses.Completed or JobStatuses.Failed)).Select(j => $"{j.Action} {j.Status}") ?? [])}\n{topology.Logs()}");
            var jobs = await api.GetAsync<JobView[]>($"/api/v1/jobs?vmId={vm.Id}");
            Assert.All(jobs, j => Assert.True(j.Status == JobStatuses.Completed, $"{j.Action} {vm.Name}: {j.Status} — {j.Info}"));

            var seen = await Tools.EventuallyAsync(
                async () => (View: await api.GetAsync<VmView>($"/api/v1/vms/{vm.Id}"), Domain: await topology.DomainStateAsync(vm.NodeName, vm.Id)),
                s => s.View.State == expected && s.Domain == VirshState(expected),
                TimeSpan.FromSeconds(30),
                s => $"{vm.Name}: API {s.View?.State} on {s.View?.NodeName}, virsh '{s.Domain}'\n{topology.Logs()}");
            Assert.Equal(vm.NodeName, seen.View.NodeName);
            var other = TopologyFixture.Nodes.Single(n => n != vm.NodeName);
            Assert.Null(await topology.DomainStateAsync(other, vm.Id));
        }
    }

    private static string VirshState(string state) => state switch
    {
        VmStates.Running => "running",
        VmStates.ShutOff => "shut off",
        VmStates.Paused => "paused",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "No virsh state for it."),
    };

    private async Task<IReadOnlyList<string>> SnapshotsAsync(string node, Guid vmId) =>
        (await topology.VirshAsync(node, "snapshot-list", vmId.ToString(), "--name"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Deletes the VMs (powering them off first where they run), so the next test has the nodes' cores.</summary>
    private async Task DeleteAsync(HttpClient api, IEnumerable<VmView> vms)
    {
        foreach (var vm in vms)
        {
            var current = await api.GetAsync($"/api/v1/vms/{vm.Id}");
            if (current.StatusCode == HttpStatusCode.NotFound)
            {
                continue;
            }

            // A job the failed test left open must end before the VM takes another.
            await Tools.EventuallyAsync(
                () => api.GetAsync<VmView>($"/api/v1/vms/{vm.Id}"), v => v.OpenJobId is null, JobTimeout, v => $"{v}\n{topology.Logs()}");
            await api.CompletedAsync((await api.DeleteVmAsync(vm)).JobId, JobTimeout, () => topology.Logs());
        }
    }
}
