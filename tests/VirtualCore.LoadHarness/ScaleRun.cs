using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Microsoft.Data.Sqlite;
using static VirtualCore.LoadHarness.SeedSql;

namespace VirtualCore.LoadHarness;

/// <summary>One read's latency as a client on loopback saw it.</summary>
internal sealed record ReadResult(string What, int Requests, Percentiles Latency, Percentiles Server, int Rows);

/// <summary>
/// One portal instance at a provider's scale, on the embedded default: many simulated rack servers (each reporting
/// every few seconds, every domain reconciled), customers with their VMs, and a long job history. The portal starts
/// once to create its database and node files; the VMs (each a domain on its rack server, running, with its core),
/// customers and jobs are then written straight into both, and the portal starts again on them. Measured: the reads
/// people wait for (the VM list of a customer with many VMs, the job log, the rack servers), and memory.
/// </summary>
internal sealed class ScaleRun(LoadOptions options, int customers, int jobs, int bigCustomerVms, int usageSeconds, TextWriter console)
{
    private static readonly Guid Provider = new("7c0e1a5e-0000-4000-8000-000000000001");
    private static readonly Guid DemoCustomer = new("7c0e1a5e-0000-4000-8000-0000000000c1");
    private static readonly XNamespace Test = "http://libvirt.org/schemas/domain/test/1.0";
    private const int CoresPerNode = 32;
    private const int Requests = 200;

    public double IdleMiB { get; private set; }

    public double PeakMiB { get; private set; }

    /// <summary>The portal's CPU (in cores) over ten seconds before the reads, with only the rack servers' heartbeats.</summary>
    public double BackgroundCores { get; private set; }

    /// <summary>Usage samples (one VM or rack server at one instant) stored per second while the reads ran.</summary>
    public double SamplesPerSecond { get; private set; }

    /// <summary>How far the newest stored sample was behind the clock when the reads ended.</summary>
    public double NewestSampleAgeSeconds { get; private set; }

    /// <summary>Alert rules seeded (two per customer over all its VMs, two over every rack server), evaluation rounds while the reads ran, their mean time, and alerts open at the end.</summary>
    public (int Rules, double Rounds, double MeanMs, long Open) Alerts { get; private set; }

    /// <summary>What one VM's usage history takes in the database after a year, and with every ring full (ten years).</summary>
    public (double Year, double Full) StorageMiBPerVm { get; private set; }

    private Guid firstVm;

