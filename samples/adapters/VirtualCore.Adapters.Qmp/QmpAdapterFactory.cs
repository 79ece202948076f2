using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Qmp;

/// <summary>The node agent's way in: <c>--NodeAgent:Adapter qmp --NodeAgent:Uri qmp:///var/lib/vcore-qmp</c>.</summary>
public sealed class QmpAdapterFactory : IHypervisorAdapterFactory
{
    public string Name => "qmp";

    public Version SdkVersion { get; } = new(1, 6);

    public IHypervisorAdapter Create(NodeConnectionOptions options) => new QmpAdapter(options);
}
