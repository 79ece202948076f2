using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using VirtualCore.Modules.Compute.Contracts;
using Xunit.Sdk;

namespace VirtualCore.Topology.Tests;

[CollectionDefinition(Name)]
public sealed class TopologyCollection : ICollectionFixture<TopologyFixture>
{
    public const string Name = "production topology";
}

/// <summary>
/// The production topology on this machine, started once per test run: PostgreSQL and RabbitMQ as plain processes on
/// 127.0.0.1 (scripts/servers), two rack servers node-1 and node-2 as real libvirtd nodes with QEMU in network
/// namespaces vt-n1 and vt-n2 (scripts/qemu/start-two-nodes.sh), one node agent per node and two portal instances,
/// each a process of its own from the build output. Agents use their own least-rights RabbitMQ users
/// (scripts/servers/rabbitmq-agent-user.sh), the portals a shared one. Needs root; fails, never skips, without.
/// </summary>
/// <remarks>
/// <c>VCORE_TOPOLOGY_TEST_DIR</c> (default /var/tmp/vcore-topology-tests) holds the servers' state and every process's
/// log; <c>VCORE_TOPOLOGY_PORTS</c> ("postgres,rabbitmq,portalA,portalB", default 5499,5699,5181,5182) the ports.
/// </remarks>
public sealed class TopologyFixture : IAsyncLifetime
{
    public const string Vhost = "vcore";
    public const string DemoUser = "demo";
    public const string DemoPassword = "demo-pass-1";
    public static readonly string[] Nodes = ["node-1", "node-2"];

    private const string NodesPrefix = "vt";
    private const string NodesSubnet = "10.81.0";

    private readonly IMessageSink _diagnostics;
    private readonly List<HostProcess> _portals = [];
    private readonly Dictionary<string, HostProcess> _agents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _uris = new(StringComparer.Ordinal);
    private bool _serversStarted;

    public TopologyFixture(IMessageSink diagnostics)
    {
        _diagnostics = diagnostics;
        var ports = (Environment.GetEnvironmentVariable("VCORE_TOPOLOGY_PORTS") is { Length: > 0 } list ? list : "5499,5699,5181,5182")
            .Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        (PostgresPort, RabbitMqPort) = (ports[0], ports[1]);
        PortalAddresses = [new Uri($"http://127.0.0.1:{ports[2]}"), new Uri($"http://127.0.0.1:{ports[3]}")];
    }

    public static string TestDirectory { get; } =
        Environment.GetEnvironmentVariable("VCORE_TOPOLOGY_TEST_DIR") is { Length: > 0 } dir ? dir : "/var/tmp/vcore-topology-tests";

    public int PostgresPort { get; }

    public int RabbitMqPort { get; }

    /// <summary>Portal instance A (index 0) and B (index 1).</summary>
    public IReadOnlyList<Uri> PortalAddresses { get; }

    public IReadOnlyList<HostProcess> Portals => _portals;

    public IReadOnlyDictionary<string, HostProcess> Agents => _agents;

    /// <summary>The libvirt URI of each rack server.</summary>
    public IReadOnlyDictionary<string, string> Uris => _uris;

    /// <summary>The RabbitMQ password of each agent's user, by node.</summary>
    public IReadOnlyDictionary<string, string> AgentPasswords { get; } =
        Nodes.ToDictionary(n => n, _ => RandomNumberGenerator.GetHexString(24, lowercase: true), StringComparer.Ordinal);

    private static string PostgresDirectory => Path.Combine(TestDirectory, "postgres");

    private static string RabbitMqDirectory => Path.Combine(TestDirectory, "rabbitmq");

    private static string NodesDirectory => Path.Combine(TestDirectory, "nodes");

    private static string GuestIso => Path.Combine(TestDirectory, "guest", "tiny-guest.iso");

    private static string LogDirectory => Path.Combine(TestDirectory, "logs");

    private static string PidDirectory => Path.Combine(TestDirectory, "pids");

