using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using VirtualCore.Modules.Compute.Contracts;

namespace VirtualCore.LoadHarness;

/// <summary>What one run does: where the portal runs, how many VMs, clients and rounds.</summary>
/// <param name="Topology"><c>embedded</c> (SQLite, in-memory bus) or <c>rabbitmq</c> (PostgreSQL and RabbitMQ started for the run).</param>
/// <param name="Vms">VMs the demo customer creates and acts on.</param>
/// <param name="Clients">Each number of concurrent API clients to run the phases with.</param>
/// <param name="Rounds">Pause + resume rounds per client count.</param>
/// <param name="Nodes">Simulated rack servers (libvirt's test driver), each big enough for its share of the VMs.</param>
/// <param name="HeartbeatSeconds">How often every simulated rack server's agent reports its node and domains.</param>
internal sealed record LoadOptions(string Topology, int Vms, IReadOnlyList<int> Clients, int Rounds, int Nodes, int HeartbeatSeconds, string PortalDll, string WorkDirectory, int Port);

/// <summary>One phase's figures.</summary>
internal sealed record PhaseResult(
    string Topology, int Clients, string Phase, int Jobs, int Failed, double AcceptPerSecond, Percentiles Http, double JobsPerSecond, Percentiles Job, double CpuCores, double PeakMiB);

internal sealed record Percentiles(double P50, double P95, double P99)
{
    public static Percentiles Of(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0)
        {
            return new Percentiles(0, 0, 0);
        }

        var sorted = values.Order().ToArray();
        double At(double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        return new Percentiles(At(0.50), At(0.95), At(0.99));
    }
}

