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
    public async Task A_node_agent_killed_hard_runs_the_commands_queued_meanwhile_once_after_it_starts_again()
    {
        using var a = topology.Api(0);
        using var b = topology.Api(1);
        var vm = (await CreateAsync(a, "agent-away"))[0];
        var node = vm.NodeName;
        try
        {
            // The portal sends the command again and again while nobody answers, and every copy waits in the queue.
            topology.Agents[node].Kill();
            var point = await a.ActAsync(vm.Id, "recovery-points", new { note = "while the agent was away" });
            await Tools.EventuallyAsync(
                () => topology.QueueDepthAsync($"vcore-node-{node}"),
                depth => depth >= 2,
                TimeSpan.FromSeconds(60),
                depth => $"vcore-node-{node} holds {depth} messages; the portal should have sent the command again\n{topology.Logs()}");
            topology.StartAgent(node);
            await WithDomainsAsync(vm.Id, () => b.CompletedAsync(point.JobId, JobTimeout, () => topology.Logs()));
            Assert.Single(await SnapshotsAsync(node, vm.Id));
            Assert.Single(await b.GetAsync<RecoveryPointView[]>($"/api/v1/vms/{vm.Id}/recovery-points"));
            await AssertSettledAsync(b, [vm], VmStates.ShutOff);
        }
        finally
        {
            topology.StartAgent(node);
            await DeleteAsync(b, [vm]);
        }
    }

    [Fact]
    public async Task A_node_agent_killed_hard_while_a_vm_moves_live_finishes_the_move_once_after_it_starts_again()
    {
        using var a = topology.Api(0);
        using var b = topology.Api(1);
        var vm = (await CreateAsync(a, "agent-killed"))[0];
        var source = vm.NodeName;
        var target = TopologyFixture.Nodes.Single(n => n != source);
        try
        {
            await a.CompletedAsync((await b.ActAsync(vm.Id, "start")).JobId, JobTimeout, () => topology.Logs());
            var move = await a.ActAsync(vm.Id, "migrate", new { targetNode = target });
            var moving = await Tools.EventuallyAsync(
                () => b.GetAsync<JobView>($"/api/v1/jobs/{move.JobId}"),
                j => j.Progress > 0 || j.Status is JobStatuses.Completed or JobStatuses.Failed,
                JobTimeout,
                j => $"{j}\n{topology.Logs()}");
            Assert.True(moving.Status == JobStatuses.Running, $"The move ended before its agent could be killed: {moving.Status} {moving.Info}");
            topology.Agents[source].Kill();
            topology.StartAgent(source);

            await WithDomainsAsync(vm.Id, () => b.CompletedAsync(move.JobId, JobTimeout, () => topology.Logs()));
            await AssertSettledAsync(a, [vm with { NodeName = target }], VmStates.Running);
        }
        finally
        {
            topology.StartAgent(source);
            await DeleteAsync(b, [vm]);
        }
    }

    [Fact]
    public async Task Jobs_in_flight_while_RabbitMQ_restarts_complete_once_it_is_back()
    {
        using var a = topology.Api(0);
        using var b = topology.Api(1);
        var vms = await CreateAsync(a, "bus-restart-1", "bus-restart-2");
        await using var live = await LiveFeed.ConnectAsync(topology.PortalAddresses[1]);
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
            // The page open on B before the restart hears the jobs accepted by A after it.
            foreach (var vm in vms)
            {
                var off = await a.ActAsync(vm.Id, "power-off");
                await b.CompletedAsync(off.JobId, JobTimeout, () => topology.Logs());
                await live.HeardAsync(off.JobId, [JobStatuses.Queued, JobStatuses.Completed], () => topology.Logs());
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

    /// <summary>Runs the check; when it fails, says where the VM's domain is on each node.</summary>
    private async Task WithDomainsAsync(Guid vmId, Func<Task> check)
    {
        try
        {
            await check();
        }
        catch (Exception ex) when (ex is Xunit.Sdk.XunitException or TimeoutException)
        {
            var domains = new List<string>();
            foreach (var node in TopologyFixture.Nodes)
            {
                domains.Add($"{node}: {await topology.DomainStateAsync(node, vmId) ?? "no domain"}");
            }

            throw new Xunit.Sdk.XunitException($"Domain {vmId} — {string.Join(", ", domains)}\n{ex.Message}");
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