    private string PortalPassword { get; } = RandomNumberGenerator.GetHexString(24, lowercase: true);

    private static IReadOnlyDictionary<string, string> NodesEnvironment { get; } =
        new Dictionary<string, string> { ["VC_NODES_PREFIX"] = NodesPrefix, ["VC_NODES_SUBNET"] = NodesSubnet };

    public async Task InitializeAsync()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            throw new InvalidOperationException("The topology tests need root: libvirtd runs in network namespaces, PostgreSQL as its own user.");
        }

        Directory.CreateDirectory(TestDirectory);
        // A run that was itself killed leaves its portals and agents holding the ports.
        HostProcess.KillLeftovers(PidDirectory);
        Directory.CreateDirectory(PidDirectory);
        // Logs of an earlier run would be quoted as this run's; the servers' state is made afresh below.
        if (Directory.Exists(LogDirectory))
        {
            Directory.Delete(LogDirectory, recursive: true);
        }

        Directory.CreateDirectory(LogDirectory);
        _serversStarted = true;
        try
        {
            await TimeAsync("servers and nodes", () => Task.WhenAll(StartDatabaseAsync(), StartBusAsync(), StartNodesAsync()));
            await TimeAsync("migrate", MigrateAsync);
            await TimeAsync("portal A", () => StartPortalAsync(0));
            await TimeAsync("portal B and agents", async () =>
            {
                var portal = StartPortalAsync(1);
                foreach (var node in Nodes)
                {
                    StartAgent(node);
                }

                await portal;
                await NodesOnlineAsync();
            });
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var process in _portals.Concat(_agents.Values))
        {
            process.Dispose();
        }

        if (_serversStarted)
        {
            _serversStarted = false;
            await Task.WhenAll(
                Tools.ScriptAsync("servers/stop-postgres.sh", [PostgresDirectory], TimeSpan.FromSeconds(90)),
                Tools.ScriptAsync("servers/stop-rabbitmq.sh", [RabbitMqDirectory], TimeSpan.FromSeconds(120)),
                Tools.ScriptAsync("qemu/stop-two-nodes.sh", [NodesDirectory], TimeSpan.FromSeconds(120), NodesEnvironment));
        }
    }

    /// <summary>A client of portal instance <paramref name="instance"/> (0 = A, 1 = B), signed in as the demo customer by HTTP Basic.</summary>
    public HttpClient Api(int instance)
    {
        var client = new HttpClient { BaseAddress = PortalAddresses[instance], Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{DemoUser}:{DemoPassword}")));
        return client;
    }

    /// <summary>Runs virsh against a rack server's libvirtd and answers what it printed.</summary>
    public Task<string> VirshAsync(string node, params string[] arguments) =>
        Tools.RunAsync("virsh", ["-q", "-c", _uris[node], .. arguments], TimeSpan.FromSeconds(30));

    /// <summary>The domain's state as virsh names it ("running", "shut off", …), or null when the node has no such domain.</summary>
    public async Task<string?> DomainStateAsync(string node, Guid vmId)
    {
        try
        {
            return (await VirshAsync(node, "domstate", vmId.ToString())).Trim();
        }
        // virsh words it by how it looked: "Domain not found: …" or "failed to get domain '…'".
        catch (InvalidOperationException ex) when (ex.Message.Contains("Domain not found", StringComparison.Ordinal)
            || ex.Message.Contains("failed to get domain", StringComparison.Ordinal))
        {
            return null;
        }
    }

    /// <summary>Runs rabbitmqctl against the test's RabbitMQ node.</summary>
    public Task<string> RabbitMqCtlAsync(params string[] arguments) =>
        Tools.RunAsync("bash", ["-c", $". \"$0/rabbitmq-env.sh\" \"$1\" {RabbitMqPort} && /usr/lib/rabbitmq/bin/rabbitmqctl -q \"${{@:2}}\"", ServersScripts, RabbitMqDirectory, .. arguments], TimeSpan.FromSeconds(60));

    /// <summary>How many messages wait in a queue, ready or handed out and not yet acknowledged.</summary>
    public async Task<int> QueueDepthAsync(string queue)
    {
        var lines = await RabbitMqCtlAsync("list_queues", "-p", Vhost, "name", "messages");
        return lines.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('\t'))
            .Where(c => c.Length == 2 && c[0] == queue)
            .Select(c => int.Parse(c[1], CultureInfo.InvariantCulture))
            .FirstOrDefault();
    }

    /// <summary>Starts portal instance <paramref name="instance"/> (again) and waits until it answers.</summary>
    public async Task StartPortalAsync(int instance)
    {
        while (_portals.Count <= instance)
        {
            var index = _portals.Count;
            var letter = (char)('a' + index);
            _portals.Add(new HostProcess(
                $"portal {char.ToUpperInvariant(letter)}",
                HostAssembly("VirtualCore.Portal"),
                PortalEnvironment(index),
                Path.Combine(LogDirectory, $"portal-{letter}.log"),
                Path.Combine(PidDirectory, $"portal-{letter}.pid")));
        }

        var portal = _portals[instance];
        portal.Start();
        using var probe = new HttpClient { BaseAddress = PortalAddresses[instance], Timeout = TimeSpan.FromSeconds(5) };
        await Tools.EventuallyAsync(
            async () => portal.IsRunning ? (await probe.GetAsync("/health/live")).IsSuccessStatusCode : throw new ProcessExitedException(portal.Name),
            ok => ok,
            TimeSpan.FromSeconds(120),
            _ => portal.Tail());
    }

    /// <summary>A portal instance's configuration, as an operator's environment file would give it.</summary>
    private Dictionary<string, string> PortalEnvironment(int index)
    {
        var data = Path.Combine(TestDirectory, $"portal-{(char)('a' + index)}");
        Directory.CreateDirectory(data);
        var environment = new Dictionary<string, string>
        {
            // "Testing" lets the demo tenants and logins exist on PostgreSQL, which production never has.
            ["ASPNETCORE_ENVIRONMENT"] = "Testing",
            ["Urls"] = PortalAddresses[index].ToString().TrimEnd('/'),
            ["DataDirectory"] = data,
            ["Database__Provider"] = "PostgreSQL",
            ["Database__ConnectionString"] = ConnectionString,
            ["Bus__Transport"] = "RabbitMQ",
            ["Bus__Host"] = "127.0.0.1",
            ["Bus__Port"] = RabbitMqPort.ToString(CultureInfo.InvariantCulture),
            ["Bus__VirtualHost"] = Vhost,
            ["Bus__Username"] = "vcore-portal",
            ["Bus__Password"] = PortalPassword,
            ["EmbeddedRackServers__Enabled"] = "false",
            // The agents on the rack servers dial this instance to deliver a VM's screen.
            ["Console__AgentCallbackUrl"] = $"ws://{PortalAddresses[index].Authority}",
            ["DemoVms"] = "false",
            // Sooner than production's 30 s, so a command lost with a process is sent again within a test's patience.
            ["Jobs__RedeliverAfter"] = "00:00:08",
            ["Infrastructure__IsoImages__0__Name"] = "tiny-guest",
            ["Infrastructure__IsoImages__0__Title"] = "Tiny busybox guest",
            ["Infrastructure__IsoImages__0__Path"] = GuestIso,
            ["Infrastructure__IsoImages__0__SizeBytes"] = new FileInfo(GuestIso).Length.ToString(CultureInfo.InvariantCulture),
        };
        for (var i = 0; i < Nodes.Length; i++)
        {
            environment[$"Infrastructure__RackServers__{i}__Name"] = Nodes[i];
        }

        return environment;
    }

    /// <summary>Brings the database's schema up to date with the portal's <c>migrate</c> command, as an upgrade does before instances start.</summary>
    private async Task MigrateAsync()
    {
        var output = await Tools.RunAsync("dotnet", [HostAssembly("VirtualCore.Portal"), "migrate"], TimeSpan.FromMinutes(2), PortalEnvironment(0));
        await File.WriteAllTextAsync(Path.Combine(LogDirectory, "migrate.log"), output);
    }

    /// <summary>Starts the agent of <paramref name="node"/> (again); it serves the node once its heartbeat arrives.</summary>
    public void StartAgent(string node)
    {
        if (!_agents.TryGetValue(node, out var agent))
        {
            var environment = new Dictionary<string, string>
            {
                ["NodeAgent__NodeName"] = node,
                ["NodeAgent__Uri"] = _uris[node],
                // Both nodes live on this machine: the source's libvirtd reaches the target's socket directly.
                ["NodeAgent__MigrationUri"] = _uris[node],
                ["NodeAgent__HeartbeatInterval"] = "00:00:02",
                ["NodeAgent__UsageInterval"] = "00:00:02",
                // Nested virtualisation here runs no Linux kernel under KVM; the tiny guest boots under TCG.
                ["NodeAgent__Settings__domainType"] = Environment.GetEnvironmentVariable("VCORE_QEMU_DOMAIN_TYPE") is { Length: > 0 } type ? type : "qemu",
                ["Bus__Host"] = "127.0.0.1",
                ["Bus__Port"] = RabbitMqPort.ToString(CultureInfo.InvariantCulture),
                ["Bus__VirtualHost"] = Vhost,
                ["Bus__Username"] = $"agent-{node}",
                ["Bus__Password"] = AgentPasswords[node],
            };
            agent = new HostProcess($"agent {node}", HostAssembly("VirtualCore.NodeAgent"), environment, Path.Combine(LogDirectory, $"agent-{node}.log"), Path.Combine(PidDirectory, $"agent-{node}.pid"));
            _agents.Add(node, agent);
        }

        agent.Start();
    }

    /// <summary>Waits until portal A lists both rack servers online with their cores, as their agents' heartbeats tell.</summary>
    public async Task NodesOnlineAsync(DateTimeOffset? heardSince = null)
    {
        using var api = Api(0);
        await Tools.EventuallyAsync(
            () => api.GetAsync<NodeUsageView[]>("/api/v1/nodes"),
            all => Nodes.All(n => all.Any(v => v.Name == n && v.Online && v.PhysicalCores > 0 && (heardSince is null || v.LastHeartbeatAt > heardSince))),
            TimeSpan.FromSeconds(90),
            all => $"nodes: {string.Join("; ", all?.Select(n => $"{n.Name} online={n.Online} cores={n.PhysicalCores} heard={n.LastHeartbeatAt:O}") ?? [])}\n{Logs()}");
    }

    /// <summary>Stops RabbitMQ and starts it again on the same state (durable queues and their messages survive).</summary>
    public async Task RestartRabbitMqAsync()
    {
        await TimeAsync("stop RabbitMQ", () => Tools.ScriptAsync("servers/stop-rabbitmq.sh", [RabbitMqDirectory], TimeSpan.FromSeconds(120)));
        await TimeAsync("start RabbitMQ", () => Tools.ScriptAsync("servers/start-rabbitmq.sh", [RabbitMqDirectory, RabbitMqPort.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(120)));
    }

    /// <summary>Stops PostgreSQL (ending every session) and starts it again on the same data.</summary>
    public async Task RestartPostgresAsync()
    {
        await Tools.ScriptAsync("servers/stop-postgres.sh", [PostgresDirectory], TimeSpan.FromSeconds(90));
        await Tools.ScriptAsync("servers/start-postgres.sh", [PostgresDirectory, PostgresPort.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(90));
    }

    /// <summary>The last lines of every process's log, for a failure's message.</summary>
    public string Logs(int lines = 25) =>
        string.Join('\n', _portals.Concat(_agents.Values).Select(p => p.Tail(lines)));

    private string ConnectionString => $"Host=127.0.0.1;Port={PostgresPort};Username=postgres;Database=vcore";

    private static string ServersScripts => Path.Combine(Tools.RepositoryRoot, "scripts", "servers");

    internal static string HostAssembly(string project)
    {
        // The hosts are built with the same configuration as this assembly (bin/<Configuration>/<framework>/).
        var output = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory));
        return Path.Combine(Tools.RepositoryRoot, "hosts", project, "bin", output.Parent!.Name, output.Name, $"{project}.dll");
    }

    private async Task StartDatabaseAsync()
    {
        // Each run starts from an empty cluster: what an earlier run left would be counted as this run's.
        await Tools.ScriptAsync("servers/stop-postgres.sh", [PostgresDirectory], TimeSpan.FromSeconds(90));
        if (Directory.Exists(PostgresDirectory))
        {
            Directory.Delete(PostgresDirectory, recursive: true);
        }

        await Tools.ScriptAsync("servers/start-postgres.sh", [PostgresDirectory, PostgresPort.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(120));
        await Tools.RunAsync("psql", ["-h", "127.0.0.1", "-p", PostgresPort.ToString(CultureInfo.InvariantCulture), "-U", "postgres", "-q", "-c", "CREATE DATABASE vcore"], TimeSpan.FromSeconds(30));
    }

    private async Task StartBusAsync()
    {
        await Tools.ScriptAsync("servers/stop-rabbitmq.sh", [RabbitMqDirectory], TimeSpan.FromSeconds(120));
        if (Directory.Exists(RabbitMqDirectory))
        {
            Directory.Delete(RabbitMqDirectory, recursive: true);
        }

        await Tools.ScriptAsync("servers/start-rabbitmq.sh", [RabbitMqDirectory, RabbitMqPort.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(120));
        var tools = new Dictionary<string, string> { ["RABBITMQCTL"] = "/usr/lib/rabbitmq/bin/rabbitmqctl" };
        await Tools.RunAsync("bash", ["-c", $". \"$0/rabbitmq-env.sh\" \"$1\" {RabbitMqPort} && \"$0/rabbitmq-portal-user.sh\" \"$2\" {Vhost}", ServersScripts, RabbitMqDirectory, PortalPassword], TimeSpan.FromSeconds(60), tools);
        foreach (var node in Nodes)
        {
            await Tools.RunAsync("bash", ["-c", $". \"$0/rabbitmq-env.sh\" \"$1\" {RabbitMqPort} && \"$0/rabbitmq-agent-user.sh\" \"$2\" \"$3\" {Vhost}", ServersScripts, RabbitMqDirectory, node, AgentPasswords[node]], TimeSpan.FromSeconds(60), tools);
        }
    }

    private async Task StartNodesAsync()
    {
        await Tools.ScriptAsync("qemu/build-guest.sh", [Path.Combine(TestDirectory, "guest")], TimeSpan.FromMinutes(5));
        var uris = (await Tools.ScriptAsync("qemu/start-two-nodes.sh", [NodesDirectory], TimeSpan.FromSeconds(120), NodesEnvironment)).Trim().Split('\n');
        if (uris.Length != 2)
        {
            throw new InvalidOperationException($"start-two-nodes.sh printed {uris.Length} lines, not the two URIs: {string.Join(" | ", uris)}");
        }

        for (var i = 0; i < Nodes.Length; i++)
        {
            _uris[Nodes[i]] = uris[i];
        }
    }

    private async Task TimeAsync(string step, Func<Task> action)
    {
        var watch = Stopwatch.StartNew();
        await action();
        _diagnostics.OnMessage(new DiagnosticMessage($"[topology] {step}: {watch.Elapsed.TotalSeconds:F1} s"));
    }
}

/// <summary>A host process ended while the test waited for it to answer.</summary>
public sealed class ProcessExitedException(string name) : InvalidOperationException($"{name} exited.");
