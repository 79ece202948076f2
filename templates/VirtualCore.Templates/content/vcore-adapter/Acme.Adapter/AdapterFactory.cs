using VirtualCore.Plugins.Sdk;

namespace Acme.Adapter;

/// <summary>
/// What the node agent finds in plugins/AcmeProjectName/AcmeProjectName.dll: a public factory with a parameterless
/// constructor. Operators choose the adapter by <see cref="Name"/> (--NodeAgent:Adapter my-hypervisor).
/// </summary>
public sealed class AdapterFactory : IHypervisorAdapterFactory
{
    public string Name => "my-hypervisor";

    /// <summary>The SDK this adapter was built against; the node agent loads it when its own SDK has the same major version.</summary>
    public Version SdkVersion { get; } = new(1, 6);

    public IHypervisorAdapter Create(NodeConnectionOptions options) => new Adapter(options);
}
