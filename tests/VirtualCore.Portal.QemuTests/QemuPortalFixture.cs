using System.Diagnostics;
using System.Globalization;
using VirtualCore.Portal.Tests;
using Xunit.Sdk;

namespace VirtualCore.Portal.QemuTests;

[CollectionDefinition(Name)]
public sealed class QemuPortalCollection : ICollectionFixture<QemuPortalFixture>
{
    public const string Name = "portal on two QEMU rack servers";
}

/// <summary>
/// A whole portal whose rack servers rack-1 and rack-2 are two real libvirtd nodes with QEMU (scripts/qemu/start-two-nodes.sh,
/// namespaces vp-n1 and vp-n2 on 10.79.0.0/24, so this pair never meets the adapter tests' vc-n1 and vc-n2), each with
/// local disks; VMs boot the tiny guest's CD-ROM (scripts/qemu/build-guest.sh). Needs root; fails, never skips, without.
/// Every test class shares the one pair through <see cref="QemuPortalCollection"/>.
/// </summary>
/// <remarks><c>VCORE_PORTAL_QEMU_TEST_DIR</c> (default /var/tmp/vcore-portal-qemu-tests) holds the nodes' state and the guest.</remarks>
public sealed class QemuPortalFixture : IAsyncLifetime
{
    private const string Prefix = "vp";
    private const string Subnet = "10.79.0";

    private readonly IMessageSink diagnostics;
    private PortalFixture? portal;
    private bool nodesStarted;

    public QemuPortalFixture(IMessageSink diagnostics) => this.diagnostics = diagnostics;

    public PortalFixture Portal => portal ?? throw new InvalidOperationException("The fixture did not start.");

    /// <summary>The libvirt URI of each QEMU rack server, by its name in the portal.</summary>
    public IReadOnlyDictionary<string, string> Uris { get; private set; } = new Dictionary<string, string>();

    private static string TestDirectory { get; } =
        Environment.GetEnvironmentVariable("VCORE_PORTAL_QEMU_TEST_DIR") is { Length: > 0 } dir ? dir : "/var/tmp/vcore-portal-qemu-tests";

    private static string NodesDirectory => Path.Combine(TestDirectory, "two-nodes");

    public static string GuestIso => Path.Combine(TestDirectory, "guest", "tiny-guest.iso");

