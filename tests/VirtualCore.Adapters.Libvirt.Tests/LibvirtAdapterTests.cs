using System.Xml.Linq;
using VirtualCore.Adapters.Libvirt.Interop;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt.Tests;

public sealed class LibvirtAdapterTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly TestNode node = new();

    public void Dispose() => node.Dispose();

    [Fact]
    public async Task Capacity_is_read_from_the_node_file()
    {
        using var other = new TestNode(sockets: 4, coresPerSocket: 8, threadsPerCore: 2, memoryBytes: 96 * TestNode.GiB);
        var adapter = await other.ConnectAsync();

        var capacity = await adapter.GetNodeCapacityAsync(None);

        Assert.Equal(new NodeCapacity(4, 8, 2, 96 * TestNode.GiB, "x86_64"), capacity);
        Assert.Equal(32, capacity.PhysicalCores);
    }

    [Fact]
    public async Task Capabilities_are_known_after_connecting()
    {
        var adapter = new LibvirtAdapter(new NodeConnectionOptions("rack-1", node.Uri, new Dictionary<string, string>()));
        await using (adapter)
        {
            Assert.Equal(AdapterCapabilities.None, adapter.Capabilities);

            await adapter.ConnectAsync(None);

            Assert.Equal(LibvirtAdapter.CapabilitiesOf("test"), adapter.Capabilities);
            Assert.False(adapter.Capabilities.HasFlag(AdapterCapabilities.LiveMigration));
            Assert.False(adapter.Capabilities.HasFlag(AdapterCapabilities.DiskGrow));
            Assert.True(adapter.Capabilities.HasFlag(AdapterCapabilities.ManagedSave | AdapterCapabilities.LiveRecoveryPoints | AdapterCapabilities.DomainEvents));
            Assert.True(adapter.LibraryVersion >= new Version(4, 1, 0));
        }
    }

    [Fact]
    public async Task A_domain_goes_through_its_life_with_states_read_back_from_libvirt()
    {
        var adapter = await node.ConnectAsync();
        var spec = TestNode.Spec("web-01", vcpus: 4, memoryBytes: 2 * TestNode.GiB);

        var defined = await adapter.DefineDomainAsync(spec, None);
        Assert.Equal(new DomainInfo(spec.Id, "web-01", DomainState.ShutOff, 4, 2 * TestNode.GiB), defined);
        Assert.Equal(defined, Assert.Single(await adapter.ListDomainsAsync(None)));

        await adapter.StartDomainAsync(spec.Id, None);
        Assert.Equal(DomainState.Running, await adapter.GetDomainStateAsync(spec.Id, None));

        // The test driver's guest obeys an ACPI request at once.
        await adapter.ShutdownDomainAsync(spec.Id, None);
        Assert.Equal(DomainState.ShutOff, await adapter.GetDomainStateAsync(spec.Id, None));

        await adapter.StartDomainAsync(spec.Id, None);
        await adapter.PowerOffDomainAsync(spec.Id, None);
        Assert.Equal(DomainState.ShutOff, await adapter.GetDomainStateAsync(spec.Id, None));

        await adapter.UndefineDomainAsync(spec.Id, None);
        Assert.Empty(await adapter.ListDomainsAsync(None));
    }

    [Fact]
    public async Task Every_operation_is_idempotent()
    {
        var adapter = await node.ConnectAsync();
        var spec = TestNode.Spec("web-01");

        var first = await adapter.DefineDomainAsync(spec, None);
        var second = await adapter.DefineDomainAsync(spec, None);
        Assert.Equal(first, second);
        Assert.Single(await adapter.ListDomainsAsync(None));

        await adapter.ShutdownDomainAsync(spec.Id, None);
        await adapter.PowerOffDomainAsync(spec.Id, None);
        Assert.Equal(DomainState.ShutOff, await adapter.GetDomainStateAsync(spec.Id, None));

        await adapter.StartDomainAsync(spec.Id, None);
        await adapter.StartDomainAsync(spec.Id, None);
        Assert.Equal(DomainState.Running, await adapter.GetDomainStateAsync(spec.Id, None));

        await adapter.PowerOffDomainAsync(spec.Id, None);
        await adapter.PowerOffDomainAsync(spec.Id, None);
        Assert.Equal(DomainState.ShutOff, await adapter.GetDomainStateAsync(spec.Id, None));

        await adapter.UndefineDomainAsync(spec.Id, None);
        await adapter.UndefineDomainAsync(spec.Id, None);
        await adapter.UndefineDomainAsync(Guid.NewGuid(), None);
        Assert.Empty(await adapter.ListDomainsAsync(None));
    }

    [Fact]
    public async Task An_unknown_domain_is_reported_with_libvirts_code()
    {
        var adapter = await node.ConnectAsync();
        var unknown = Guid.NewGuid();

        foreach (var call in new Func<Task>[]
        {
            () => adapter.GetDomainStateAsync(unknown, None),
            () => adapter.StartDomainAsync(unknown, None),
            () => adapter.ShutdownDomainAsync(unknown, None),
            () => adapter.PowerOffDomainAsync(unknown, None),
        })
        {
            var error = await Assert.ThrowsAsync<HypervisorAdapterException>(call);
            Assert.Equal(AdapterErrorCode.DomainNotFound, error.Code);
            Assert.Equal("VIR_ERR_NO_DOMAIN (42)", error.NativeCode);
            Assert.Contains(unknown.ToString(), error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_same_id_under_another_name_is_a_conflict()
    {
        var adapter = await node.ConnectAsync();
        var existing = await adapter.DefineDomainAsync(TestNode.Spec("web-01"), None);

        var sameIdOtherName = await Assert.ThrowsAsync<HypervisorAdapterException>(
            () => adapter.DefineDomainAsync(TestNode.Spec("web-02", id: existing.Id), None));

        Assert.Equal(AdapterErrorCode.DomainConflict, sameIdOtherName.Code);
        Assert.Equal(existing, Assert.Single(await adapter.ListDomainsAsync(None)));
    }

    [Fact]
    public async Task Undefining_a_running_domain_is_refused_and_leaves_it_running()
    {
        var adapter = await node.ConnectAsync();
        var spec = TestNode.Spec("web-01");
        await adapter.DefineDomainAsync(spec, None);
        await adapter.StartDomainAsync(spec.Id, None);

        var error = await Assert.ThrowsAsync<HypervisorAdapterException>(() => adapter.UndefineDomainAsync(spec.Id, None));

        Assert.Equal(AdapterErrorCode.InvalidState, error.Code);
        Assert.Equal(DomainState.Running, await adapter.GetDomainStateAsync(spec.Id, None));
    }

    [Fact]
    public async Task An_invalid_spec_is_refused_before_libvirt_sees_it()
    {
        var adapter = await node.ConnectAsync();

        var error = await Assert.ThrowsAsync<HypervisorAdapterException>(
            () => adapter.DefineDomainAsync(TestNode.Spec("a'/><evil/>"), None));

        Assert.Equal(AdapterErrorCode.InvalidSpec, error.Code);
        Assert.Empty(await adapter.ListDomainsAsync(None));
    }

    [Fact]
    public async Task Pinning_to_a_core_the_node_lacks_is_refused()
    {
        var adapter = await node.ConnectAsync();

        var error = await Assert.ThrowsAsync<HypervisorAdapterException>(
            () => adapter.DefineDomainAsync(TestNode.Spec("web-01", vcpus: 2, pinnedCores: [11, 12]), None));

        Assert.Equal(AdapterErrorCode.InvalidSpec, error.Code);
        Assert.Empty(await adapter.ListDomainsAsync(None));
    }

    [Fact]
    public async Task Pinning_reaches_libvirt()
    {
        // test:///default is shared by all connections of a process, so a second connection sees what the adapter defined.
        var adapter = new LibvirtAdapter(new NodeConnectionOptions("rack-0", "test:///default", new Dictionary<string, string>()));
        await using (adapter)
        {
            await adapter.ConnectAsync(None);
            var spec = TestNode.Spec("pinned-" + Guid.NewGuid().ToString("N")[..8], vcpus: 3, pinnedCores: [5, 1, 7]);
            await adapter.DefineDomainAsync(spec, None);
            try
            {
                using var reader = LibvirtConnection.Open("test:///default");
                using var domain = reader.GetDomain(spec.Id);
                var xml = XElement.Parse(LibvirtDomain.GetXml(domain, LibvirtNative.DomainXmlInactive));

                Assert.Equal(
                    ["0:5", "1:1", "2:7"],
                    xml.Element("cputune")!.Elements("vcpupin").Select(p => $"{(string?)p.Attribute("vcpu")}:{(string?)p.Attribute("cpuset")}"));
            }
            finally
            {
                await adapter.UndefineDomainAsync(spec.Id, None);
            }
        }
    }

    [Fact]
    public async Task Unparking_onto_other_cores_pins_the_restored_domain_and_its_definition()
    {
        var adapter = new LibvirtAdapter(new NodeConnectionOptions("rack-0", "test:///default", new Dictionary<string, string>()));
        await using (adapter)
        {
            await adapter.ConnectAsync(None);
            var spec = TestNode.Spec("parked-" + Guid.NewGuid().ToString("N")[..8], vcpus: 2, pinnedCores: [0, 1]);
            await adapter.DefineDomainAsync(spec, None);
            try
            {
                await adapter.StartDomainAsync(spec.Id, None);
                await adapter.ParkDomainAsync(spec.Id, None);

                // Refused before the restore: the domain stays parked with its old pins.
                var error = await Assert.ThrowsAsync<HypervisorAdapterException>(() => adapter.UnparkDomainAsync(spec.Id, [5, 5], None));
                Assert.Equal(AdapterErrorCode.InvalidSpec, error.Code);
                Assert.Equal(DomainState.Parked, await adapter.GetDomainStateAsync(spec.Id, None));

                await adapter.UnparkDomainAsync(spec.Id, [5, 3], None);

                Assert.Equal(DomainState.Running, await adapter.GetDomainStateAsync(spec.Id, None));
                using var reader = LibvirtConnection.Open("test:///default");
                using var domain = reader.GetDomain(spec.Id);
                Assert.Equal(["0:5", "1:3"], PinsOf(LibvirtDomain.GetXml(domain, 0)));
                Assert.Equal(["0:5", "1:3"], PinsOf(LibvirtDomain.GetXml(domain, LibvirtNative.DomainXmlInactive)));
            }
            finally
            {
                await adapter.DeleteDomainAsync(spec.Id, deleteStorage: false, None);
            }
        }

        static IEnumerable<string> PinsOf(string xml) =>
            XElement.Parse(xml).Element("cputune")!.Elements("vcpupin").Select(p => $"{(string?)p.Attribute("vcpu")}:{(string?)p.Attribute("cpuset")}");
    }

    [Fact]
    public async Task Domains_survive_a_restart_when_the_state_is_persisted()
    {
        var first = await node.ConnectAsync(persist: true);
        var running = TestNode.Spec("web-01", vcpus: 4, memoryBytes: 4 * TestNode.GiB, pinnedCores: [0, 1, 2, 3]);
        var parked = TestNode.Spec("db-01", vcpus: 2, memoryBytes: 8 * TestNode.GiB);
        await first.DefineDomainAsync(running, None);
        await first.StartDomainAsync(running.Id, None);
        await first.DefineDomainAsync(parked, None);
        await first.DisposeAsync();

        var second = await node.ConnectAsync(persist: true);
        var domains = (await second.ListDomainsAsync(None)).OrderBy(d => d.Name).ToList();

        Assert.Equal(
            [
                new DomainInfo(parked.Id, "db-01", DomainState.ShutOff, 2, 8 * TestNode.GiB),
                new DomainInfo(running.Id, "web-01", DomainState.Running, 4, 4 * TestNode.GiB),
            ],
            domains);
        Assert.Equal(new NodeCapacity(2, 6, 1, 48 * TestNode.GiB, "x86_64"), await second.GetNodeCapacityAsync(None));
    }

    [Fact]
    public async Task Later_changes_are_persisted_too()
    {
        var first = await node.ConnectAsync(persist: true);
        var kept = TestNode.Spec("web-01");
        var removed = TestNode.Spec("web-02");
        await first.DefineDomainAsync(kept, None);
        await first.DefineDomainAsync(removed, None);
        await first.StartDomainAsync(kept.Id, None);
        await first.ShutdownDomainAsync(kept.Id, None);
        await first.UndefineDomainAsync(removed.Id, None);
        await first.DisposeAsync();

        var second = await node.ConnectAsync(persist: true);

        var domain = Assert.Single(await second.ListDomainsAsync(None));
        Assert.Equal((kept.Id, DomainState.ShutOff), (domain.Id, domain.State));
    }

    [Fact]
    public async Task Without_the_setting_nothing_is_written_back()
    {
        var before = await File.ReadAllTextAsync(node.FilePath);
        var adapter = await node.ConnectAsync();

        await adapter.DefineDomainAsync(TestNode.Spec("web-01"), None);

        Assert.Equal(before, await File.ReadAllTextAsync(node.FilePath));
    }

    [Fact]
    public async Task Persisting_needs_a_node_file()
    {
        var adapter = new LibvirtAdapter(new NodeConnectionOptions(
            "rack-0", "test:///default", new Dictionary<string, string> { [LibvirtAdapter.PersistTestDriverStateSetting] = "true" }));
        await using (adapter)
        {
            var error = await Assert.ThrowsAsync<HypervisorAdapterException>(() => adapter.ConnectAsync(None));

            Assert.Equal(AdapterErrorCode.NotSupported, error.Code);
        }
    }

    [Fact]
    public async Task A_disposed_adapter_refuses_calls_instead_of_using_a_closed_connection()
    {
        var adapter = await node.ConnectAsync();
        var spec = TestNode.Spec("web-01");
        await adapter.DefineDomainAsync(spec, None);

        await adapter.DisposeAsync();
        await adapter.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => adapter.ListDomainsAsync(None));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => adapter.StartDomainAsync(spec.Id, None));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => adapter.ConnectAsync(None));
    }

    [Fact]
    public async Task Calls_before_connecting_are_a_usage_error()
    {
        var adapter = new LibvirtAdapter(new NodeConnectionOptions("rack-1", node.Uri, new Dictionary<string, string>()));
        await using (adapter)
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => adapter.ListDomainsAsync(None));
        }
    }

    [Theory]
    [InlineData("test:///nonexistent-dir/node.xml")]
    [InlineData("test:///")]
    [InlineData("nosuchdriver:///system")]
    public async Task A_wrong_uri_is_a_connection_failure(string uri)
    {
        var adapter = new LibvirtAdapter(new NodeConnectionOptions("rack-9", uri, new Dictionary<string, string>()));
        await using (adapter)
        {
            var error = await Assert.ThrowsAsync<HypervisorAdapterException>(() => adapter.ConnectAsync(None));

            Assert.Equal(AdapterErrorCode.ConnectionFailed, error.Code);
            Assert.NotNull(error.NativeCode);
            Assert.Contains(uri, error.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(LibvirtAdapter.DomainTypeSetting, "xen")]
    [InlineData(LibvirtAdapter.PersistTestDriverStateSetting, "yes")]
    public void Bad_settings_are_refused_when_the_adapter_is_made(string key, string value)
    {
        var options = new NodeConnectionOptions("rack-1", node.Uri, new Dictionary<string, string> { [key] = value });

        Assert.Throws<ArgumentException>(() => new LibvirtAdapter(options));
    }

    [Fact]
    public void The_factory_names_itself_and_the_sdk_it_was_built_for()
    {
        var factory = new LibvirtAdapterFactory();

        Assert.Equal("libvirt", factory.Name);
        Assert.Equal(new Version(1, 2), factory.SdkVersion);
        Assert.Equal(SdkInfo.Version.Major, factory.SdkVersion.Major);
        Assert.IsType<LibvirtAdapter>(factory.Create(new NodeConnectionOptions("rack-1", node.Uri, new Dictionary<string, string>())));
    }
}
