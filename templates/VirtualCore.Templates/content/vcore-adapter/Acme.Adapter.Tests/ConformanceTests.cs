using VirtualCore.Plugins.Sdk;
using VirtualCore.Plugins.Sdk.Testing;

namespace Acme.Adapter.Tests;

/// <summary>
/// The SDK's conformance suite against this adapter. Point <see cref="NodeUri"/> at a real node of your hypervisor
/// (a test machine, or one in CI) once the adapter talks to it; override <c>CreateDomainSpec</c> where the node needs
/// real disk images or another network, and <c>Patience</c> for slow nodes. Tests of capabilities the adapter does not
/// declare are reported as skipped, with the reason; their twins check the NotSupported answer.
/// </summary>
public sealed class ConformanceTests : AdapterConformanceTests
{
    private static string NodeUri => Environment.GetEnvironmentVariable("ADAPTER_TEST_URI") is { Length: > 0 } uri ? uri : "stand-in://node-1";

    protected override IHypervisorAdapter CreateAdapter() =>
        new AdapterFactory().Create(new NodeConnectionOptions("node-1", NodeUri, new Dictionary<string, string>()));
}