    public async Task InitializeAsync()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            throw new InvalidOperationException("The portal's QEMU tests need root: they run libvirtd in system mode in network namespaces.");
        }

        await TimeAsync("build guest", () => RunScriptAsync("build-guest.sh", Path.Combine(TestDirectory, "guest"), TimeSpan.FromMinutes(5)));
        nodesStarted = true;
        try
        {
            var uris = (await TimeAsync("start two nodes", () => RunScriptAsync("start-two-nodes.sh", NodesDirectory, TimeSpan.FromSeconds(120)))).Trim().Split('\n');
            if (uris.Length != 2)
            {
                throw new InvalidOperationException($"start-two-nodes.sh printed {uris.Length} lines, not the two URIs: {string.Join(" | ", uris)}");
            }

            Uris = new Dictionary<string, string> { ["rack-1"] = uris[0], ["rack-2"] = uris[1] };
            var settings = new Dictionary<string, string>
            {
                ["Infrastructure:IsoImages:0:Name"] = "tiny-guest",
                ["Infrastructure:IsoImages:0:Title"] = "Tiny busybox guest",
                ["Infrastructure:IsoImages:0:Path"] = GuestIso,
                ["Infrastructure:IsoImages:0:SizeBytes"] = new FileInfo(GuestIso).Length.ToString(CultureInfo.InvariantCulture),
            };
            for (var i = 0; i < 2; i++)
            {
                settings[$"EmbeddedRackServers:Servers:{i}:Uri"] = uris[i];
                settings[$"EmbeddedRackServers:Servers:{i}:Settings:domainType"] =
                    Environment.GetEnvironmentVariable("VCORE_QEMU_DOMAIN_TYPE") is { Length: > 0 } type ? type : "qemu";
            }

            // On a real port, so that a browser can open the portal's pages and its console WebSocket.
            portal = new PortalFixture(settings: settings, realServer: true);
            portal.StartServer();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (portal is not null)
        {
            await portal.DisposeAsync();
            portal = null;
        }

        if (nodesStarted)
        {
            nodesStarted = false;
            await TimeAsync("stop two nodes", () => RunScriptAsync("stop-two-nodes.sh", NodesDirectory, TimeSpan.FromSeconds(120)));
        }
    }

    /// <summary>The physical core per vCPU of the running domain, as the node's libvirtd has it.</summary>
    public async Task<IReadOnlyList<int>> PinsAsync(string node, Guid domainId)
    {
        var xml = await RunAsync("virsh", ["-q", "-c", Uris[node], "dumpxml", domainId.ToString()], TimeSpan.FromSeconds(30));
        return System.Xml.Linq.XElement.Parse(xml).Element("cputune")?.Elements("vcpupin")
            .OrderBy(p => (int)p.Attribute("vcpu")!)
            .Select(p => int.Parse((string)p.Attribute("cpuset")!, CultureInfo.InvariantCulture))
            .ToArray() ?? [];
    }

    /// <summary>The ids of every domain the node's libvirtd has, running or not.</summary>
    public async Task<IReadOnlyList<Guid>> DomainsAsync(string node) =>
        (await RunAsync("virsh", ["-q", "-c", Uris[node], "list", "--all", "--uuid"], TimeSpan.FromSeconds(30)))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Guid.Parse).ToArray();

    /// <summary>The domain's state as virsh names it ("running", "shut off", …), with the reason if asked ("shut off (shutdown)").</summary>
    public async Task<string> DomainStateAsync(string node, Guid domainId, bool withReason = false)
    {
        string[] reason = withReason ? ["--reason"] : [];
        return (await RunAsync("virsh", ["-q", "-c", Uris[node], "domstate", domainId.ToString(), .. reason], TimeSpan.FromSeconds(30))).Trim();
    }

    /// <summary>The addresses (with prefix, "10.78.1.200/24") the node's NAT network <c>default</c> leased to the domain's NIC, as virsh net-dhcp-leases lists them.</summary>
    public async Task<IReadOnlyList<string>> LeasesAsync(string node, Guid domainId)
    {
        var mac = await MacAddressAsync(node, domainId);
        var leases = await RunAsync("virsh", ["-q", "-c", Uris[node], "net-dhcp-leases", "default", "--mac", mac], TimeSpan.FromSeconds(30));
        // Columns: expiry date, expiry time, MAC, protocol, address/prefix, hostname, client id.
        return leases.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(columns => columns.Length >= 5 && columns[3] == "ipv4")
            .Select(columns => columns[4])
            .ToArray();
    }

    /// <summary>
    /// The first line of the domain's first disk as the guest sees it ("VCORE-COUNTER n", or "" on a blank disk), read
    /// from the node's image file with qemu-img. Safe to read while the domain is shut off; while it runs (shared read) it
    /// shows what the guest has flushed.
    /// </summary>
    public async Task<string> DiskFirstLineAsync(string node, Guid domainId) =>
        (await DiskSectorAsync(node, domainId, 0)).Split('\n')[0];

    /// <summary>The files of the domain's cloud-init seed image on the node, by name; FileNotFoundException when it has none.</summary>
    public async Task<IReadOnlyDictionary<string, string>> SeedFilesAsync(string node, Guid domainId)
    {
        var image = Path.Combine(NodesDirectory, node == "rack-1" ? "1" : "2", "images", $"vm-{domainId:N}-cidata.iso");
        if (!File.Exists(image))
        {
            throw new FileNotFoundException($"No seed image for {domainId} on {node}.", image);
        }

        var extracted = Directory.CreateTempSubdirectory("vcore-seed-").FullName;
        try
        {
            await RunAsync("xorriso", ["-osirrox", "on", "-indev", image, "-extract", "/", Path.Combine(extracted, "files")], TimeSpan.FromSeconds(30));
            return Directory.GetFiles(Path.Combine(extracted, "files")).ToDictionary(f => Path.GetFileName(f), f => File.ReadAllText(f));
        }
        finally
        {
            Directory.Delete(extracted, recursive: true);
        }
    }

    /// <summary>The MAC address of the domain's first NIC, as the node's libvirtd has it.</summary>
    public async Task<string> MacAddressAsync(string node, Guid domainId)
    {
        var xml = await RunAsync("virsh", ["-q", "-c", Uris[node], "dumpxml", domainId.ToString()], TimeSpan.FromSeconds(30));
        return (string?)System.Xml.Linq.XElement.Parse(xml).Element("devices")?.Element("interface")?.Element("mac")?.Attribute("address")
            ?? throw new InvalidOperationException($"Domain {domainId} on {node} has no NIC.");
    }

    /// <summary>The text in sector <paramref name="sector"/> (512 bytes) of the domain's first disk, NULs removed.</summary>
    public async Task<string> DiskSectorAsync(string node, Guid domainId, int sector)
    {
        var xml = await RunAsync("virsh", ["-q", "-c", Uris[node], "dumpxml", domainId.ToString()], TimeSpan.FromSeconds(30));
        var source = System.Xml.Linq.XElement.Parse(xml).Element("devices")?.Elements("disk")
            .Where(d => (string?)d.Attribute("device") == "disk")
            .Select(d => (string?)d.Element("source")?.Attribute("file"))
            .FirstOrDefault() ?? throw new InvalidOperationException($"Domain {domainId} on {node} has no disk.");
        // The node's daemons see their own images folder at /var/lib/virtualcore/images (start-two-nodes.sh).
        const string NodeImages = "/var/lib/virtualcore/images/";
        if (!source.StartsWith(NodeImages, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The disk {source} is not in {NodeImages}.");
        }

        var image = Path.Combine(NodesDirectory, node == "rack-1" ? "1" : "2", "images", source[NodeImages.Length..]);
        var copy = Path.Combine(Path.GetTempPath(), $"vcore-sector-{Guid.NewGuid():N}.raw");
        try
        {
            // qemu-img dd has no skip: copy up to the sector and read its last 512 bytes.
            await RunAsync("qemu-img", ["dd", "-U", "-f", "qcow2", "-O", "raw", "bs=512", $"count={sector + 1}", $"if={image}", $"of={copy}"], TimeSpan.FromSeconds(30));
            var bytes = await File.ReadAllBytesAsync(copy);
            var start = Math.Min(bytes.Length, sector * 512);
            return System.Text.Encoding.UTF8.GetString(bytes.AsSpan(start, Math.Min(512, bytes.Length - start))).Replace("\0", "", StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(copy);
        }
    }

    private async Task<T> TimeAsync<T>(string step, Func<Task<T>> action)
    {
        var watch = Stopwatch.StartNew();
        var result = await action();
        diagnostics.OnMessage(new DiagnosticMessage($"[portal-qemu] {step}: {watch.Elapsed.TotalSeconds:F2} s"));
        return result;
    }

    private static Task<string> RunScriptAsync(string script, string argument, TimeSpan timeout) =>
        RunAsync("bash", [Path.Combine(RepositoryRoot(), "scripts", "qemu", script), argument], timeout);

    private static async Task<string> RunAsync(string tool, string[] arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(tool, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["VC_NODES_PREFIX"] = Prefix;
        start.Environment["VC_NODES_SUBNET"] = Subnet;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {tool}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {string.Join(' ', arguments)} did not finish within {timeout.TotalSeconds:F0} s.");
        }

        return process.ExitCode == 0
            ? await output
            : throw new InvalidOperationException(
                $"{tool} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await errors}{await output} Are the packages there? Run scripts/qemu/install.sh.");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "VirtualCore.Platform.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No VirtualCore.Platform.sln above {AppContext.BaseDirectory}.");
    }
}
