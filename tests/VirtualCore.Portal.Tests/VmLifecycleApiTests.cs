using System.Net;
using System.Net.Http.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Domain;
using VirtualCore.Node.Contracts.V1;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Portal.Tests;

/// <summary>The walking skeleton through every layer: REST API → Mediator → job row → bus → node agent → libvirt.</summary>
public sealed class VmLifecycleApiTests : IAsyncLifetime
{
    private readonly PortalFixture _portal = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task Create_start_and_shut_down_reach_libvirt_and_the_job_log()
    {
        var api = _portal.Demo();
        var created = await api.CreateVmAsync("web-1", vcpus: 2, memoryGiB: 3);
        var createJob = await api.CompleteAsync(Task.FromResult(created));
        Assert.Equal(("vServer", "web-1", "create", "demo"), (createJob.Type, createJob.Name, createJob.Action, createJob.UserName));
        Assert.NotNull(createJob.StartedAt);
        Assert.NotNull(createJob.EndedAt);

        var vm = await api.GetAsync<VmView>($"/api/v1/vms/{created.VmId}");
        Assert.Equal(VmStates.ShutOff, vm.State);
        Assert.Equal(2, vm.PinnedCores.Count);

        var adapter = _portal.Agents[vm.NodeName].Adapter;
        var domain = (await adapter.ListDomainsAsync(default)).Single(d => d.Id == vm.Id);
        Assert.Equal(("web-1", 2, 3L << 30, DomainState.ShutOff), (domain.Name, domain.VCpus, domain.MemoryBytes, domain.State));

        await api.CompleteAsync(api.ActAsync(vm.Id, "start"));
        Assert.Equal(DomainState.Running, await adapter.GetDomainStateAsync(vm.Id, default));
        Assert.Equal(VmStates.Running, (await api.GetAsync<VmView>($"/api/v1/vms/{vm.Id}")).State);

        await api.CompleteAsync(api.ActAsync(vm.Id, "shutdown"));
        Assert.Equal(DomainState.ShutOff, await adapter.GetDomainStateAsync(vm.Id, default));
        Assert.Equal(VmStates.ShutOff, (await api.GetAsync<VmView>($"/api/v1/vms/{vm.Id}")).State);

        await api.CompleteAsync(api.ActAsync(vm.Id, "start"));
        await api.CompleteAsync(api.ActAsync(vm.Id, "power-off"));
        Assert.Equal(DomainState.ShutOff, await adapter.GetDomainStateAsync(vm.Id, default));

        var log = await api.GetAsync<JobView[]>($"/api/v1/jobs?vmId={vm.Id}");
        Assert.Equal(["power-off", "start", "shutdown", "start", "create"], log.Select(j => j.Action));
        Assert.All(log, j => Assert.Equal(JobStatuses.Completed, j.Status));
    }

    [Fact]
    public async Task Pause_resume_restart_and_reset_reach_libvirt()
    {
        var api = _portal.Demo();
        var created = await api.CreateVmAsync("power");
        await api.CompleteAsync(Task.FromResult(created));
        await api.CompleteAsync(api.ActAsync(created.VmId, "start"));
        var vm = await api.GetAsync<VmView>($"/api/v1/vms/{created.VmId}");
        var adapter = _portal.Agents[vm.NodeName].Adapter;

        await api.CompleteAsync(api.ActAsync(vm.Id, "pause"));
        Assert.Equal(DomainState.Paused, await adapter.GetDomainStateAsync(vm.Id, default));
        Assert.Equal(VmStates.Paused, (await api.GetAsync<VmView>($"/api/v1/vms/{vm.Id}")).State);
        Assert.Equal(HttpStatusCode.Conflict, (await api.PostAsync($"/api/v1/vms/{vm.Id}/restart", null)).StatusCode);

        await api.CompleteAsync(api.ActAsync(vm.Id, "resume"));
        Assert.Equal(DomainState.Running, await adapter.GetDomainStateAsync(vm.Id, default));
        await api.CompleteAsync(api.ActAsync(vm.Id, "restart"));
        await api.CompleteAsync(api.ActAsync(vm.Id, "reset"));
        Assert.Equal(VmStates.Running, (await api.GetAsync<VmView>($"/api/v1/vms/{vm.Id}")).State);
        Assert.Equal(HttpStatusCode.Conflict, (await api.PostAsync($"/api/v1/vms/{vm.Id}/resume", null)).StatusCode);
    }