    public async Task<IReadOnlyList<ReadResult>> RunAsync()
    {
        var address = new Uri($"http://127.0.0.1:{options.Port}");
        var data = Path.Combine(options.WorkDirectory, "portal");
        var settings = Settings();
        using var portal = await PortalProcess.StartSeededAsync(options.PortalDll, address, data, settings, () =>
        {
            var watch = Stopwatch.StartNew();
            Seed(data);
            console.WriteLine($"seeded {options.Vms} VMs, {customers} customers, {jobs} jobs on {options.Nodes} rack servers in {watch.Elapsed.TotalSeconds:F0} s");
        });
        try
        {
            // Every rack server has reported at least once and its domains were reconciled.
            await Task.Delay(TimeSpan.FromSeconds(options.HeartbeatSeconds * 3));
            IdleMiB = portal.Memory().Resident;

            // What the heartbeats and their reconciliation cost with nobody reading: the background the reads compete with.
            var cpuBefore = portal.CpuTime();
            var clock = Stopwatch.StartNew();
            await Task.Delay(TimeSpan.FromSeconds(10));
            BackgroundCores = (portal.CpuTime() - cpuBefore).TotalSeconds / clock.Elapsed.TotalSeconds;
            using var demo = await TokenClientAsync(address, "demo", "demo-pass-1");
            using var operatorApi = await TokenClientAsync(address, "operator", "operator-pass-1");
            using var demoPages = await PageClientAsync(address, "demo", "demo-pass-1");
            using var operatorPages = await PageClientAsync(address, "operator", "operator-pass-1");
            portal.ResetPeak();
            var (samplesBefore, readsStarted) = (await SamplesStoredAsync(address), Stopwatch.StartNew());
            var (evaluationsBefore, evaluatedBefore) = await EvaluationsAsync(address);
            var results = new List<ReadResult>
            {
                await ReadAsync("API: one VM's usage, last hour (10-second samples)", demo, $"/api/v1/vms/{firstVm}/metrics?range=hour"),
                await ReadAsync("API: one VM's usage, last 24 hours (minutes)", demo, $"/api/v1/vms/{firstVm}/metrics?range=day"),
                await ReadAsync("API: one VM's usage, last year (days)", demo, $"/api/v1/vms/{firstVm}/metrics?range=year"),
                await ReadAsync("page: one VM with its graphs", demoPages, $"/vms/{firstVm}"),
                await ReadAsync($"API: VM list of a customer with {bigCustomerVms} VMs, all at once", demo, "/api/v1/vms"),
                await ReadAsync($"API: VM list of {bigCustomerVms} VMs, first 100 by name", demo, "/api/v1/vms?limit=100"),
                await ReadAsync($"API: VM list of {bigCustomerVms} VMs, last 100 by state", demo, $"/api/v1/vms?limit=100&sort=state&offset={Math.Max(0, bigCustomerVms - 100)}"),
                await ReadAsync($"API: VM list of {bigCustomerVms} VMs, search in the name", demo, "/api/v1/vms?limit=100&search=vm-00"),
                await ReadAsync($"page: VM list of {bigCustomerVms} VMs, first page", demoPages, "/vms"),
                await ReadAsync($"page: VM list of {bigCustomerVms} VMs, last page", demoPages, $"/vms?page={Math.Max(1, (bigCustomerVms + 99) / 100)}"),
                await ReadAsync($"API: operator's job log, newest 100 of {jobs}", operatorApi, "/api/v1/jobs?limit=100"),
                await ReadAsync("API: operator's job log, failed jobs only", operatorApi, "/api/v1/jobs?limit=100&status=failed"),
                await ReadAsync("API: a customer's job log, newest 100", demo, "/api/v1/jobs?limit=100"),
                await ReadAsync("page: operator's job log", operatorPages, "/jobs"),
                await ReadAsync($"API: {options.Nodes} rack servers with their use", operatorApi, "/api/v1/nodes"),
                await ReadAsync($"page: {options.Nodes} rack servers, first page", operatorPages, "/nodes"),
                await ReadAsync($"page: {options.Nodes} rack servers, searched", operatorPages, "/nodes?search=load-4"),
            };
            PeakMiB = portal.Memory().Peak;
            SamplesPerSecond = (await SamplesStoredAsync(address) - samplesBefore) / readsStarted.Elapsed.TotalSeconds;
            var (evaluations, evaluated) = await EvaluationsAsync(address);
            var rounds = evaluations - evaluationsBefore;
            Alerts = (customers * 2 + 2, rounds, rounds > 0 ? (evaluated - evaluatedBefore) * 1000 / rounds : double.NaN, Scalar(data, "SELECT COUNT(*) FROM Alerts WHERE State IN ('firing', 'acknowledged')"));
            NewestSampleAgeSeconds = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - NewestSample(data);
            portal.Dispose();
            StorageMiBPerVm = MeasureStorage(data);
            return results;
        }
        catch (Exception e)
        {
            var kept = Path.Combine(Path.GetTempPath(), "vcore-load-portal-scale.log");
            File.Copy(portal.LogPath, kept, overwrite: true);
            throw new InvalidOperationException($"{e.Message}\n--- portal log (whole: {kept}) ---\n{portal.Tail()}", e);
        }
    }

