using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Modules.Monitoring.Features;
using VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Portal.Tests;

/// <summary>
/// Meters are the process's, not one portal's: a portal's Prometheus endpoint would also show the instruments of every
/// other portal the test run has in this process at the time. Tests that read exact figures from /metrics run alone.
/// </summary>
[CollectionDefinition(nameof(ProcessWideMeters), DisableParallelization = true)]
public sealed class ProcessWideMeters;

/// <summary>The usage gauges and counter on /metrics, for the provider's own Prometheus and Grafana.</summary>
[Collection(nameof(ProcessWideMeters))]
public sealed class UsageGaugeTests
{
    [Fact]
    public async Task The_newest_usage_is_a_prometheus_gauge_labelled_by_rack_server_and_vm_id_never_by_a_customers_name()
    {
        // /metrics answers loopback only: this portal listens on a real port.
        await using var portal = new PortalFixture(realServer: true, settings: new Dictionary<string, string> { ["NodeAgentDefaults:UsageInterval"] = "00:00:00" });
        portal.StartServer();
        using var api = new HttpClient { BaseAddress = new Uri($"http://localhost:{portal.BaseAddress.Port}") };
        api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("demo:demo-pass-1")));
        var vmId = await api.CreatedVmAsync("scraped");
        using var scraper = new HttpClient { BaseAddress = portal.BaseAddress };

        var before = SamplesCounted(await scraper.GetStringAsync("/metrics"));
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<UsageIngest>().StoreAsync(
                [new UsageReported(await portal.NodeOfAsync(vmId), DateTimeOffset.UtcNow, 10, false, new NodeUsageV1(37.5, 3L << 30, 9L << 30, 1.25),
                    [new VmUsageV1(vmId, 12.5, 256L << 20, 1L << 30, 1000, 2000, 3, 4, 1_000_000, 2_000_000, 700, 1400)])],
                default);
        }

        // The gauges read the newest samples at most every 5 s: the scrape before saw none yet.
        var metrics = await Api.WaitUntilAsync(() => scraper.GetStringAsync("/metrics"), m => m.Contains($"vm=\"{vmId}\"", StringComparison.Ordinal));
        var node = await portal.NodeOfAsync(vmId);
        Assert.Matches($"vcore_node_cpu_percent\\{{[^}}]*node=\"{node}\"[^}}]*\\}} 37.5", metrics);
        Assert.Matches($"vcore_node_load[a-z_]*\\{{[^}}]*node=\"{node}\"[^}}]*\\}} 1.25", metrics);
        Assert.Matches($"vcore_vm_cpu_percent\\{{[^}}]*vm=\"{vmId}\"[^}}]*\\}} 12.5", metrics);
        Assert.Matches($"vcore_vm_network_out[a-z_]*\\{{[^}}]*vm=\"{vmId}\"[^}}]*\\}} 2000000", metrics);
        Assert.Equal(before + 2, SamplesCounted(metrics));
        Assert.DoesNotContain("scraped", metrics, StringComparison.Ordinal);
    }

    private static double SamplesCounted(string metrics) => metrics.Split('\n')
        .Where(line => line.StartsWith("vcore_usage_samples", StringComparison.Ordinal))
        .Sum(line => double.Parse(line.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture));

}
