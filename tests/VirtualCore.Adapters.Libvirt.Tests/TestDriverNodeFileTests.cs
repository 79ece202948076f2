using System.Diagnostics;
using System.Xml.Linq;

namespace VirtualCore.Adapters.Libvirt.Tests;

public sealed class TestDriverNodeFileTests : IDisposable
{
    private readonly TestNode node = new();

    public void Dispose() => node.Dispose();

    [Fact]
    public async Task The_file_describes_a_blade_that_libvirt_accepts()
    {
        var adapter = await node.ConnectAsync();

        var capacity = await adapter.GetNodeCapacityAsync(CancellationToken.None);

        Assert.Equal((2, 6, 1, 48 * TestNode.GiB), (capacity.Sockets, capacity.CoresPerSocket, capacity.ThreadsPerCore, capacity.MemoryBytes));
        Assert.Empty(await adapter.ListDomainsAsync(CancellationToken.None));
    }

    [Fact]
    public void The_default_network_is_active_in_libvirt()
    {
        Assert.Equal("default", Virsh(node.Uri, "net-list --name").Trim());
    }

    [Fact]
    public void The_default_network_keeps_its_identity_across_opens()
    {
        var first = Virsh(node.Uri, "net-uuid default").Trim();

        Assert.Equal(first, Virsh(node.Uri, "net-uuid default").Trim());
        Assert.True(Guid.TryParse(first, out _));
    }

    [Fact]
    public void Writing_again_replaces_the_file_and_leaves_no_temporary_file()
    {
        TestDriverNodeFile.Write(node.FilePath, "rack-2", 1, 4, 2, 8 * TestNode.GiB);

        Assert.Equal(["node.xml"], Directory.GetFiles(node.Directory).Select(Path.GetFileName));
        var cpu = XDocument.Load(node.FilePath).Root!.Element("cpu")!;
        Assert.Equal(("1", "4", "2", "8"), ((string)cpu.Element("sockets")!, (string)cpu.Element("cores")!, (string)cpu.Element("threads")!, (string)cpu.Element("active")!));
    }

    [Theory]
    [InlineData("rack 1", 2, 6, 1, 1L << 30)]
    [InlineData("-->", 2, 6, 1, 1L << 30)]
    [InlineData("rack-1", 0, 6, 1, 1L << 30)]
    [InlineData("rack-1", 2, 0, 1, 1L << 30)]
    [InlineData("rack-1", 2, 6, 0, 1L << 30)]
    [InlineData("rack-1", 2, 6, 1, 1024)]
    [InlineData("rack-1", 2, 6, 1, (1L << 30) + 1)]
    public void Impossible_hosts_are_refused(string hostName, int sockets, int cores, int threads, long memoryBytes)
    {
        var path = Path.Combine(node.Directory, "other.xml");

        Assert.ThrowsAny<ArgumentException>(() => TestDriverNodeFile.Write(path, hostName, sockets, cores, threads, memoryBytes));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Replacing_domains_keeps_everything_else_and_marks_the_run_state()
    {
        var before = XDocument.Load(node.FilePath).Root!;
        var domain = $"<domain type='test'><name>web-01</name><uuid>{Guid.NewGuid()}</uuid><memory>1048576</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>";

        TestDriverNodeFile.ReplaceDomains(node.FilePath, [new TestDriverDomain(domain, 1, false, [])], 1);
        Assert.Equal("running", Virsh(node.Uri, "domstate web-01").Trim());
        TestDriverNodeFile.ReplaceDomains(node.FilePath, [new TestDriverDomain(domain, 5, false, [])], 2);
        Assert.Equal("shut off", Virsh(node.Uri, "domstate web-01").Trim());

        var after = XDocument.Load(node.FilePath).Root!;
        Assert.Equal(
            before.Nodes().Select(n => n.ToString()),
            after.Nodes().Where(n => n is not XElement { Name.LocalName: "domain" } && !n.ToString().Contains("vcore-journal-generation", StringComparison.Ordinal)).Select(n => n.ToString()));
        var saved = Assert.Single(after.Elements("domain"));
        Assert.Equal("5", (string?)Assert.Single(saved.Elements(TestDriverNodeFile.TestNamespace + "runstate")));
        Assert.Equal(TestDriverNodeFile.TestNamespace.NamespaceName, (string?)saved.Attribute(XNamespace.Xmlns + "test"));
    }

    private static string Virsh(string uri, string command)
    {
        using var virsh = Process.Start(new ProcessStartInfo("virsh", ["-c", uri, command])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = virsh.StandardOutput.ReadToEnd();
        var errors = virsh.StandardError.ReadToEnd();
        Assert.True(virsh.WaitForExit(TimeSpan.FromSeconds(30)), "virsh did not finish");
        Assert.True(virsh.ExitCode == 0, errors);
        return output;
    }
}