    [Fact]
    public async Task A_parked_vm_gives_back_its_ram_and_cores_and_comes_back_pinned_to_free_cores()
    {
        var api = _portal.Demo();
        var stopped = await StoppedVmAsync(api, "parker", vcpus: 2, memoryGiB: 4);
        var refused = await api.PostAsync($"/api/v1/vms/{stopped.Id}/park", null);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("Only a running or paused VM can be parked.", (await refused.ProblemAsync()).GetProperty("detail").GetString());
        await api.CompleteAsync(api.ActAsync(stopped.Id, "start"));
        var parker = await api.GetAsync<VmView>($"/api/v1/vms/{stopped.Id}");
        var node = parker.NodeName;

        // The other compute rack server is full, so whatever comes next lands on parker's.
        var filler = await StartedVmAsync(api, "filler", vcpus: 4);
        Assert.NotEqual(node, filler.NodeName);

        await api.CompleteAsync(api.ActAsync(parker.Id, "park"));
        Assert.Equal(DomainState.Parked, await _portal.Agents[node].Adapter.GetDomainStateAsync(parker.Id, default));
        var parked = await api.GetAsync<VmView>($"/api/v1/vms/{parker.Id}");
        Assert.Equal((VmStates.Parked, 0), (parked.State, parked.PinnedCores.Count));
        Assert.Empty(await CoresInDatabaseAsync(parker.Id));
        var usage = (await api.GetAsync<NodeUsageView[]>("/api/v1/nodes")).Single(n => n.Name == node);
        Assert.Equal((0L, 0), (usage.UsedMemoryBytes, usage.UsedCores));

        // Another VM takes the cores parker had.
        var taker = await StartedVmAsync(api, "taker", vcpus: 2);
        Assert.Equal(node, taker.NodeName);
        Assert.Equal(parker.PinnedCores, taker.PinnedCores);

        var unpark = await api.CompleteAsync(api.ActAsync(parker.Id, "unpark"));
        Assert.Equal(DomainState.Running, await _portal.Agents[node].Adapter.GetDomainStateAsync(parker.Id, default));
        var back = await api.GetAsync<VmView>($"/api/v1/vms/{parker.Id}");
        Assert.Equal((VmStates.Running, 2), (back.State, back.PinnedCores.Count));
        Assert.Empty(back.PinnedCores.Intersect(taker.PinnedCores));
        Assert.Equal(back.PinnedCores, await CoresInDatabaseAsync(parker.Id));
        Assert.Equal(back.PinnedCores, PinsInNodeFile(node, parker.Id));
        Assert.Contains($"on cores {string.Join(", ", back.PinnedCores)}", unpark.Info);
    }

    [Fact]
    public async Task Unparking_is_refused_up_front_while_the_rack_server_lacks_the_cores_or_the_ram()
    {
        var api = _portal.Demo();
        var parker = await StartedVmAsync(api, "parker", vcpus: 2, memoryGiB: 4);
        var filler = await StartedVmAsync(api, "filler", vcpus: 4, memoryGiB: 1);
        Assert.NotEqual(parker.NodeName, filler.NodeName);
        await api.CompleteAsync(api.ActAsync(parker.Id, "park"));

        // Three of the four cores taken meanwhile: one is free, parker needs two.
        var cores = await StartedVmAsync(api, "cores", vcpus: 3, memoryGiB: 1);
        Assert.Equal(parker.NodeName, cores.NodeName);
        await AssertUnparkRefusedAsync(api, parker.Id, "needs 2 free dedicated cores (it has 1)");

        // Cores free again, but the RAM is gone: 8 GiB for VMs, 5 GiB taken.
        await DeleteAsync(api, cores);
        var ram = await StartedVmAsync(api, "ram", vcpus: 1, memoryGiB: 5);
        Assert.Equal(parker.NodeName, ram.NodeName);
        await AssertUnparkRefusedAsync(api, parker.Id, "needs 4 GiB of free RAM (it has 3 GiB)");

        await DeleteAsync(api, ram);
        await api.CompleteAsync(api.ActAsync(parker.Id, "unpark"));
        Assert.Equal(2, (await CoresInDatabaseAsync(parker.Id)).Count);
    }

