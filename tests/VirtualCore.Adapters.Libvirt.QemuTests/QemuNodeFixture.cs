using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt.QemuTests;

/// <summary>
/// A real rack server on this machine: libvirtd with the QEMU driver, started by scripts/qemu, and a tiny
/// busybox guest built once from Debian's cloud kernel. Refuses to run (failing every test, never skipping)
/// where libvirtd and QEMU cannot work.
/// </summary>
/// <remarks>
/// Environment: <c>VCORE_QEMU_TEST_DIR</c> (default /var/tmp/vcore-qemu-tests) holds the daemons' state and
/// the cached guest; <c>VCORE_QEMU_DOMAIN_TYPE</c> is "qemu" (emulation, the default) or "kvm".
/// </remarks>
public sealed class QemuNodeFixture : IAsyncLifetime, IQemuNode
{
    /// <summary>Every domain these tests create has this prefix, so a later run can remove what a crashed one left.</summary>
    internal const string DomainPrefix = "vcore-qt-";

    private readonly IMessageSink diagnostics;
    private LibvirtAdapter? adapter;
    private bool daemonsStarted;

    public QemuNodeFixture(IMessageSink diagnostics) => this.diagnostics = diagnostics;

    public string Name => "rack-qemu";

    public string Uri { get; private set; } = string.Empty;

    public IHypervisorAdapter Adapter => adapter ?? throw new InvalidOperationException("The fixture did not start.");

    private static string StateDirectory => Path.Combine(QemuScripts.TestDirectory, "libvirtd");

    public async Task InitializeAsync()
    {
        QemuScripts.RequireHost();
        Directory.CreateDirectory(QemuScripts.SerialLogDirectory);

        await QemuScripts.TimeAsync(diagnostics, "build guest", () => QemuScripts.RunAsync("build-guest.sh", QemuScripts.GuestDirectory, TimeSpan.FromMinutes(3)));
        daemonsStarted = true;
        Uri = (await QemuScripts.TimeAsync(diagnostics, "start libvirtd", () => QemuScripts.RunAsync("start-libvirtd.sh", StateDirectory, TimeSpan.FromSeconds(90))))
            .Trim().Split('\n')[^1];

        var factory = new LibvirtAdapterFactory();
        adapter = (LibvirtAdapter)factory.Create(new NodeConnectionOptions(
            Name, Uri, new Dictionary<string, string> { [LibvirtAdapter.DomainTypeSetting] = QemuScripts.DomainType }));
        await QemuScripts.TimeAsync(diagnostics, "connect", () => adapter.ConnectAsync(CancellationToken.None));
        await QemuScripts.TimeAsync(diagnostics, "remove leftovers", () => QemuScripts.RemoveLeftoverDomainsAsync(adapter, diagnostics));
    }

    public async Task DisposeAsync()
    {
        if (adapter is not null)
        {
            await adapter.DisposeAsync();
        }

        // Destroys whatever still runs: a failed cleanup must not leave QEMU processes behind.
        if (daemonsStarted)
        {
            await QemuScripts.TimeAsync(diagnostics, "stop libvirtd", () => QemuScripts.RunAsync("stop-libvirtd.sh", StateDirectory, TimeSpan.FromSeconds(60)));
        }
    }
}

[CollectionDefinition(Name)]
public sealed class QemuNodeCollection : ICollectionFixture<QemuNodeFixture>
{
    public const string Name = "QEMU node";
}
