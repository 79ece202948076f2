using System.Net;
using System.Net.Http.Json;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Identity.Features.Users;

namespace VirtualCore.Portal.Tests;

/// <summary>
/// Moving a VM live through the portal, on libvirt's test driver (which cannot migrate): every refusal comes before
/// anything is written, and the VM keeps its node, its cores and its state. The move itself is proven on real QEMU
/// nodes in VirtualCore.Portal.QemuTests.
/// </summary>
public sealed class MigrateVmTests : IAsyncLifetime
{
    private readonly PortalFixture _portal = new(settings: new Dictionary<string, string> { ["Infrastructure:OfflineAfter"] = "00:00:10" });

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task Every_refusal_names_its_reason_before_anything_changes()
    {
        var api = _portal.Demo();
        var created = await api.CreateVmAsync("mover", vcpus: 2, memoryGiB: 2);
        await api.CompleteAsync(Task.FromResult(created));
        await api.CompleteAsync(api.ActAsync(created.VmId, "start"));
        var vm = await api.GetAsync<VmView>($"/api/v1/vms/{created.VmId}");
        Assert.Equal(VmStates.Running, vm.State);
        var target = vm.NodeName == "rack-1" ? "rack-2" : "rack-1";

        await RefusedAsync(api, vm, "", HttpStatusCode.BadRequest, "targetNode", "Name the rack server");
        await RefusedAsync(api, vm, "rack-9", HttpStatusCode.BadRequest, "targetNode", "There is no rack server 'rack-9'");
        await RefusedAsync(api, vm, vm.NodeName, HttpStatusCode.BadRequest, "targetNode", $"already runs on {vm.NodeName}");
        await RefusedAsync(api, vm, "reserve-1", HttpStatusCode.BadRequest, "targetNode", "reserve server");

        // Room on the target and online: only the missing capability is left, and it is checked last.
        await RefusedAsync(api, vm, target, HttpStatusCode.BadRequest, "targetNode", $"{target} cannot take VMs live");
        var offered = await api.GetAsync<MigrationTargetView[]>($"/api/v1/vms/{vm.Id}/migration-targets");
        Assert.Equal(new[] { target, "reserve-1" }.Order(StringComparer.Ordinal), offered.Select(t => t.Name));
        Assert.All(offered, t => Assert.NotNull(t.Refusal));

        // Another customer's VM takes every core of the target: capacity is shared between tenants.
        var free = (await api.GetAsync<NodeUsageView[]>("/api/v1/nodes")).Single(n => n.Name == target);
        var other = _portal.Other();
        var filler = await other.CreateVmAsync("filler", vcpus: free.CoresForVms - free.UsedCores);
        await other.CompleteAsync(Task.FromResult(filler));
        Assert.Equal(target, (await other.GetAsync<VmView>($"/api/v1/vms/{filler.VmId}")).NodeName);
        await RefusedAsync(api, vm, target, HttpStatusCode.BadRequest, "targetNode", $"{target} has 0 free dedicated cores");

        // The target's agent goes away: once the portal counts it offline, nothing is sent there.
        await _portal.Agents[target].StopAsync();
        await WaitUntilAsync(() => api.GetAsync<NodeUsageView[]>("/api/v1/nodes"), nodes => !nodes.Single(n => n.Name == target).Online);
        await RefusedAsync(api, vm, target, HttpStatusCode.BadRequest, "targetNode", $"{target} is offline");

        await api.CompleteAsync(api.ActAsync(vm.Id, "shutdown"));
        await RefusedAsync(api, vm with { State = VmStates.ShutOff }, target, HttpStatusCode.Conflict, null, "Only a running VM moves live");

        // A job that waits for the source's agent keeps every other job away.
        await _portal.Agents[vm.NodeName].StopAsync();
        var start = await api.ActAsync(vm.Id, "start");
        await RefusedAsync(api, vm with { State = VmStates.ShutOff }, target, HttpStatusCode.Conflict, null, "Another job is still running");
        Assert.Equal(JobStatuses.Queued, (await api.GetAsync<JobView>($"/api/v1/jobs/{start.JobId}")).Status);
    }

    [Fact]
    public async Task Another_customer_gets_404_and_a_user_who_may_only_operate_gets_403()
    {
        var api = _portal.Demo();
        var created = await api.CreateVmAsync("guarded");
        await api.CompleteAsync(Task.FromResult(created));
        await api.CompleteAsync(api.ActAsync(created.VmId, "start"));
        var vm = await api.GetAsync<VmView>($"/api/v1/vms/{created.VmId}");
        var target = vm.NodeName == "rack-1" ? "rack-2" : "rack-1";

        var response = await _portal.Other().PostAsJsonAsync($"/api/v1/vms/{vm.Id}/migrate", new { targetNode = target });
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _portal.Other().GetAsync($"/api/v1/vms/{vm.Id}/migration-targets")).StatusCode);

        var user = await api.PostAsJsonAsync("/api/v1/users", new { userName = "operator-only", displayName = "Olga Operate", password = "operate-pass-1", role = "customer-user" });
        Assert.Equal(HttpStatusCode.Created, user.StatusCode);
        var userId = (await user.Content.ReadFromJsonAsync<UserView>(Api.Json))!.Id;
        var grant = await api.PostAsJsonAsync($"/api/v1/users/{userId}/grants", new { vmId = vm.Id, level = "operate" });
        Assert.True(grant.IsSuccessStatusCode, await grant.Content.ReadAsStringAsync());
        var operate = _portal.ApiClient("operator-only", "operate-pass-1");

        var refused = await operate.PostAsJsonAsync($"/api/v1/vms/{vm.Id}/migrate", new { targetNode = target });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await operate.GetAsync($"/api/v1/vms/{vm.Id}/migration-targets")).StatusCode);

        // The same user may still do what it was granted.
        await operate.CompleteAsync(operate.ActAsync(vm.Id, "pause"));
        Assert.Empty(await api.GetAsync<JobView[]>($"/api/v1/jobs?vmId={vm.Id}&action=migrate"));
    }

    /// <summary>The refusal names the field and the reason; the VM, its cores and the capacity of every rack server stay as they were.</summary>
    private static async Task RefusedAsync(HttpClient api, VmView vm, string targetNode, HttpStatusCode status, string? field, string reason)
    {
        var usage = await api.GetAsync<NodeUsageView[]>("/api/v1/nodes");
        var response = await api.PostAsJsonAsync($"/api/v1/vms/{vm.Id}/migrate", new { targetNode });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{targetNode}: {(int)response.StatusCode} {body}");
        if (field is not null)
        {
            var errors = (await response.ProblemAsync()).GetProperty("errors");
            Assert.Contains(reason, errors.GetProperty(field)[0].GetString(), StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains(reason, body, StringComparison.Ordinal);
        }

        var after = await api.GetAsync<VmView>($"/api/v1/vms/{vm.Id}");
        Assert.Equal((vm.NodeName, vm.State), (after.NodeName, after.State));
        Assert.Equal(vm.PinnedCores, after.PinnedCores);
        Assert.Equal(usage.Select(n => (n.Name, n.UsedCores, n.UsedMemoryBytes)), (await api.GetAsync<NodeUsageView[]>("/api/v1/nodes")).Select(n => (n.Name, n.UsedCores, n.UsedMemoryBytes)));
        Assert.Empty(await api.GetAsync<JobView[]>($"/api/v1/jobs?vmId={vm.Id}&action=migrate"));
    }

    private static async Task WaitUntilAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!done(await read()))
        {
            await Task.Delay(100, cts.Token);
        }
    }
}