    [Fact]
    public async Task An_unpark_that_fails_with_the_vm_still_parked_gives_the_cores_it_took_back()
    {
        var api = _portal.Demo();
        var parker = await StartedVmAsync(api, "parker", vcpus: 2);
        await api.CompleteAsync(api.ActAsync(parker.Id, "park"));
        await _portal.Agents[parker.NodeName].StopAsync();

        var unpark = await api.ActAsync(parker.Id, "unpark");
        Assert.Equal(2, (await CoresInDatabaseAsync(parker.Id)).Count);

        // The agent's report of a restore that failed and left the domain parked.
        await _portal.Services.GetRequiredService<IBus>().Publish(
            new NodeJobFailed(unpark.JobId, parker.NodeName, "The saved memory could not be restored.", "OperationFailed", DateTimeOffset.UtcNow, "parked"));

        Assert.Equal(JobStatuses.Failed, (await api.WaitForJobAsync(unpark.JobId)).Status);
        Assert.Equal(VmStates.Parked, (await api.GetAsync<VmView>($"/api/v1/vms/{parker.Id}")).State);
        Assert.Empty(await CoresInDatabaseAsync(parker.Id));
        Assert.Equal(0, (await api.GetAsync<NodeUsageView[]>("/api/v1/nodes")).Single(n => n.Name == parker.NodeName).UsedCores);
    }

    [Fact]
    public async Task Deleting_needs_the_name_and_then_removes_the_domain_and_gives_back_the_cores()
    {
        var api = _portal.Demo();
        var created = await api.CreateVmAsync("doomed", vcpus: 4);
        await api.CompleteAsync(Task.FromResult(created));
        await api.CompleteAsync(api.ActAsync(created.VmId, "start"));
        var vm = await api.GetAsync<VmView>($"/api/v1/vms/{created.VmId}");
        var adapter = _portal.Agents[vm.NodeName].Adapter;

        foreach (var confirm in new[] { "", "?confirm=Doomed", "?confirm=other" })
        {
            var refused = await api.DeleteAsync($"/api/v1/vms/{vm.Id}{confirm}");
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.True((await refused.ProblemAsync()).GetProperty("errors").TryGetProperty("confirmName", out _));
        }

        Assert.Equal(DomainState.Running, await adapter.GetDomainStateAsync(vm.Id, default));
        var deleted = await api.DeleteAsync($"/api/v1/vms/{vm.Id}?confirm=doomed");
        Assert.Equal(HttpStatusCode.Accepted, deleted.StatusCode);
        var job = await api.WaitForJobAsync((await deleted.Content.ReadFromJsonAsync<JobAccepted>(Api.Json))!.JobId);
        Assert.Equal((JobStatuses.Completed, "delete"), (job.Status, job.Action));

        Assert.DoesNotContain((await adapter.ListDomainsAsync(default)), d => d.Id == vm.Id);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/api/v1/vms/{vm.Id}")).StatusCode);
        // The job log keeps the VM's history.
        Assert.Equal(["delete", "start", "create"], (await api.GetAsync<JobView[]>($"/api/v1/jobs?vmId={vm.Id}")).Select(j => j.Action));

        // Its four cores are free again on that rack server.
        var again = await api.CreateVmAsync("reborn", vcpus: 4);
        Assert.Equal(JobStatuses.Completed, (await api.WaitForJobAsync(again.JobId)).Status);
    }

    [Fact]
    public async Task Dedicated_cores_are_never_shared_and_a_request_that_fits_nowhere_is_refused_before_any_job()
    {
        var api = _portal.Demo();

        // Two compute rack servers with 4 cores each; the reserve server takes no new VMs.
        var accepted = new[] { await api.CreateVmAsync("a", vcpus: 3), await api.CreateVmAsync("b", vcpus: 3), await api.CreateVmAsync("c"), await api.CreateVmAsync("d") };
        var vms = await Task.WhenAll(accepted.Select(x => api.GetAsync<VmView>($"/api/v1/vms/{x.VmId}")));
        var pins = vms.SelectMany(v => v.PinnedCores.Select(core => (v.NodeName, core))).ToList();
        Assert.Equal(pins.Count, pins.Distinct().Count());
        Assert.DoesNotContain(vms, v => v.NodeName == "reserve-1");

        var jobsBefore = await _portal.CountAsync<Job>();
        var response = await api.PostAsJsonAsync("/api/v1/vms", new { name = "too-big", vCpus = 1, memoryGiB = 1, diskGiB = 20 });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ProblemAsync();
        Assert.Contains("No rack server has 1 free dedicated core (at most 0 free", problem.GetProperty("errors").GetProperty("vcpus")[0].GetString());
        Assert.Equal(jobsBefore, await _portal.CountAsync<Job>());
        Assert.Equal(4, await _portal.CountAsync<VirtualMachine>());
    }