    private Dictionary<string, string> Settings()
    {
        var settings = new Dictionary<string, string>
        {
            ["environment"] = "Embedded",
            ["DemoVms"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
            ["NodeAgentDefaults:HeartbeatInterval"] = TimeSpan.FromSeconds(options.HeartbeatSeconds).ToString("c", CultureInfo.InvariantCulture),
            ["NodeAgentDefaults:UsageInterval"] = TimeSpan.FromSeconds(usageSeconds).ToString("c", CultureInfo.InvariantCulture),
        };
        for (var i = 0; i < options.Nodes; i++)
        {
            settings[$"EmbeddedRackServers:Servers:{i}:Name"] = Node(i);
            settings[$"EmbeddedRackServers:Servers:{i}:Role"] = "compute";
            settings[$"EmbeddedRackServers:Servers:{i}:Sockets"] = "2";
            settings[$"EmbeddedRackServers:Servers:{i}:CoresPerSocket"] = (CoresPerNode / 2).ToString(CultureInfo.InvariantCulture);
            settings[$"EmbeddedRackServers:Servers:{i}:MemoryGiB"] = "256";
            settings[$"EmbeddedRackServers:Servers:{i}:ReservedMemoryGiB"] = "8";
        }

        return settings;
    }

    private static string Node(int i) => $"load-{i + 1}";

    private void Seed(string data)
    {
        var random = new Random(20261205);
        var now = DateTimeOffset.UtcNow;
        var customerIds = new List<Guid> { DemoCustomer };
        var vms = new List<(Guid Id, Guid Customer, string Name, int Node, int Core)>();
        using var connection = new SqliteConnection($"Data Source={Path.Combine(data, "virtualcore.db")};Pooling=false");
        connection.Open();
        using (var transaction = connection.BeginTransaction())
        {
            using var customer = Command(connection, transaction, "INSERT INTO Customers (Id, ResellerId, Name, OtpRequired, CreatedAt) VALUES ($id, $reseller, $name, 0, $at)");
            for (var i = 1; i < customers; i++)
            {
                var id = Guid.NewGuid();
                customerIds.Add(id);
                Run(customer, ("$id", Text(id)), ("$reseller", Text(Provider)), ("$name", $"Load customer {i:D4}"), ("$at", now.UtcTicks));
            }

            using var vm = Command(connection, transaction, """
                INSERT INTO VirtualMachines (Id, ResellerId, CustomerId, Name, VCpus, MemoryGiB, DiskGiB, IsoName, NodeName, MacAddress, Addresses,
                  State, BootOrder, DiskBus, NicModel, NextBootChanges, StateChangedAt, CreatedAt, CreatedBy, Version)
                VALUES ($id, $reseller, $customer, $name, 1, 1, 10, NULL, $node, $mac, '', 'running', 'disk,cdrom', 'virtio', 'virtio', '', $at, $at, 'load', 0)
                """);
            using var core = Command(connection, transaction, "INSERT INTO CoreAllocations (NodeName, Core, VmId) VALUES ($node, $core, $vm)");
            for (var i = 0; i < options.Vms; i++)
            {
                var owner = i < bigCustomerVms ? DemoCustomer : customerIds[1 + ((i - bigCustomerVms) % (customerIds.Count - 1))];
                var (node, slot) = (i % options.Nodes, i / options.Nodes);
                var id = Guid.NewGuid();
                var name = $"vm-{i:D5}";
                vms.Add((id, owner, name, node, slot));
                if (i == 0)
                {
                    firstVm = id;
                }

                Run(vm, ("$id", Text(id)), ("$reseller", Text(Provider)), ("$customer", Text(owner)), ("$name", name), ("$node", Node(node)),
                    ("$mac", $"52:54:00:{i >> 16 & 0xff:x2}:{i >> 8 & 0xff:x2}:{i & 0xff:x2}"), ("$at", now.AddDays(-400).UtcTicks));
                Run(core, ("$node", Node(node)), ("$core", slot), ("$vm", Text(id)));
            }

            // A year of history: each VM's jobs spread over it, one in fifty failed.
            using var job = Command(connection, transaction, """
                INSERT INTO Jobs (Id, ResellerId, CustomerId, TargetType, TargetId, TargetName, Action, UserName, NodeName, Status, Progress, Info,
                  QueuedAt, StartedAt, EndedAt, CommandName, CommandJson, DispatchedAt, DispatchAttempts, LastSignalAt, Version)
                VALUES ($id, $reseller, $customer, 'vServer', $vm, $name, $action, 'load', $node, $status, 100, $info, $queued, $queued, $ended, 'pause-domain', '{}', $queued, 1, $ended, 2)
                """);
            string[] actions = ["start", "shutdown", "pause", "resume", "restart", "reset"];
            var span = TimeSpan.FromDays(365).Ticks;
            for (var i = 0; i < jobs; i++)
            {
                var target = vms[i % vms.Count];
                var queued = now.UtcTicks - (long)(random.NextDouble() * span);
                var failed = random.Next(50) == 0;
                Run(job, ("$id", Text(Guid.NewGuid())), ("$reseller", Text(Provider)), ("$customer", Text(target.Customer)), ("$vm", Text(target.Id)),
                    ("$name", target.Name), ("$action", actions[i % actions.Length]), ("$node", Node(target.Node)), ("$status", failed ? "failed" : "completed"),
                    ("$info", failed ? "The rack server refused the action." : "Done."), ("$queued", queued), ("$ended", queued + 150_000));
            }

            // The alert rules a provider and its customers would have: every customer watches its VMs for CPU and stops,
            // the provider its rack servers for CPU and going offline.
            using var rule = Command(connection, transaction, """
                INSERT INTO AlertRules (Id, ResellerId, CustomerId, Name, Scope, Subject, Condition, Threshold, ClearBelow, DurationSeconds, Emails, Enabled, CreatedAt, CreatedBy)
                VALUES ($id, $reseller, $customer, $name, $scope, $subject, $condition, $threshold, $clear, 600, '', 1, $at, 'load')
                """);
            foreach (var customerId in customerIds)
            {
                Run(rule, ("$id", Text(Guid.NewGuid())), ("$reseller", Text(Provider)), ("$customer", Text(customerId)), ("$name", "busy"), ("$scope", "customer"), ("$subject", ""), ("$condition", "cpu"), ("$threshold", 90.0), ("$clear", 80.0), ("$at", now.UtcTicks));
                Run(rule, ("$id", Text(Guid.NewGuid())), ("$reseller", Text(Provider)), ("$customer", Text(customerId)), ("$name", "down"), ("$scope", "customer"), ("$subject", ""), ("$condition", "stopped"), ("$threshold", DBNull.Value), ("$clear", DBNull.Value), ("$at", now.UtcTicks));
            }

            Run(rule, ("$id", Text(Guid.NewGuid())), ("$reseller", Text(Guid.Empty)), ("$customer", Text(Guid.Empty)), ("$name", "rack busy"), ("$scope", "node"), ("$subject", "*"), ("$condition", "cpu"), ("$threshold", 95.0), ("$clear", 85.0), ("$at", now.UtcTicks));
            Run(rule, ("$id", Text(Guid.NewGuid())), ("$reseller", Text(Guid.Empty)), ("$customer", Text(Guid.Empty)), ("$name", "rack down"), ("$scope", "node"), ("$subject", "*"), ("$condition", "offline"), ("$threshold", DBNull.Value), ("$clear", DBNull.Value), ("$at", now.UtcTicks));
            transaction.Commit();
        }

        // Each VM a running domain on its simulated rack server, named by its id as the adapter names them.
        foreach (var group in vms.GroupBy(v => v.Node))
        {
            var path = Path.Combine(data, "nodes", Node(group.Key) + ".xml");
            var document = XDocument.Load(path);
            foreach (var v in group)
            {
                document.Root!.Add(new XElement(
                    "domain",
                    new XAttribute("type", "test"),
                    new XAttribute(XNamespace.Xmlns + "test", Test.NamespaceName),
                    new XElement("name", "vm-" + v.Id.ToString("N")),
                    new XElement("uuid", v.Id.ToString("D")),
                    new XElement("title", v.Name),
                    new XElement("memory", 1048576),
                    new XElement("vcpu", 1),
                    new XElement("os", new XElement("type", "hvm")),
                    new XElement(Test + "runstate", 1)));
            }

            document.Save(path);
        }
    }

    /// <summary>The portal's count of usage samples stored so far, from its Prometheus metrics.</summary>
    private static async Task<double> SamplesStoredAsync(Uri address)
    {
        using var client = new HttpClient { BaseAddress = address };
        var metrics = await client.GetStringAsync("/metrics");
        return metrics.Split('\n')
            .Where(line => line.StartsWith("vcore_usage_samples", StringComparison.Ordinal))
            .Select(line => double.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture))
            .DefaultIfEmpty(0)
            .Sum();
    }

