using System.Globalization;
using VirtualCore.Modules.Infrastructure;
using VirtualCore.NodeAgent;

namespace VirtualCore.Portal.Hosting;

/// <summary>
/// The embedded default's rack servers: in-process node agents, each with its own host description under the data
/// folder (2 sockets × 6 cores, 48 GiB, of which 43 GiB are for VMs — the seed's blades). Which adapter simulates
/// them, and with which settings, is configuration (appsettings.json): the portal knows no adapter's setting names.
/// </summary>
public sealed class EmbeddedRackServerOptions
{
    public const string Section = "EmbeddedRackServers";

    public bool Enabled { get; set; } = true;

    /// <summary>The hypervisor adapter of every embedded rack server, simulated or not.</summary>
    public string Adapter { get; set; } = "";

    /// <summary>
    /// The address of a simulated rack server. <c>{stateFile}</c> stands for its host description under the data
    /// folder, which the adapter writes back so that a restart keeps the domains as they were.
    /// </summary>
    public string SimulatedUri { get; set; } = "";

    /// <summary>
    /// The adapter settings of a simulated rack server; in values, <c>{sockets}</c>, <c>{coresPerSocket}</c> and
    /// <c>{memoryGiB}</c> stand for the server's simulated size.
    /// </summary>
    public Dictionary<string, string> SimulatedSettings { get; set; } = [];

    public List<EmbeddedRackServer> Servers { get; set; } = [];
}

public sealed class EmbeddedRackServer
{
    public string Name { get; set; } = "";

    public string Role { get; set; } = "compute";

    public int Sockets { get; set; } = 2;

    public int CoresPerSocket { get; set; } = 6;

    public int MemoryGiB { get; set; } = 48;

    public int ReservedMemoryGiB { get; set; } = 5;

    public int ReservedHostCores { get; set; }

    /// <summary>
    /// A real libvirt address for this rack server (e.g. <c>qemu:///system</c>) instead of the simulated one; the
    /// simulated size above is then not used, the hypervisor reports its own.
    /// </summary>
    public string? Uri { get; set; }

    /// <summary>Where other nodes' hypervisors send a VM that moves here; <see cref="Uri"/> when empty.</summary>
    public string? MigrationUri { get; set; }

    /// <summary>Rack servers naming the same shared storage reach the same disk images.</summary>
    public string? SharedStorage { get; set; }

    /// <summary>Extra adapter settings, e.g. <c>domainType</c>.</summary>
    public Dictionary<string, string> Settings { get; set; } = [];
}

/// <summary>The embedded rack servers as node agents of this process and as rack servers Infrastructure knows.</summary>
internal static class EmbeddedRackServers
{
    /// <summary>Registers the configured embedded rack servers, when enabled; answers the options read.</summary>
    public static EmbeddedRackServerOptions AddEmbeddedRackServers(this IServiceCollection services, IConfiguration configuration, string dataDirectory)
    {
        var options = configuration.GetSection(EmbeddedRackServerOptions.Section).Get<EmbeddedRackServerOptions>() ?? new EmbeddedRackServerOptions();
        if (!options.Enabled)
        {
            return options;
        }

        if ((options.Servers.Count > 0 && string.IsNullOrWhiteSpace(options.Adapter))
            || (options.Servers.Any(s => string.IsNullOrWhiteSpace(s.Uri)) && string.IsNullOrWhiteSpace(options.SimulatedUri)))
        {
            throw new InvalidOperationException(
                $"Embedded rack servers need {EmbeddedRackServerOptions.Section}:Adapter, and simulated ones :SimulatedUri; the portal's appsettings.json has both.");
        }

        // Registered with Infrastructure like any other rack server, unless configured there by the same name.
        services.PostConfigure<InfrastructureOptions>(o =>
            o.RackServers.AddRange(Registrations(options).Where(r => o.RackServers.All(x => x.Name != r.Name))));
        services.AddSingleton<IConsoleUplink, InProcessConsoleUplink>();
        services.AddNodeAgents(AgentsFor(options, dataDirectory, configuration));
        return options;
    }

    public static IReadOnlyList<NodeAgentOptions> AgentsFor(EmbeddedRackServerOptions options, string dataDirectory, IConfiguration configuration)
    {
        var nodesDirectory = Path.Combine(dataDirectory, "nodes");
        Directory.CreateDirectory(nodesDirectory);
        var agentDefaults = configuration.GetSection("NodeAgentDefaults");
        return options.Servers.Select(server =>
        {
            var simulated = string.IsNullOrWhiteSpace(server.Uri);
            var size = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["{sockets}"] = server.Sockets.ToString(CultureInfo.InvariantCulture),
                ["{coresPerSocket}"] = server.CoresPerSocket.ToString(CultureInfo.InvariantCulture),
                ["{memoryGiB}"] = server.MemoryGiB.ToString(CultureInfo.InvariantCulture),
            };
            var settings = simulated
                ? options.SimulatedSettings.ToDictionary(s => s.Key, s => Fill(s.Value, size))
                : [];
            foreach (var (key, value) in server.Settings)
            {
                settings[key] = value;
            }

            var stateFile = Path.GetFullPath(Path.Combine(nodesDirectory, server.Name + ".xml"));
            var agent = new NodeAgentOptions
            {
                NodeName = server.Name,
                Adapter = options.Adapter,
                Uri = simulated ? options.SimulatedUri.Replace("{stateFile}", stateFile, StringComparison.Ordinal) : server.Uri!.Trim(),
                Settings = settings,
                MigrationUri = server.MigrationUri,
            };
            agentDefaults.Bind(agent);
            return agent;
        }).ToArray();
    }

    public static IEnumerable<RackServerRegistration> Registrations(EmbeddedRackServerOptions options) =>
        options.Servers.Select(s => new RackServerRegistration
        {
            Name = s.Name,
            Role = s.Role,
            ReservedHostCores = s.ReservedHostCores,
            ReservedMemoryBytes = s.ReservedMemoryGiB * (1L << 30),
            SharedStorage = s.SharedStorage,
        });

    private static string Fill(string value, Dictionary<string, string> placeholders) =>
        placeholders.Aggregate(value, (text, p) => text.Replace(p.Key, p.Value, StringComparison.Ordinal));
}
