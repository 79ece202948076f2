namespace VirtualCore.Plugins.Sdk;

/// <summary>
/// The entry point of an adapter plugin. The host finds public, non-abstract implementations with a
/// parameterless constructor in the plugin's assembly and picks one by <see cref="Name"/>.
/// </summary>
public interface IHypervisorAdapterFactory
{
    /// <summary>Short, stable name used in configuration, e.g. "libvirt".</summary>
    string Name { get; }

    /// <summary>The SDK version the adapter was built against; the host refuses a major version it does not know.</summary>
    Version SdkVersion { get; }

    IHypervisorAdapter Create(NodeConnectionOptions options);
}

/// <summary>How to reach one node's hypervisor.</summary>
/// <param name="NodeName">The rack server's name in the portal, e.g. "rack-1".</param>
/// <param name="Uri">Adapter-specific address, e.g. "qemu:///system" or "test:///var/lib/vcore/rack-1.xml".</param>
/// <param name="Settings">Further adapter-specific settings.</param>
public sealed record NodeConnectionOptions(string NodeName, string Uri, IReadOnlyDictionary<string, string> Settings);

public static class SdkInfo
{
    /// <summary>The version of this SDK. Adapters report the version they were built against.</summary>
    public static Version Version { get; } = new(1, 6);
}
