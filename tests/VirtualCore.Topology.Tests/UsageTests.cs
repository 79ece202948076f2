using System.Net;
using System.Net.Http.Headers;
using System.Text;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Monitoring.Contracts;

namespace VirtualCore.Topology.Tests;

/// <summary>
/// Usage in production: the agent of a real QEMU rack server, a process of its own whose RabbitMQ account may publish
/// only its reports, sends what its guest uses; either portal instance stores it in PostgreSQL and serves it.
/// </summary>
[Collection(TopologyCollection.Name)]
public sealed class UsageTests(TopologyFixture topology)
{
    [Fact]
    public async Task A_running_guests_usage_travels_over_rabbitmq_into_postgresql_and_reads_back_from_either_instance()
    {
        using var a = topology.Api(0);
        using var b = topology.Api(1);
        var created = await a.CreateVmAsync("usage");
        await a.CompletedAsync(created.JobId, LifecycleTests.JobTimeout, () => topology.Logs());
        await b.CompletedAsync((await a.ActAsync(created.VmId, "start")).JobId, LifecycleTests.JobTimeout, () => topology.Logs());
        var vm = await a.GetAsync<VmView>($"/api/v1/vms/{created.VmId}");

        var hour = await Tools.EventuallyAsync(
            () => b.GetAsync<MetricsView>($"/api/v1/vms/{vm.Id}/metrics?range=hour&series=cpu,memory-total,disk-read"),
            v => v.Series[0].Avg.Count(x => x is not null) >= 2,
            TimeSpan.FromSeconds(60),
            v => $"{string.Join(",", v?.Series[0].Avg.Where(x => x is not null) ?? [])}\n{topology.Logs()}");
        Assert.False(hour.Simulated);
        Assert.All(hour.Series[0].Avg.Where(x => x is not null), c => Assert.InRange(c!.Value, 0, 100));
        Assert.Equal(vm.MemoryGiB * (double)(1L << 30), hour.Series[1].Avg.Last(x => x is not null)!.Value, 0);
        Assert.All(hour.Series[2].Avg.Where(x => x is not null), r => Assert.True(r >= 0));
        Assert.Equal(HttpStatusCode.OK, (await a.GetAsync($"/api/v1/vms/{vm.Id}/traffic")).StatusCode);

        // The rack server's own figures are the machine's, for the provider only.
        using var provider = new HttpClient { BaseAddress = a.BaseAddress };
        provider.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("operator:operator-pass-1")));
        var node = await Tools.EventuallyAsync(
            () => provider.GetAsync<MetricsView>($"/api/v1/nodes/{vm.NodeName}/metrics?range=hour&series=cpu,memory-total,load"),
            v => v.Series[2].Avg.Any(x => x is not null),
            TimeSpan.FromSeconds(30),
            v => topology.Logs());
        Assert.True(node.Series[1].Avg.Last(x => x is not null) > 1L << 30);
        Assert.Equal(HttpStatusCode.Forbidden, (await a.GetAsync($"/api/v1/nodes/{vm.NodeName}/metrics")).StatusCode);

        await a.CompletedAsync((await a.DeleteVmAsync(vm)).JobId, LifecycleTests.JobTimeout, () => topology.Logs());
        Assert.Equal(HttpStatusCode.NotFound, (await b.GetAsync($"/api/v1/vms/{vm.Id}/metrics")).StatusCode);
    }
}
