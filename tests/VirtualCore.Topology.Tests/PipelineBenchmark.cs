using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.SignalR.Client;
using VirtualCore.Modules.Compute.Contracts;

namespace VirtualCore.Topology.Tests;

/// <summary>
/// A benchmark of the job pipeline over RabbitMQ and PostgreSQL, not a timed test: VMs on both real QEMU nodes are
/// paused and resumed by concurrent clients, first all through instance A, then spread over A and B, and each job is
/// followed live until it ends. It asserts only that every job completed; what it measured (jobs per second end to end,
/// p50/p95 of the time from acceptance to end as the job rows record it, and as the client saw it) goes to the test
/// output and to <c>artifacts/benchmarks/pipeline-rabbitmq-postgres.md</c>. CI runs it small; the README gives the
/// command for a larger run (<c>VCORE_PIPELINE_VMS</c>, <c>VCORE_PIPELINE_ROUNDS</c>).
/// </summary>
[Collection(TopologyCollection.Name)]
public sealed class PipelineBenchmark(TopologyFixture topology, ITestOutputHelper output)
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Pause_and_resume_through_one_and_through_two_portal_instances()
    {
        var vmCount = Setting("VCORE_PIPELINE_VMS", 2);
        var rounds = Setting("VCORE_PIPELINE_ROUNDS", 5);
        using var a = topology.Api(0);
        using var b = topology.Api(1);
        await using var feedA = await JobFeed.ConnectAsync(topology.PortalAddresses[0]);
        await using var feedB = await JobFeed.ConnectAsync(topology.PortalAddresses[1]);

        var vms = new List<Guid>();
        for (var i = 0; i < vmCount; i++)
        {
            var created = await a.CreateVmAsync($"bench-{i}");
            vms.Add(created.VmId);
            await a.CompletedAsync(created.JobId, JobTimeout, () => topology.Logs());
            await a.CompletedAsync((await a.ActAsync(created.VmId, "start")).JobId, JobTimeout, () => topology.Logs());
        }

        try
        {
            var table = new StringBuilder()
                .AppendLine(CultureInfo.InvariantCulture, $"Pause + resume of {vmCount} running tiny QEMU guests on 2 nodes, {rounds} rounds each, one client per VM; {Environment.ProcessorCount} cores.")
                .AppendLine()
                .AppendLine("| portal instances | jobs | wall time | jobs/s | p50 job (server) | p95 job (server) | p50 client | p95 client |")
                .AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var instances in new[] { 1, 2 })
            {
                var server = new ConcurrentBag<double>();
                var client = new ConcurrentBag<double>();
                var wall = Stopwatch.StartNew();
                await Task.WhenAll(vms.Select((vm, i) => Task.Run(async () =>
                {
                    var (api, feed) = instances == 2 && i % 2 == 1 ? (b, feedB) : (a, feedA);
                    for (var round = 0; round < rounds; round++)
                    {
                        foreach (var action in new[] { "pause", "resume" })
                        {
                            var seen = Stopwatch.StartNew();
                            var accepted = await api.ActAsync(vm, action);
                            var job = await feed.EndedAsync(accepted.JobId, JobTimeout);
                            client.Add(seen.Elapsed.TotalMilliseconds);
                            Assert.True(job.Status == JobStatuses.Completed, $"{action} {job.Name}: {job.Status} — {job.Info}\n{topology.Logs()}");
                            server.Add((job.EndedAt!.Value - job.QueuedAt).TotalMilliseconds);
                        }
                    }
                })));
                wall.Stop();
                var jobs = server.Count;
                table.AppendLine(CultureInfo.InvariantCulture,
                    $"| {instances} | {jobs} | {wall.Elapsed.TotalSeconds:F1} s | {jobs / wall.Elapsed.TotalSeconds:F1} | {Percentile(server, 50):F0} ms | {Percentile(server, 95):F0} ms | {Percentile(client, 50):F0} ms | {Percentile(client, 95):F0} ms |");
            }

            output.WriteLine(table.ToString());
            var file = Path.Combine(Tools.RepositoryRoot, "artifacts", "benchmarks", "pipeline-rabbitmq-postgres.md");
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            await File.WriteAllTextAsync(file, table.ToString());
        }
        finally
        {
            // The nodes have few cores: what this benchmark took, the other tests need. A job still open (after a failure
            // above) ends first.
            foreach (var id in vms)
            {
                var vm = await Tools.EventuallyAsync(() => a.GetAsync<VmView>($"/api/v1/vms/{id}"), v => v.OpenJobId is null, JobTimeout, v => $"{v}\n{topology.Logs()}");
                if (vm.State != VmStates.ShutOff)
                {
                    await a.CompletedAsync((await a.ActAsync(id, "power-off")).JobId, JobTimeout, () => topology.Logs());
                    vm = await Tools.EventuallyAsync(() => a.GetAsync<VmView>($"/api/v1/vms/{id}"), v => v.OpenJobId is null, JobTimeout, v => $"{v}");
                }

                await a.CompletedAsync((await a.DeleteVmAsync(vm)).JobId, JobTimeout, () => topology.Logs());
            }
        }
    }

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;

    private static double Percentile(IEnumerable<double> values, int percentile)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(percentile / 100.0 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    /// <summary>The jobs that ended, as one instance's live hub tells them, so a client waits for its job without polling.</summary>
    private sealed class JobFeed : IAsyncDisposable
    {
        private readonly ConcurrentDictionary<Guid, TaskCompletionSource<JobView>> _ended = new();
        private readonly HubConnection _connection;

        private JobFeed(HubConnection connection)
        {
            _connection = connection;
            _connection.On<JobView>("job", job =>
            {
                if (job.Status is JobStatuses.Completed or JobStatuses.Failed)
                {
                    Completion(job.Id).TrySetResult(job);
                }
            });
        }

        public static async Task<JobFeed> ConnectAsync(Uri portal)
        {
            var cookies = new CookieContainer();
            using (var session = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = portal })
            {
                var signIn = await session.PostAsJsonAsync("/api/v1/session", new { userName = TopologyFixture.DemoUser, password = TopologyFixture.DemoPassword });
                Assert.True(signIn.IsSuccessStatusCode, $"sign-in on {portal}: {(int)signIn.StatusCode}");
            }

            var feed = new JobFeed(new HubConnectionBuilder().WithUrl(new Uri(portal, "/hubs/live"), o => o.Cookies = cookies).Build());
            await feed._connection.StartAsync();
            return feed;
        }

        public Task<JobView> EndedAsync(Guid jobId, TimeSpan timeout) => Completion(jobId).Task.WaitAsync(timeout);

        public ValueTask DisposeAsync() => _connection.DisposeAsync();

        private TaskCompletionSource<JobView> Completion(Guid jobId) =>
            _ended.GetOrAdd(jobId, _ => new TaskCompletionSource<JobView>(TaskCreationOptions.RunContinuationsAsynchronously));
    }
}