    [Fact]
    public async Task Memory_is_not_overcommitted()
    {
        var api = _portal.Demo();
        await api.CreateVmAsync("m1", memoryGiB: 8);
        await api.CreateVmAsync("m2", memoryGiB: 8);
        var response = await api.PostAsJsonAsync("/api/v1/vms", new { name = "m3", vCpus = 1, memoryGiB = 1, diskGiB = 20 });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("free memory", (await response.ProblemAsync()).GetProperty("errors").GetProperty("vcpus")[0].GetString());
    }

    [Fact]
    public async Task A_repeated_create_with_the_same_request_id_returns_the_first_answer()
    {
        var api = _portal.Demo();
        var requestId = Guid.NewGuid();
        var first = await api.CreateVmAsync("retry", requestId: requestId);
        var again = await api.CreateVmAsync("retry", requestId: requestId);
        Assert.Equal(first, again with { Status = first.Status });
        Assert.Equal(1, await _portal.CountAsync<VirtualMachine>());
    }

    [Fact]
    public async Task A_second_action_while_a_job_is_open_is_refused_and_the_vm_stays_as_it_was()
    {
        var api = _portal.Demo();
        var created = await api.CreateVmAsync("busy");
        await api.CompleteAsync(Task.FromResult(created));
        var vm = await api.GetAsync<VmView>($"/api/v1/vms/{created.VmId}");
        await _portal.Agents[vm.NodeName].StopAsync();

        var start = await api.ActAsync(vm.Id, "start");
        var second = await api.PostAsync($"/api/v1/vms/{vm.Id}/power-off", null);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Contains("Another job", (await second.ProblemAsync()).GetProperty("detail").GetString());

        await _portal.Agents[vm.NodeName].StartAsync(default);
        await api.CompleteAsync(Task.FromResult(start));
        Assert.Single(await api.GetAsync<JobView[]>($"/api/v1/jobs?vmId={vm.Id}&action=start"));
        Assert.Empty(await api.GetAsync<JobView[]>($"/api/v1/jobs?vmId={vm.Id}&action=power-off"));
    }

    [Fact]
    public async Task Actions_that_do_not_fit_the_state_are_refused()
    {
        var api = _portal.Demo();
        var created = await api.CreateVmAsync("idle");
        await api.CompleteAsync(Task.FromResult(created));
        foreach (var action in new[] { "shutdown", "power-off" })
        {
            var response = await api.PostAsync($"/api/v1/vms/{created.VmId}/{action}", null);
            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        }

        Assert.Single(await api.GetAsync<JobView[]>($"/api/v1/jobs?vmId={created.VmId}"));
    }

    [Fact]
    public async Task A_job_queued_while_the_node_agent_is_down_is_not_lost_and_completes_when_it_returns()
    {
        var api = _portal.Demo();
        var created = await api.CreateVmAsync("patient");
        await api.CompleteAsync(Task.FromResult(created));
        var vm = await api.GetAsync<VmView>($"/api/v1/vms/{created.VmId}");
        var agent = _portal.Agents[vm.NodeName];
        await agent.StopAsync();

        var start = await api.ActAsync(vm.Id, "start");

        // The outbox sends it and, hearing nothing, sends it again; the job stays queued meanwhile.
        await WaitUntilAsync(() => _portal.DbAsync(db => db.Set<Job>().Where(j => j.Id == start.JobId).Select(j => j.DispatchAttempts).SingleAsync()), attempts => attempts >= 2);
        Assert.Equal(JobStatuses.Queued, (await api.GetAsync<JobView>($"/api/v1/jobs/{start.JobId}")).Status);

        await agent.StartAsync(default);
        var job = await api.CompleteAsync(Task.FromResult(start));
        Assert.Equal(VmStates.Running, (await api.GetAsync<VmView>($"/api/v1/vms/{vm.Id}")).State);
        Assert.Equal(DomainState.Running, await agent.Adapter.GetDomainStateAsync(vm.Id, default));
        Assert.Equal(JobStatuses.Completed, job.Status);
    }