    /// <summary>How many alert evaluations the portal has run and their total seconds, from its Prometheus metrics.</summary>
    private static async Task<(double Count, double Seconds)> EvaluationsAsync(Uri address)
    {
        using var client = new HttpClient { BaseAddress = address };
        var lines = (await client.GetStringAsync("/metrics")).Split('\n');
        double Read(string name) => lines.Where(line => line.StartsWith(name + " ", StringComparison.Ordinal) || line.StartsWith(name + "{", StringComparison.Ordinal))
            .Select(line => double.Parse(line.Split(' ')[^1], CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Sum();
        return (Read("vcore_alerts_evaluation_seconds_count"), Read("vcore_alerts_evaluation_seconds_sum"));
    }

    private static long NewestSample(string data) => Scalar(data, "SELECT COALESCE(MAX(BucketStart), 0) FROM MetricPoints WHERE Tier = 0");

    private static long Scalar(string data, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(data, "virtualcore.db")};Mode=ReadOnly;Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Writes one more VM's history into the stopped portal's database as a year of use leaves it (every 10-second sample
    /// of the last 48 hours, every minute of two weeks, every quarter hour of three months, every two hours and every day of
    /// the year), then the rest of the rings as ten years leave them; the database's growth in pages is what a VM takes.
    /// </summary>
    private static (double Year, double Full) MeasureStorage(string data)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(data, "virtualcore.db")};Pooling=false");
        connection.Open();
        long Pragma(string sql)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        }

        long Pages()
        {
            Pragma("PRAGMA wal_checkpoint(TRUNCATE)");
            return Pragma("SELECT (SELECT page_count FROM pragma_page_count()) - (SELECT freelist_count FROM pragma_freelist_count())");
        }

        var pageSize = Pragma("PRAGMA page_size");
        var start = Pages();
        long id;
        using (var transaction = connection.BeginTransaction())
        {
            using var series = Command(connection, transaction, "INSERT INTO MetricSeries (Kind, Subject, ResellerId, CustomerId, Simulated, CreatedAt) VALUES ('vm', $subject, $r, $c, 1, 0) RETURNING Id");
            series.Parameters.AddWithValue("$subject", Guid.NewGuid().ToString());
            series.Parameters.AddWithValue("$r", Text(Provider));
            series.Parameters.AddWithValue("$c", Text(DemoCustomer));
            id = Convert.ToInt64(series.ExecuteScalar(), CultureInfo.InvariantCulture);
            Fill(connection, transaction, id, [(0, 10, 17_280, 17_280), (1, 60, 20_160, 20_160), (2, 900, 8_832, 8_832), (3, 7_200, 8_784, 4_392), (4, 86_400, 3_653, 365)]);
            transaction.Commit();
        }

        var year = Pages();
        using (var transaction = connection.BeginTransaction())
        {
            Fill(connection, transaction, id, [(3, 7_200, 8_784, 8_784), (4, 86_400, 3_653, 3_653)]);
            transaction.Commit();
        }

        var full = Pages();
        return ((year - start) * pageSize / 1048576.0, (full - start) * pageSize / 1048576.0);
    }

