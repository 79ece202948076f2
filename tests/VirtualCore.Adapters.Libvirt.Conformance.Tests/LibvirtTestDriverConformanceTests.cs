using VirtualCore.Plugins.Sdk;
using VirtualCore.Plugins.Sdk.Testing;

namespace VirtualCore.Adapters.Libvirt.Conformance.Tests;

/// <summary>The libvirt adapter on the test driver: a simulated rack server in a temporary directory per test.</summary>
public sealed class LibvirtTestDriverConformanceTests : AdapterConformanceTests, IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("vcore-conformance-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    protected override IHypervisorAdapter CreateAdapter()
    {
        var file = Path.Combine(directory, "node.xml");
        TestDriverNodeFile.Write(file, "rack-conformance", 2, 4, 1, 16L << 30);
        return new LibvirtAdapter(new NodeConnectionOptions(
            "rack-conformance", "test://" + file, new Dictionary<string, string> { [LibvirtAdapter.PersistTestDriverStateSetting] = "true" }));
    }
}