/// <summary>
/// A load generator on loopback: the demo customer's API clients (a bearer token with the manage scope) create VMs
/// and drive them through their lifecycle, each job followed to its end on the live feed (SignalR) as a browser would.
/// Closed-loop phases keep one job per client in flight; the burst phase sends one action to every VM without waiting,
/// which is what the API accepts per second.
/// </summary>
internal sealed class LoadRun(LoadOptions options, TextWriter console)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(3);
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource<(string Status, long At)>> _ended = new();

    public double IdleMiB { get; private set; }

    public async Task<IReadOnlyList<PhaseResult>> RunAsync()
    {
        var results = new List<PhaseResult>();
        await using var servers = await BackingServers.StartAsync(options, console);
        var address = new Uri($"http://127.0.0.1:{options.Port}");
        var dataDirectory = Path.Combine(options.WorkDirectory, "portal");
        using var portal = await PortalProcess.StartAsync(options.PortalDll, address, dataDirectory, Settings(servers));
        try
        {
            // Idle: started, migrated, agents announced, nothing asked of it yet; the runtime settles its heap first.
            await Task.Delay(TimeSpan.FromSeconds(5));
            IdleMiB = portal.Memory().Resident;
            console.WriteLine($"portal idle: {IdleMiB:F0} MiB resident");

            using var http = await ApiClientAsync(address);
            await using var feed = await ConnectFeedAsync(address);
            foreach (var clients in options.Clients)
            {
                results.AddRange(await RunClientsAsync(portal, http, clients));
            }
        }
        catch (Exception e)
        {
            // The run's folder goes away with the run; the whole log stays for reading.
            var kept = Path.Combine(Path.GetTempPath(), $"vcore-load-portal-{options.Topology}.log");
            File.Copy(portal.LogPath, kept, overwrite: true);
            throw new InvalidOperationException($"{e.Message}\n--- portal log (whole: {kept}) ---\n{portal.Tail()}", e);
        }

        return results;
    }

    private Dictionary<string, string> Settings(BackingServers servers)
    {
        var settings = new Dictionary<string, string>
        {
            ["environment"] = "Embedded",
            ["DemoVms"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
            ["NodeAgentDefaults:HeartbeatInterval"] = TimeSpan.FromSeconds(options.HeartbeatSeconds).ToString("c", CultureInfo.InvariantCulture),
        };

        // Dedicated cores: every VM pins one, so the rack servers together hold all of them with room to spare.
        var coresPerNode = Math.Max(16, (int)Math.Ceiling(options.Vms * 1.25 / options.Nodes));
        var sockets = (int)Math.Ceiling(coresPerNode / 16.0);
        for (var i = 0; i < options.Nodes; i++)
        {
            settings[$"EmbeddedRackServers:Servers:{i}:Name"] = $"load-{i + 1}";
            settings[$"EmbeddedRackServers:Servers:{i}:Role"] = "compute";
            settings[$"EmbeddedRackServers:Servers:{i}:Sockets"] = sockets.ToString(CultureInfo.InvariantCulture);
            settings[$"EmbeddedRackServers:Servers:{i}:CoresPerSocket"] = "16";
            settings[$"EmbeddedRackServers:Servers:{i}:MemoryGiB"] = (sockets * 16 + 16).ToString(CultureInfo.InvariantCulture);
            settings[$"EmbeddedRackServers:Servers:{i}:ReservedMemoryGiB"] = "8";
        }

        foreach (var (key, value) in servers.Settings)
        {
            settings[key] = value;
        }

        return settings;
    }

    private async Task<IReadOnlyList<PhaseResult>> RunClientsAsync(PortalProcess portal, HttpClient http, int clients)
    {
        var results = new List<PhaseResult>();
        var names = Enumerable.Range(0, options.Vms).Select(i => $"load-{clients}-{i}").ToArray();
        var ids = new Guid[options.Vms];

        results.Add(await PhaseAsync(portal, clients, "create", closedLoop: true, async i =>
        {
            var response = await http.PostAsJsonAsync("/api/v1/vms", new { name = names[i], vCpus = 1, memoryGiB = 1, diskGiB = 10 });
            var accepted = await AcceptedAsync(response, $"create {names[i]}");
            ids[i] = accepted.VmId;
            return accepted;
        }));
        results.Add(await PhaseAsync(portal, clients, "start", closedLoop: true, i => ActAsync(http, ids[i], "start")));
        results.Add(await PhaseAsync(portal, clients, "pause (burst)", closedLoop: false, i => ActAsync(http, ids[i], "pause")));
        results.Add(await PhaseAsync(portal, clients, "resume", closedLoop: true, i => ActAsync(http, ids[i], "resume")));
        for (var round = 0; round < options.Rounds; round++)
        {
            results.Add(await PhaseAsync(portal, clients, "pause", closedLoop: true, i => ActAsync(http, ids[i], "pause")));
            results.Add(await PhaseAsync(portal, clients, "resume", closedLoop: true, i => ActAsync(http, ids[i], "resume")));
        }

        results.Add(await PhaseAsync(portal, clients, "power-off", closedLoop: true, i => ActAsync(http, ids[i], "power-off")));
        results.Add(await PhaseAsync(portal, clients, "delete", closedLoop: true, async i =>
            await AcceptedAsync(await http.DeleteAsync($"/api/v1/vms/{ids[i]}?confirm={Uri.EscapeDataString(names[i])}"), $"delete {names[i]}")));
        return results;
    }

    private async Task<PhaseResult> PhaseAsync(PortalProcess portal, int clients, string phase, bool closedLoop, Func<int, Task<JobAccepted>> send)
    {
        var httpTimes = new ConcurrentBag<double>();
        var jobTimes = new ConcurrentBag<double>();
        var failed = 0;
        var lastAccept = 0L;
        var waits = new ConcurrentBag<Task>();
        portal.ResetPeak();
        var cpuBefore = portal.CpuTime();
        var started = Stopwatch.GetTimestamp();

        async Task FollowAsync(JobAccepted accepted, long sent)
        {
            var (status, at) = await EndedAsync(accepted.JobId);
            jobTimes.Add(Stopwatch.GetElapsedTime(sent, at).TotalMilliseconds);
            if (status != JobStatuses.Completed)
            {
                Interlocked.Increment(ref failed);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            for (var i = client; i < options.Vms; i += clients)
            {
                var sent = Stopwatch.GetTimestamp();
                var accepted = await send(i);
                var acceptedAt = Stopwatch.GetTimestamp();
                httpTimes.Add(Stopwatch.GetElapsedTime(sent, acceptedAt).TotalMilliseconds);
                InterlockedMax(ref lastAccept, acceptedAt);
                var follow = FollowAsync(accepted, sent);
                if (closedLoop)
                {
                    await follow;
                }
                else
                {
                    waits.Add(follow);
                }
            }
        })));
        await Task.WhenAll(waits);
        var wall = Stopwatch.GetElapsedTime(started);
        var cpu = portal.CpuTime() - cpuBefore;
        var result = new PhaseResult(
            options.Topology, clients, phase, options.Vms, failed,
            options.Vms / Stopwatch.GetElapsedTime(started, lastAccept).TotalSeconds,
            Percentiles.Of(httpTimes), options.Vms / wall.TotalSeconds, Percentiles.Of(jobTimes),
            cpu / wall, portal.Memory().Peak);
        console.WriteLine(Row(result));
        if (failed > 0)
        {
            throw new InvalidOperationException($"{failed} of {options.Vms} {phase} jobs failed with {clients} clients.");
        }

        return result;
    }

    private async Task<(string Status, long At)> EndedAsync(Guid jobId)
    {
        var ended = _ended.GetOrAdd(jobId, _ => new TaskCompletionSource<(string, long)>(TaskCreationOptions.RunContinuationsAsynchronously));
        try
        {
            return await ended.Task.WaitAsync(JobTimeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Job {jobId} was not heard ending within {JobTimeout}.");
        }
    }

    private async Task<HttpClient> ApiClientAsync(Uri address)
    {
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
        using (var basic = new HttpClient { BaseAddress = address })
        {
            // The operator lifts the demo customer's vDataCenter limits: the run measures jobs, not limits.
            basic.DefaultRequestHeaders.Authorization = Basic("operator", "operator-pass-1");
            var customers = await basic.GetFromJsonAsync<JsonElement>("/api/v1/customers", Json);
            var demo = customers.EnumerateArray().Single(c => c.GetProperty("name").GetString() == "Demo GmbH").GetProperty("id").GetGuid();
            var lifted = await basic.PutAsJsonAsync($"/api/v1/customers/{demo}/capacity", new { cores = (int?)null, memoryGiB = (int?)null, diskGiB = (int?)null });
            await SucceededAsync(lifted, "lift the demo customer's limits");

            basic.DefaultRequestHeaders.Authorization = Basic("demo", "demo-pass-1");
            var created = await basic.PostAsJsonAsync("/api/v1/tokens", new { name = "load harness", scopes = new[] { "manage" }, expiresInDays = 1 });
            await SucceededAsync(created, "create a token");
            var token = (await created.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("token").GetString()!;
            var http = new HttpClient(handler) { BaseAddress = address, Timeout = TimeSpan.FromMinutes(2) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return http;
        }
    }

    private async Task<HubConnection> ConnectFeedAsync(Uri address)
    {
        var cookies = new CookieContainer();
        using (var session = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = address })
        {
            await SucceededAsync(await session.PostAsJsonAsync("/api/v1/session", new { userName = "demo", password = "demo-pass-1" }), "sign in for the live feed");
        }

        var connection = new HubConnectionBuilder().WithUrl(new Uri(address, "/hubs/live"), o => o.Cookies = cookies).Build();
        connection.On<JobView>("job", job =>
        {
            if (job.Status is JobStatuses.Completed or JobStatuses.Failed)
            {
                var at = Stopwatch.GetTimestamp();
                _ended.GetOrAdd(job.Id, _ => new TaskCompletionSource<(string, long)>(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult((job.Status, at));
            }
        });
        await connection.StartAsync();
        return connection;
    }

    private static async Task<JobAccepted> ActAsync(HttpClient http, Guid vm, string action) =>
        await AcceptedAsync(await http.PostAsync($"/api/v1/vms/{vm}/{action}", null), $"{action} {vm}");

    private static async Task<JobAccepted> AcceptedAsync(HttpResponseMessage response, string what)
    {
        using (response)
        {
            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                throw new InvalidOperationException($"{what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }

            return (await response.Content.ReadFromJsonAsync<JobAccepted>(Json))!;
        }
    }

    private static async Task SucceededAsync(HttpResponseMessage response, string what)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    public static string Header =>
        "| topology | clients | phase | jobs | accepted/s | HTTP p50 / p95 / p99 ms | jobs/s end to end | job p50 / p95 / p99 ms | portal CPU cores | portal peak MiB |\n"
        + "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |";

    public static string Row(PhaseResult r) => string.Create(
        CultureInfo.InvariantCulture,
        $"| {r.Topology} | {r.Clients} | {r.Phase} | {r.Jobs} | {r.AcceptPerSecond:F0} | {r.Http.P50:F1} / {r.Http.P95:F1} / {r.Http.P99:F1} | {r.JobsPerSecond:F0} | {r.Job.P50:F1} / {r.Job.P95:F1} / {r.Job.P99:F1} | {r.CpuCores:F2} | {r.PeakMiB:F0} |");
}