    [Fact]
    public async Task A_job_whose_agent_died_after_starting_it_is_sent_again_and_completes_once()
    {
        var api = _portal.Demo();
        var created = await api.CreateVmAsync("orphan");
        await api.CompleteAsync(Task.FromResult(created));
        var vm = await api.GetAsync<VmView>($"/api/v1/vms/{created.VmId}");
        var agent = _portal.Agents[vm.NodeName];
        await agent.StopAsync();
        var start = await api.ActAsync(vm.Id, "start");

        // As if the agent had taken the command, reported "running" and then died: the job is open and silent.
        // The dispatcher may claim the job meanwhile: like every writer of a versioned row, this one reads again then.
        await _portal.DbAsync(async db =>
        {
            for (var attempt = 1; ; attempt++)
            {
                var job = await db.Set<Job>().SingleAsync(j => j.Id == start.JobId);
                job.Status = JobStatuses.Running;
                job.StartedAt = job.DispatchedAt = job.LastSignalAt = DateTimeOffset.UtcNow.AddMinutes(-5);
                try
                {
                    return await db.SaveChangesAsync();
                }
                catch (DbUpdateConcurrencyException) when (attempt < 10)
                {
                    db.ChangeTracker.Clear();
                }
            }
        });

        await agent.StartAsync(default);
        var done = await api.CompleteAsync(Task.FromResult(start));
        Assert.Equal(DomainState.Running, await agent.Adapter.GetDomainStateAsync(vm.Id, default));
        Assert.Single(await api.GetAsync<JobView[]>($"/api/v1/jobs?vmId={vm.Id}&action=start"));
        Assert.Equal(JobStatuses.Completed, done.Status);
    }

    [Fact]
    public async Task A_create_the_rack_server_refuses_fails_visibly_and_gives_back_its_cores()
    {
        var api = _portal.Demo();
        var accepted = await _portal.CreateRefusedVmAsync(api, "clash", vcpus: 4);
        var job = await api.WaitForJobAsync(accepted.JobId);

        Assert.Equal(JobStatuses.Failed, job.Status);
        Assert.Contains("DomainConflict", job.Info);
        Assert.DoesNotContain("outsider", job.Info, StringComparison.Ordinal);
        var vm = await api.GetAsync<VmView>($"/api/v1/vms/{accepted.VmId}");
        Assert.Equal(VmStates.Failed, vm.State);
        Assert.Empty(vm.PinnedCores);

        // Its four cores are free again: a four-core VM fits on that rack server once more.
        var again = await api.CreateVmAsync("after-clash", vcpus: 4);
        Assert.Equal(JobStatuses.Completed, (await api.WaitForJobAsync(again.JobId)).Status);
    }

    private async Task<VmView> StartedVmAsync(HttpClient api, string name, int vcpus = 1, int memoryGiB = 1)
    {
        var vm = await StoppedVmAsync(api, name, vcpus, memoryGiB);
        await api.CompleteAsync(api.ActAsync(vm.Id, "start"));
        return await api.GetAsync<VmView>($"/api/v1/vms/{vm.Id}");
    }

    private static async Task<VmView> StoppedVmAsync(HttpClient api, string name, int vcpus = 1, int memoryGiB = 1)
    {
        var created = await api.CreateVmAsync(name, vcpus, memoryGiB);
        await api.CompleteAsync(Task.FromResult(created));
        return await api.GetAsync<VmView>($"/api/v1/vms/{created.VmId}");
    }

    private static async Task DeleteAsync(HttpClient api, VmView vm)
    {
        var response = await api.DeleteAsync($"/api/v1/vms/{vm.Id}?confirm={vm.Name}");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await api.CompleteAsync(response.Content.ReadFromJsonAsync<JobAccepted>(Api.Json)!);
    }

    private async Task AssertUnparkRefusedAsync(HttpClient api, Guid vmId, string reason)
    {
        var jobs = await _portal.CountAsync<Job>();
        var response = await api.PostAsync($"/api/v1/vms/{vmId}/unpark", null);
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains(reason, (await response.ProblemAsync()).GetProperty("detail").GetString());
        Assert.Equal(jobs, await _portal.CountAsync<Job>());
        Assert.Equal(VmStates.Parked, (await api.GetAsync<VmView>($"/api/v1/vms/{vmId}")).State);
        Assert.Empty(await CoresInDatabaseAsync(vmId));
    }

    private Task<List<int>> CoresInDatabaseAsync(Guid vmId) =>
        _portal.DbAsync(db => db.Set<CoreAllocation>().Where(c => c.VmId == vmId).OrderBy(c => c.Core).Select(c => c.Core).ToListAsync());

    /// <summary>The pins of the domain's definition as its simulated rack server keeps it on disk.</summary>
    private int[] PinsInNodeFile(string node, Guid vmId) =>
        NodeFile.Current(Path.Combine(_portal.DataDirectory, "nodes", node + ".xml")).Root!.Elements("domain")
            .Single(d => (string?)d.Element("uuid") == vmId.ToString("D"))
            .Element("cputune")!.Elements("vcpupin").OrderBy(p => (int)p.Attribute("vcpu")!).Select(p => (int)p.Attribute("cpuset")!).ToArray();

    private static async Task WaitUntilAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!done(await read()))
        {
            await Task.Delay(50, cts.Token);
        }
    }
}
