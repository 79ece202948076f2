using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt.Tests;

/// <summary>
/// A simulated rack server keeps each change in a journal beside its node file, flushed before the call returns,
/// and writes the file whole only now and then and when it stops cleanly. A new connection (the agent started again,
/// after a crash or not) sees every change that had returned.
/// </summary>
public sealed class NodeFileJournalTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly TestNode node = new();

    public void Dispose() => node.Dispose();

    [Fact]
    public async Task Changes_go_to_the_journal_without_rewriting_the_node_file_and_a_new_connection_sees_them()
    {
        var adapter = await node.ConnectAsync(persist: true);
        var web = TestNode.Spec("web-01");
        var db = TestNode.Spec("db-01");
        var gone = TestNode.Spec("old-01");
        await adapter.DefineDomainAsync(web, None);
        await adapter.DefineDomainAsync(db, None);
        await adapter.DefineDomainAsync(gone, None);
        var before = await File.ReadAllBytesAsync(node.FilePath);

        await adapter.StartDomainAsync(web.Id, None);
        await adapter.StartDomainAsync(db.Id, None);
        await adapter.PauseDomainAsync(db.Id, None);
        await adapter.UndefineDomainAsync(gone.Id, None);

        Assert.Equal(before, await File.ReadAllBytesAsync(node.FilePath));
        Assert.True(File.ReadLines(Journal()).Count() >= 7, "every call that changed a domain is a line of the journal");

        // The first connection never closed: as after a crash of its process.
        var second = await node.ConnectAsync(persist: true);
        Assert.Equal(
            new[] { (web.Id, DomainState.Running), (db.Id, DomainState.Paused) }.Order(),
            (await second.ListDomainsAsync(None)).Select(d => (d.Id, d.State)).Order());
    }

    [Fact]
    public async Task A_torn_last_line_is_skipped()
    {
        var adapter = await node.ConnectAsync(persist: true);
        var web = TestNode.Spec("web-01");
        await adapter.DefineDomainAsync(web, None);
        await adapter.StartDomainAsync(web.Id, None);
        await File.AppendAllTextAsync(Journal(), $"{{\"Id\":\"{web.Id}\",\"Xml\":\"<domain");

        var second = await node.ConnectAsync(persist: true);

        var domain = Assert.Single(await second.ListDomainsAsync(None));
        Assert.Equal((web.Id, DomainState.Running), (domain.Id, domain.State));
    }

    [Fact]
    public async Task A_clean_stop_writes_the_file_whole_and_a_journal_older_than_the_file_is_ignored()
    {
        var adapter = await node.ConnectAsync(persist: true);
        var web = TestNode.Spec("web-01");
        await adapter.DefineDomainAsync(web, None);
        await adapter.StartDomainAsync(web.Id, None);
        var journal = Journal();
        await adapter.DisposeAsync();

        Assert.Empty(Journals());
        Assert.Single(TestDriverNodeFile.Current(node.FilePath).Root!.Elements("domain"));

        // A crash after the file was written and before its journal was deleted leaves the old journal behind; its
        // lines are older than the file and must not undo what the file holds.
        await File.WriteAllTextAsync(journal, $"{{\"Id\":\"{web.Id}\",\"Xml\":null,\"State\":0,\"HasManagedSave\":false,\"Snapshots\":null}}\n");
        var second = await node.ConnectAsync(persist: true);

        var domain = Assert.Single(await second.ListDomainsAsync(None));
        Assert.Equal((web.Id, DomainState.Running), (domain.Id, domain.State));
        Assert.Empty(Journals());
    }

    [Fact]
    public async Task Snapshots_and_managed_save_survive_in_the_journal()
    {
        var adapter = await node.ConnectAsync(persist: true);
        var web = TestNode.Spec("web-01");
        await adapter.DefineDomainAsync(web, None);
        await adapter.StartDomainAsync(web.Id, None);
        await adapter.CreateRecoveryPointAsync(web.Id, "before-upgrade", null, None);
        await adapter.ParkDomainAsync(web.Id, None);

        var second = await node.ConnectAsync(persist: true);

        Assert.Equal(["before-upgrade"], (await second.ListRecoveryPointsAsync(web.Id, None)).Select(p => p.Name));
        await second.StartDomainAsync(web.Id, None);
        Assert.Equal(DomainState.Running, await second.GetDomainStateAsync(web.Id, None));
    }

    private string[] Journals() => Directory.GetFiles(node.Directory, "node.xml.journal.*");

    private string Journal() => Assert.Single(Journals());
}
