using VirtualCore.Adapters.Libvirt;
using VirtualCore.Framework.Modules;
using VirtualCore.Modules.Compute;
using VirtualCore.NodeAgent;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Architecture.Tests.Fixtures;

/// <summary>
/// Reaches past every boundary at once. The compiler keeps a reference to an assembly only when a type
/// of it is used, so each member below exists to make one reference real.
/// </summary>
public static class RogueReferences
{
    /// <summary>Another module's implementation (and, through <see cref="IModule"/>, the framework).</summary>
    public static IModule ComputeImplementation() => new ComputeModule();

    /// <summary>A host.</summary>
    public static NodeAgentOptions NodeAgentHost() => new();

    /// <summary>An adapter, seen through the SDK interface it implements.</summary>
    public static IHypervisorAdapterFactory LibvirtAdapter() => new LibvirtAdapterFactory();
}

/// <summary>What an adapter may do: use the SDK and the BCL only.</summary>
public sealed class SdkOnlyAdapterFactory : IHypervisorAdapterFactory
{
    public string Name => "fixture";

    public Version SdkVersion => SdkInfo.Version;

    public IHypervisorAdapter Create(NodeConnectionOptions options) => throw new NotSupportedException(options.NodeName);
}
