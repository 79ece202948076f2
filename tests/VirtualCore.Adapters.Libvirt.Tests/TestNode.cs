using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt.Tests;

/// <summary>A simulated rack server for one test: a host description in its own temporary directory.</summary>
internal sealed class TestNode : IDisposable
{
    internal const long GiB = 1024L * 1024 * 1024;

    private readonly List<LibvirtAdapter> adapters = [];

    internal TestNode(int sockets = 2, int coresPerSocket = 6, int threadsPerCore = 1, long memoryBytes = 48 * GiB)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("vcore-node-").FullName;
        FilePath = Path.Combine(Directory, "node.xml");
        TestDriverNodeFile.Write(FilePath, "rack-1", sockets, coresPerSocket, threadsPerCore, memoryBytes);
    }

    internal string Directory { get; }

    internal string FilePath { get; }

    internal string Uri => "test://" + FilePath;

    /// <summary>A connected adapter on this node's file.</summary>
    internal async Task<LibvirtAdapter> ConnectAsync(bool persist = false)
    {
        var settings = new Dictionary<string, string>();
        if (persist)
        {
            settings[LibvirtAdapter.PersistTestDriverStateSetting] = "true";
        }

        var adapter = new LibvirtAdapter(new NodeConnectionOptions("rack-1", Uri, settings));
        adapters.Add(adapter);
        await adapter.ConnectAsync(CancellationToken.None);
        return adapter;
    }

    internal static DomainSpec Spec(string name, int vcpus = 2, long memoryBytes = GiB, IReadOnlyList<int>? pinnedCores = null, Guid? id = null) =>
        new(
            id ?? Guid.NewGuid(),
            name,
            vcpus,
            memoryBytes,
            pinnedCores ?? [],
            [new DiskSpec("/var/lib/vcore/images/" + name + ".qcow2", 20 * GiB)],
            null,
            [new NicSpec("default", "52:54:00:00:00:01")]);

    public void Dispose()
    {
        foreach (var adapter in adapters)
        {
            adapter.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
