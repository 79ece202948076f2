using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt.QemuTests;

/// <summary>
/// Two rack servers on this machine for live migration: scripts/qemu/start-two-nodes.sh runs a libvirtd in each of
/// two network and mount namespaces joined by a veth pair (10.77.0.1 and 10.77.0.2). Disposing stops both and
/// removes the namespaces, destroying whatever domain a failed test left running.
/// </summary>
public sealed class QemuTwoNodeFixture : IAsyncLifetime
{
    private readonly IMessageSink diagnostics;
    private readonly List<LibvirtAdapter> adapters = [];
    private readonly List<QemuNode> nodes = [];
    private bool nodesStarted;

    public QemuTwoNodeFixture(IMessageSink diagnostics) => this.diagnostics = diagnostics;

    internal IQemuNode First => Node(0);

    internal IQemuNode Second => Node(1);

    /// <summary>Where each node's libvirtd sees <c>/var/lib/libvirt/images</c>: a directory of its own, local storage.</summary>
    internal const string ImagesDirectory = "/var/lib/libvirt/images";

    private static string StateDirectory => Path.Combine(QemuScripts.TestDirectory, "two-nodes");


    public async Task InitializeAsync()
    {
        QemuScripts.RequireHost();
        Directory.CreateDirectory(QemuScripts.SerialLogDirectory);
        await QemuScripts.TimeAsync(diagnostics, "build guest", () => QemuScripts.RunAsync("build-guest.sh", QemuScripts.GuestDirectory, TimeSpan.FromMinutes(3)));

        nodesStarted = true;
        try
        {
            await StartAsync();
        }
        catch
        {
            // Whether xunit disposes a fixture whose start failed is its business; the namespaces must not outlive the run.
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var adapter in adapters)
        {
            await adapter.DisposeAsync();
        }

        adapters.Clear();
        nodes.Clear();
        if (nodesStarted)
        {
            nodesStarted = false;
            await QemuScripts.TimeAsync(diagnostics, "stop two nodes", () => QemuScripts.RunAsync("stop-two-nodes.sh", StateDirectory, TimeSpan.FromSeconds(90)));
        }
    }

    /// <summary>
    /// An empty qcow2 image named <paramref name="fileName"/> in both nodes' own <see cref="ImagesDirectory"/> (copying
    /// storage needs the image to exist on the target); returns the path the domain names.
    /// </summary>
    internal static async Task<string> CreateLocalDiskAsync(string fileName, long bytes)
    {
        foreach (var path in NodeDiskPaths(fileName))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using var process = System.Diagnostics.Process.Start(
                new System.Diagnostics.ProcessStartInfo("qemu-img", ["create", "-q", "-f", "qcow2", path, bytes.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                ?? throw new InvalidOperationException("Could not start qemu-img.");
            await process.WaitForExitAsync();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"qemu-img could not create {path} ({process.ExitCode}).");
            }
        }

        return Path.Combine(ImagesDirectory, fileName);
    }

    /// <summary>A failed migration can leave the domain on either node, or on both. The disks are the test's to remove.</summary>
    internal async Task RemoveEverywhereAsync(TinyGuest guest)
    {
        foreach (var node in new[] { First, Second })
        {
            await node.Adapter.DeleteDomainAsync(guest.Id, deleteStorage: false, CancellationToken.None);
        }

        File.Delete(guest.Spec.SerialLogPath!);
    }

    /// <summary>The image <paramref name="fileName"/> of both nodes, as this process sees them.</summary>
    internal static IEnumerable<string> NodeDiskPaths(string fileName) =>
        new[] { 1, 2 }.Select(n => Path.Combine(StateDirectory, n.ToString(System.Globalization.CultureInfo.InvariantCulture), "lib", "images", fileName));

    private async Task StartAsync()
    {
        var uris = (await QemuScripts.TimeAsync(diagnostics, "start two nodes", () => QemuScripts.RunAsync("start-two-nodes.sh", StateDirectory, TimeSpan.FromSeconds(90))))
            .Trim().Split('\n');
        if (uris.Length != 2)
        {
            throw new InvalidOperationException($"start-two-nodes.sh printed {uris.Length} lines, not the two URIs: {string.Join(" | ", uris)}");
        }

        var factory = new LibvirtAdapterFactory();
        for (var i = 0; i < 2; i++)
        {
            var name = $"rack-n{i + 1}";
            var adapter = (LibvirtAdapter)factory.Create(new NodeConnectionOptions(
                name, uris[i], new Dictionary<string, string> { [LibvirtAdapter.DomainTypeSetting] = QemuScripts.DomainType }));
            adapters.Add(adapter);
            await QemuScripts.TimeAsync(diagnostics, $"connect {name}", () => adapter.ConnectAsync(CancellationToken.None));
            await QemuScripts.RemoveLeftoverDomainsAsync(adapter, diagnostics);
            nodes.Add(new QemuNode(name, uris[i], adapter));
        }
    }

    private QemuNode Node(int index) =>
        index < nodes.Count ? nodes[index] : throw new InvalidOperationException("The two-node fixture did not start.");

    private sealed record QemuNode(string Name, string Uri, IHypervisorAdapter Adapter) : IQemuNode;
}

[CollectionDefinition(Name)]
public sealed class QemuTwoNodeCollection : ICollectionFixture<QemuTwoNodeFixture>
{
    public const string Name = "QEMU two nodes";
}