    /// <summary>Fills the series' rings, tier by tier (raw samples hold 12 figures, rolled-up buckets 36), the newest bucket now.</summary>
    private static void Fill(SqliteConnection connection, SqliteTransaction transaction, long series, IReadOnlyList<(int Tier, int Step, int Length, int Count)> tiers)
    {
        var random = new Random(7);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using var insert = Command(connection, transaction, "INSERT INTO MetricPoints (SeriesId, Tier, Slot, BucketStart, Count, Data) VALUES ($s, $t, $slot, $b, $n, $d) "
            + "ON CONFLICT (SeriesId, Tier, Slot) DO UPDATE SET BucketStart = excluded.BucketStart, Count = excluded.Count, Data = excluded.Data");
        foreach (var (tier, step, length, count) in tiers)
        {
            for (var i = 0; i < count; i++)
            {
                var bucket = (now / step * step) - ((long)i * step);
                var figures = new byte[(tier == 0 ? 12 : 36) * 4];
                random.NextBytes(figures);
                Run(insert, ("$s", series), ("$t", tier), ("$slot", bucket / step % length), ("$b", bucket), ("$n", tier == 0 ? 1 : 6), ("$d", figures));
            }
        }
    }

    private async Task<ReadResult> ReadAsync(string what, HttpClient client, string path)
    {
        var times = new List<double>();
        var server = new List<double>();
        var rows = 0;
        for (var i = 0; i < Requests + 10; i++)
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await client.GetAsync(path);
            var body = await response.Content.ReadAsByteArrayAsync();
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"{path}: {(int)response.StatusCode} {Encoding.UTF8.GetString(body)}");
            }

            // The first few warm the caches and the JIT; a user's first visit after a start pays that once.
            if (i >= 10)
            {
                times.Add(elapsed);
                server.Add(ServerTime(response));
            }

            if (i == 0 && response.Content.Headers.ContentType?.MediaType == "application/json")
            {
                using var json = JsonDocument.Parse(body);
                rows = json.RootElement.ValueKind == JsonValueKind.Array ? json.RootElement.GetArrayLength() : 0;
            }
        }

        var result = new ReadResult(what, Requests, Percentiles.Of(times), Percentiles.Of(server), rows);
        console.WriteLine(Row(result));
        return result;
    }

    // The portal's own time to the response's first byte, from its Server-Timing header ("app;dur=12.3").
    private static double ServerTime(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Server-Timing", out var values)
        && values.Select(v => v.Split("dur=")).FirstOrDefault(p => p.Length == 2) is { } parts
        && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var ms)
            ? ms
            : double.NaN;

    private static async Task<HttpClient> TokenClientAsync(Uri address, string user, string password)
    {
        using var basic = new HttpClient { BaseAddress = address };
        basic.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        using var created = await basic.PostAsJsonAsync("/api/v1/tokens", new { name = "scale", scopes = new[] { "read" }, expiresInDays = 1 });
        if (!created.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"token for {user}: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
        }

        var token = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(1) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task<HttpClient> PageClientAsync(Uri address, string user, string password)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new System.Net.CookieContainer() }) { BaseAddress = address, Timeout = TimeSpan.FromMinutes(1) };
        using var signIn = await client.PostAsJsonAsync("/api/v1/session", new { userName = user, password });
        if (!signIn.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"sign-in of {user}: {(int)signIn.StatusCode}");
        }

        return client;
    }

    public static string Header =>
        "| read | requests | client p50 / p95 / p99 ms | server p50 / p95 / p99 ms | rows |\n| --- | ---: | ---: | ---: | ---: |";

    public static string Row(ReadResult r) => string.Create(
        CultureInfo.InvariantCulture, $"| {r.What} | {r.Requests} | {r.Latency.P50:F1} / {r.Latency.P95:F1} / {r.Latency.P99:F1} | {r.Server.P50:F1} / {r.Server.P95:F1} / {r.Server.P99:F1} | {(r.Rows > 0 ? r.Rows.ToString(CultureInfo.InvariantCulture) : "")} |");
}
