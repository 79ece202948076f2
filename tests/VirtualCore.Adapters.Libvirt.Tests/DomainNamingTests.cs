using System.Xml.Linq;
using VirtualCore.Adapters.Libvirt.Interop;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt.Tests;

/// <summary>Domains are named by their VM id on the node; the customer's name is only their title.</summary>
public sealed class DomainNamingTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly TestNode node = new();

    public void Dispose() => node.Dispose();

    [Fact]
    public async Task Two_domains_of_the_same_name_live_side_by_side_each_named_by_its_id()
    {
        var adapter = await node.ConnectAsync(persist: true);
        var first = TestNode.Spec("shop-web");
        var second = TestNode.Spec("shop-web");

        await adapter.DefineDomainAsync(first, None);
        await adapter.DefineDomainAsync(second, None);
        await adapter.StartDomainAsync(second.Id, None);

        Assert.Equal(
            [(second.Id, "shop-web", DomainState.Running), (first.Id, "shop-web", DomainState.ShutOff)],
            (await adapter.ListDomainsAsync(None)).Select(d => (d.Id, d.Name, d.State)).OrderBy(d => d.State));
        Assert.Equal(
            new[] { first.Id, second.Id }.Select(id => (LibvirtAdapter.DomainNameOf(id), (string?)"shop-web")).Order(),
            SavedDomains().Select(d => (d.Name, d.Title)).Order());
    }

    [Fact]
    public async Task The_id_name_held_by_a_domain_from_outside_is_a_conflict_that_does_not_say_whose_it_is()
    {
        var adapter = new LibvirtAdapter(new NodeConnectionOptions("rack-0", "test:///default", new Dictionary<string, string>()));
        await using (adapter)
        {
            await adapter.ConnectAsync(None);
            var spec = TestNode.Spec("shop-web");
            var squatter = Guid.NewGuid();
            using var outside = LibvirtConnection.Open("test:///default");
            using (outside.DefineDomain(OldStyleXml(squatter, LibvirtAdapter.DomainNameOf(spec.Id)), "squatter"))
            {
            }

            try
            {
                var error = await Assert.ThrowsAsync<HypervisorAdapterException>(() => adapter.DefineDomainAsync(spec, None));

                Assert.Equal(AdapterErrorCode.DomainConflict, error.Code);
                Assert.DoesNotContain(squatter.ToString(), error.Message, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain(squatter.ToString("N"), error.Message, StringComparison.OrdinalIgnoreCase);
            }
            finally
            {
                await adapter.DeleteDomainAsync(squatter, deleteStorage: false, None);
            }
        }
    }

    [Fact]
    public async Task A_node_file_from_before_id_names_has_its_domains_renamed_when_loaded_and_they_keep_working()
    {
        var first = await node.ConnectAsync(persist: true);
        var running = TestNode.Spec("shop-web");
        var stopped = TestNode.Spec("shop-db");
        await first.DefineDomainAsync(running, None);
        await first.StartDomainAsync(running.Id, None);
        await first.CreateRecoveryPointAsync(running.Id, "before-upgrade", null, None);
        await first.DefineDomainAsync(stopped, None);
        await first.DisposeAsync();

        // As the adapter wrote it before: each domain, and each snapshot's copy of it, named by its customer's name, no title.
        var file = XDocument.Load(node.FilePath);
        foreach (var domain in file.Root!.Elements("domain"))
        {
            var name = (string)domain.Element("title")!;
            foreach (var definition in domain.Descendants("domain").Prepend(domain))
            {
                definition.Element("title")?.Remove();
                definition.Element("name")!.Value = name;
            }
        }

        file.Save(node.FilePath);
        Assert.Equal(["shop-db", "shop-web"], XDocument.Load(node.FilePath).Descendants("name").Select(n => n.Value).Where(n => n.StartsWith("shop-", StringComparison.Ordinal)).Distinct().Order());

        var second = await node.ConnectAsync(persist: true);

        Assert.Equal(
            [(running.Id, "shop-web", DomainState.Running), (stopped.Id, "shop-db", DomainState.ShutOff)],
            (await second.ListDomainsAsync(None)).Select(d => (d.Id, d.Name, d.State)).OrderBy(d => d.State));
        Assert.Equal(
            new (string, string?)[] { (LibvirtAdapter.DomainNameOf(running.Id), "shop-web"), (LibvirtAdapter.DomainNameOf(stopped.Id), "shop-db") }.Order(),
            SavedDomains().Select(d => (d.Name, d.Title)).Order());
        Assert.DoesNotContain(TestDriverNodeFile.Current(node.FilePath).Descendants("name"), n => n.Value.StartsWith("shop-", StringComparison.Ordinal));

        await second.PowerOffDomainAsync(running.Id, None);
        await second.RevertToRecoveryPointAsync(running.Id, "before-upgrade", None);
        await second.StartDomainAsync(stopped.Id, None);
        Assert.Equal(DomainState.Running, await second.GetDomainStateAsync(running.Id, None));
        Assert.Equal(DomainState.Running, await second.GetDomainStateAsync(stopped.Id, None));
        Assert.Equal(
            new (string, string?)[] { (LibvirtAdapter.DomainNameOf(running.Id), "shop-web"), (LibvirtAdapter.DomainNameOf(stopped.Id), "shop-db") }.Order(),
            SavedDomains().Select(d => (d.Name, d.Title)).Order());
    }

    [Fact]
    public async Task On_a_live_connection_an_old_style_domain_is_renamed_when_it_next_starts_and_a_running_one_keeps_working_meanwhile()
    {
        var adapter = new LibvirtAdapter(new NodeConnectionOptions("rack-0", "test:///default", new Dictionary<string, string>()));
        await using (adapter)
        {
            await adapter.ConnectAsync(None);
            var id = Guid.NewGuid();
            var oldName = "legacy-" + id.ToString("N")[..8];
            using var outside = LibvirtConnection.Open("test:///default");
            using (var defined = outside.DefineDomain(OldStyleXml(id, oldName), oldName))
            {
                LibvirtDomain.Start(defined, id);
            }

            try
            {
                // Running: found and operated by its id under the old name, which libvirt will not change while it runs.
                Assert.Equal(oldName, (await adapter.ListDomainsAsync(None)).Single(d => d.Id == id).Name);
                await adapter.PowerOffDomainAsync(id, None);
                Assert.Equal((oldName, null), NameAndTitle(outside, id));

                await adapter.StartDomainAsync(id, None);

                Assert.Equal(DomainState.Running, await adapter.GetDomainStateAsync(id, None));
                Assert.Equal((LibvirtAdapter.DomainNameOf(id), oldName), NameAndTitle(outside, id));
                Assert.Equal(oldName, (await adapter.ListDomainsAsync(None)).Single(d => d.Id == id).Name);
            }
            finally
            {
                await adapter.DeleteDomainAsync(id, deleteStorage: false, None);
            }
        }
    }

    [Fact]
    public async Task Defining_an_old_style_domain_again_renames_it_when_it_is_shut_off()
    {
        var adapter = new LibvirtAdapter(new NodeConnectionOptions("rack-0", "test:///default", new Dictionary<string, string>()));
        await using (adapter)
        {
            await adapter.ConnectAsync(None);
            var spec = TestNode.Spec("legacy-" + Guid.NewGuid().ToString("N")[..8]);
            using var outside = LibvirtConnection.Open("test:///default");
            using (outside.DefineDomain(OldStyleXml(spec.Id, spec.Name), spec.Name))
            {
            }

            try
            {
                var info = await adapter.DefineDomainAsync(spec, None);

                Assert.Equal((spec.Id, spec.Name), (info.Id, info.Name));
                Assert.Equal((LibvirtAdapter.DomainNameOf(spec.Id), spec.Name), NameAndTitle(outside, spec.Id));
            }
            finally
            {
                await adapter.DeleteDomainAsync(spec.Id, deleteStorage: false, None);
            }
        }
    }

    private static string OldStyleXml(Guid id, string name) =>
        new XElement(
            "domain",
            new XAttribute("type", "test"),
            new XElement("name", name),
            new XElement("uuid", id.ToString("D")),
            new XElement("memory", new XAttribute("unit", "KiB"), 1048576),
            new XElement("vcpu", 1),
            new XElement("os", new XElement("type", "hvm"))).ToString();

    private static (string Name, string? Title) NameAndTitle(LibvirtConnection connection, Guid id)
    {
        using var domain = connection.GetDomain(id);
        return (LibvirtDomain.GetName(domain), LibvirtDomain.GetTitle(domain, id));
    }

    private List<(string Name, string? Title)> SavedDomains() =>
        TestDriverNodeFile.Current(node.FilePath).Root!.Elements("domain").Select(d => ((string)d.Element("name")!, (string?)d.Element("title"))).ToList();
}
