using VirtualCore.Plugins.Sdk;
using VirtualCore.Plugins.Sdk.Testing;

namespace VirtualCore.Adapters.Libvirt.Conformance.Tests;

/// <summary>
/// The migration suite on two simulated rack servers of libvirt's test driver, which cannot migrate: the adapter does
/// not declare LiveMigration there, so every test is reported as skipped with that reason.
/// </summary>
public sealed class LibvirtTestDriverMigrationConformanceTests : AdapterMigrationConformanceTests, IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("vcore-conformance-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    protected override MigrationTarget MigrationTarget => new("rack-target", "test://" + NodeFile("target"));

    protected override MigrationTarget Source => new("rack-source", "test://" + NodeFile("source"));

    protected override IHypervisorAdapter CreateAdapter() => Create(Source);

    protected override IHypervisorAdapter CreateTargetAdapter() => Create(MigrationTarget);

    private string NodeFile(string name) => Path.Combine(directory, name + ".xml");

    private static LibvirtAdapter Create(MigrationTarget node)
    {
        TestDriverNodeFile.Write(node.Uri["test://".Length..], node.NodeName, 2, 4, 1, 16L << 30);
        return new LibvirtAdapter(new NodeConnectionOptions(
            node.NodeName, node.Uri, new Dictionary<string, string> { [LibvirtAdapter.PersistTestDriverStateSetting] = "true" }));
    }
}
