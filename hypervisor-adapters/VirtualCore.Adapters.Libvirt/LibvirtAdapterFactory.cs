using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt;

/// <summary>The plugin's entry point: adapters for libvirt nodes (QEMU/KVM, or the test driver for simulated rack servers).</summary>
public sealed class LibvirtAdapterFactory : IHypervisorAdapterFactory
{
    public string Name => "libvirt";

    /// <summary>The SDK contract this adapter implements, fixed at build time.</summary>
    public Version SdkVersion { get; } = new(1, 2);

    public IHypervisorAdapter Create(NodeConnectionOptions options) => new LibvirtAdapter(options);
}
