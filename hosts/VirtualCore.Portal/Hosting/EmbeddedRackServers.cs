using VirtualCore.Modules.Infrastructure;
using VirtualCore.NodeAgent;

namespace VirtualCore.Portal.Hosting;

/// <summary>
/// The embedded default's rack servers: in-process node agents whose libvirt adapters talk to the libvirt test
/// driver, each with its own host description under the data folder (2 sockets × 6 cores, 48 GiB, of which
/// 43 GiB are for VMs — the seed's blades). The adapter writes the domains back to that file, so a restart keeps
/// them in the state they had.
/// </summary>
public sealed class EmbeddedRackServerOptions
{
    public const string Section = "EmbeddedRackServers";

    public bool Enabled { get; set; } = true;

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

internal static class EmbeddedRackServers
{
    public static IReadOnlyList<NodeAgentOptions> AgentsFor(EmbeddedRackServerOptions options, string dataDirectory, IConfiguration configuration)
    {
        var nodesDirectory = Path.Combine(dataDirectory, "nodes");
        Directory.CreateDirectory(nodesDirectory);
        var agentDefaults = configuration.GetSection("NodeAgentDefaults");
        return options.Servers.Select(server =>
        {
            var simulated = string.IsNullOrWhiteSpace(server.Uri);
            var settings = simulated
                ? new Dictionary<string, string>
                {
                    ["persistTestDriverState"] = "true",
                    ["simulatedSockets"] = server.Sockets.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["simulatedCoresPerSocket"] = server.CoresPerSocket.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["simulatedMemoryGiB"] = server.MemoryGiB.ToString(System.Globalization.CultureInfo.InvariantCulture),
                }
                : [];
            foreach (var (key, value) in server.Settings)
            {
                settings[key] = value;
            }

            var agent = new NodeAgentOptions
            {
                NodeName = server.Name,
                Adapter = "libvirt",
                Uri = simulated ? "test://" + Path.GetFullPath(Path.Combine(nodesDirectory, server.Name + ".xml")) : server.Uri!.Trim(),
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
}
