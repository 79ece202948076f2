using System.Xml.Linq;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt.Tests;

public sealed class DomainXmlBuilderTests
{
    private static readonly Guid Id = Guid.Parse("6c1f3c4e-1b0a-4c52-9a55-0d3f6e2b7a10");

    private static DomainSpec FullSpec() => new(
        Id,
        "web-01",
        2,
        4L * 1024 * 1024 * 1024,
        [3, 7],
        [
            new DiskSpec("/images/web-01-system.qcow2", 40L << 30),
            new DiskSpec("/images/web-01-data.qcow2", 100L << 30),
            new DiskSpec("/images/web-01-legacy.qcow2", 10L << 30, DiskBus.Sata),
        ],
        "/isos/debian.iso",
        [new NicSpec("default", "52:54:00:AB:CD:EF"), new NicSpec("backend", "52:54:00:00:00:02", NicModel.E1000)]);

    [Fact]
    public void Build_describes_the_whole_domain()
    {
        var domain = XElement.Parse(DomainXmlBuilder.Build(FullSpec(), "kvm"));

        Assert.Equal("kvm", (string?)domain.Attribute("type"));
        Assert.Equal("vm-6c1f3c4e1b0a4c529a550d3f6e2b7a10", (string?)domain.Element("name"));
        Assert.Equal(Id.ToString(), (string?)domain.Element("uuid"));
        Assert.Equal("web-01", (string?)domain.Element("title"));
        Assert.Equal("4194304", (string?)domain.Element("memory"));
        Assert.Equal("KiB", (string?)domain.Element("memory")!.Attribute("unit"));
        Assert.Equal("2", (string?)domain.Element("vcpu"));
        Assert.Equal("static", (string?)domain.Element("vcpu")!.Attribute("placement"));
        Assert.Equal(
            ["0=3", "1=7"],
            domain.Element("cputune")!.Elements("vcpupin").Select(p => $"{(string?)p.Attribute("vcpu")}={(string?)p.Attribute("cpuset")}"));
        var os = domain.Element("os")!;
        Assert.Equal("x86_64", (string?)os.Element("type")!.Attribute("arch"));
        Assert.Equal("hvm", (string?)os.Element("type"));
        Assert.Equal(["hd", "cdrom"], os.Elements("boot").Select(b => (string?)b.Attribute("dev")));
        Assert.NotNull(domain.Element("features")!.Element("acpi"));
        Assert.NotNull(domain.Element("features")!.Element("apic"));
        Assert.Equal("destroy", (string?)domain.Element("on_poweroff"));
        Assert.Equal("restart", (string?)domain.Element("on_reboot"));
        Assert.Equal("destroy", (string?)domain.Element("on_crash"));

        var disks = domain.Element("devices")!.Elements("disk").ToList();
        Assert.Equal(
            ["disk vda virtio", "disk vdb virtio", "disk sda sata", "cdrom sdb sata"],
            disks.Select(d => $"{(string?)d.Attribute("device")} {(string?)d.Element("target")!.Attribute("dev")} {(string?)d.Element("target")!.Attribute("bus")}"));
        Assert.Equal("qcow2", (string?)disks[0].Element("driver")!.Attribute("type"));
        Assert.Equal("/images/web-01-system.qcow2", (string?)disks[0].Element("source")!.Attribute("file"));
        Assert.Equal("/isos/debian.iso", (string?)disks[3].Element("source")!.Attribute("file"));
        Assert.NotNull(disks[3].Element("readonly"));
        Assert.Null(disks[0].Element("readonly"));

        var nics = domain.Element("devices")!.Elements("interface").ToList();
        Assert.Equal(
            ["default 52:54:00:ab:cd:ef virtio", "backend 52:54:00:00:00:02 e1000"],
            nics.Select(n => $"{(string?)n.Element("source")!.Attribute("network")} {(string?)n.Element("mac")!.Attribute("address")} {(string?)n.Element("model")!.Attribute("type")}"));

        var graphics = Assert.Single(domain.Element("devices")!.Elements("graphics"));
        Assert.Equal("vnc", (string?)graphics.Attribute("type"));
        // No port on any address: the screen is reached only through libvirt (virDomainOpenGraphicsFD).
        Assert.Null(graphics.Attribute("listen"));
        Assert.Null(graphics.Attribute("port"));
        Assert.Equal("none", (string?)Assert.Single(graphics.Elements("listen")).Attribute("type"));
    }

    [Fact]
    public void Build_for_the_test_driver_has_no_vnc_server_and_no_pinning_when_none_is_asked()
    {
        var spec = FullSpec() with { PinnedCores = [], CdromPath = null };

        var domain = XElement.Parse(DomainXmlBuilder.Build(spec, "test"));

        Assert.Equal("test", (string?)domain.Attribute("type"));
        Assert.Null(domain.Element("cputune"));
        Assert.Empty(domain.Element("devices")!.Elements("graphics"));
        Assert.DoesNotContain(domain.Element("devices")!.Elements("disk"), d => (string?)d.Attribute("device") == "cdrom");
    }

    [Theory]
    [InlineData("a'/><evil/>")]
    [InlineData("")]
    [InlineData("-web")]
    [InlineData("web-")]
    [InlineData("web 01")]
    [InlineData("web.01")]
    [InlineData("web\n")]
    [InlineData("wéb")]
    [InlineData("a234567890123456789012345678901234567890123456789012345678901234")]
    public void Names_that_are_not_DNS_labels_are_refused(string name)
    {
        var error = Assert.Throws<HypervisorAdapterException>(() => DomainXmlBuilder.Build(FullSpec() with { Name = name }, "test"));

        Assert.Equal(AdapterErrorCode.InvalidSpec, error.Code);
    }

    [Fact]
    public void A_63_character_name_is_accepted()
    {
        var name = "a" + new string('0', 61) + "z";

        var domain = XElement.Parse(DomainXmlBuilder.Build(FullSpec() with { Name = name }, "test"));

        Assert.Equal(name, (string?)domain.Element("title"));
    }

    [Fact]
    public void The_name_comes_from_the_id_alone_and_the_chosen_name_is_the_title()
    {
        var first = XElement.Parse(DomainXmlBuilder.Build(FullSpec() with { Name = "shop-web" }, "test"));
        var second = XElement.Parse(DomainXmlBuilder.Build(FullSpec() with { Id = Guid.NewGuid(), Name = "shop-web" }, "test"));

        Assert.Equal(LibvirtAdapter.DomainNameOf(Id), (string?)first.Element("name"));
        Assert.NotEqual((string?)first.Element("name"), (string?)second.Element("name"));
        Assert.Equal(["shop-web", "shop-web"], new[] { first, second }.Select(d => (string?)d.Element("title")));
        Assert.DoesNotContain("shop-web", (string?)second.Element("name"), StringComparison.Ordinal);
    }

    [Fact]
    public void Strings_are_escaped_whatever_they_contain()
    {
        const string path = "/images/a'/><evil/>\"&<disk>.qcow2";
        const string network = "net'/><evil/>\"&";
        var spec = FullSpec() with
        {
            Disks = [new DiskSpec(path, 1L << 30)],
            CdromPath = "/isos/</source><evil/>.iso",
            Nics = [new NicSpec(network, "52:54:00:00:00:03")],
        };

        var domain = XElement.Parse(DomainXmlBuilder.Build(spec, "kvm"));

        Assert.Empty(domain.Descendants("evil"));
        var disks = domain.Element("devices")!.Elements("disk").ToList();
        Assert.Equal(path, (string?)disks[0].Element("source")!.Attribute("file"));
        Assert.Equal("/isos/</source><evil/>.iso", (string?)disks[1].Element("source")!.Attribute("file"));
        Assert.Equal(network, (string?)domain.Element("devices")!.Element("interface")!.Element("source")!.Attribute("network"));
    }

    public static TheoryData<string, DomainSpec> InvalidSpecs()
    {
        var valid = FullSpec();
        return new TheoryData<string, DomainSpec>
        {
            { "empty id", valid with { Id = Guid.Empty } },
            { "no vCPU", valid with { VCpus = 0, PinnedCores = [] } },
            { "under 1 MiB", valid with { MemoryBytes = 1024 * 1024 - 1024 } },
            { "not whole KiB", valid with { MemoryBytes = (1L << 30) + 1 } },
            { "fewer cores than vCPUs", valid with { PinnedCores = [3] } },
            { "one core twice", valid with { PinnedCores = [3, 3] } },
            { "negative core", valid with { PinnedCores = [-1, 3] } },
            { "relative disk path", valid with { Disks = [new DiskSpec("images/a.qcow2", 1L << 30)] } },
            { "control character in path", valid with { Disks = [new DiskSpec("/images/a\u0001.qcow2", 1L << 30)] } },
            { "zero capacity", valid with { Disks = [new DiskSpec("/images/a.qcow2", 0)] } },
            { "relative CD-ROM path", valid with { CdromPath = "debian.iso" } },
            { "malformed MAC", valid with { Nics = [new NicSpec("default", "52:54:00:00:00")] } },
            { "MAC with markup", valid with { Nics = [new NicSpec("default", "52:54:00:00:00:01'/><evil/>")] } },
            { "multicast MAC", valid with { Nics = [new NicSpec("default", "01:00:5e:00:00:01")] } },
            { "empty network", valid with { Nics = [new NicSpec(" ", "52:54:00:00:00:01")] } },
            { "27 virtio disks", valid with { Disks = Enumerable.Range(0, 27).Select(i => new DiskSpec($"/images/{i}.qcow2", 1L << 30)).ToList() } },
        };
    }

    [Theory]
    [MemberData(nameof(InvalidSpecs))]
    public void Invalid_specs_are_refused(string reason, DomainSpec spec)
    {
        var error = Assert.Throws<HypervisorAdapterException>(() => DomainXmlBuilder.Build(spec, "test"));

        Assert.True(error.Code == AdapterErrorCode.InvalidSpec, reason);
    }

    [Fact]
    public void A_cloud_init_seed_is_a_read_only_ide_drive_beside_the_first_disk_that_iso_changes_leave_alone()
    {
        var spec = FullSpec() with { CloudInit = new CloudInitSeed("instance-id: a\n", "#cloud-config\n", null) };

        var domain = XElement.Parse(DomainXmlBuilder.Build(spec, "kvm"));
        string[] Drives() => domain.Element("devices")!.Elements("disk")
            .Select(d => $"{(string?)d.Attribute("device")} {(string?)d.Element("target")!.Attribute("dev")} {(string?)d.Element("source")!.Attribute("file")}")
            .ToArray();

        var seed = "/images/vm-6c1f3c4e1b0a4c529a550d3f6e2b7a10-cidata.iso";
        Assert.Equal("cdrom sdb /isos/debian.iso", Drives()[3]);
        Assert.Equal($"cdrom hdc {seed}", Drives()[4]);
        Assert.NotNull(domain.Element("devices")!.Elements("disk").Last().Element("readonly"));
        Assert.Equal([seed], DomainXmlEditor.SeedPaths(domain));
        Assert.DoesNotContain(seed, DomainXmlEditor.DiskPaths(domain));

        // Swapping, removing and inserting the customer's ISO never touches the seed's drive.
        DomainXmlEditor.SetCdrom(domain, "/isos/other.iso");
        Assert.Equal(["cdrom sdb /isos/other.iso", $"cdrom hdc {seed}"], Drives()[3..]);
        DomainXmlEditor.SetCdrom(domain, null);
        Assert.Equal($"cdrom hdc {seed}", Drives()[^1]);
        Assert.Equal(4, Drives().Length);
        DomainXmlEditor.SetCdrom(domain, "/isos/again.iso");
        Assert.Equal(["cdrom sdb /isos/again.iso", $"cdrom hdc {seed}"], Drives()[3..]);
    }

    [Fact]
    public void A_seed_needs_a_disk_and_stays_within_its_size()
    {
        var diskless = FullSpec() with { Disks = [], CloudInit = new CloudInitSeed("instance-id: a\n", "#cloud-config\n", null) };
        var huge = FullSpec() with { CloudInit = new CloudInitSeed("instance-id: a\n", new string('x', CloudInitSeed.MaxBytes), null) };

        Assert.Equal(AdapterErrorCode.InvalidSpec, Assert.Throws<HypervisorAdapterException>(() => DomainXmlBuilder.Build(diskless, "kvm")).Code);
        Assert.Equal(AdapterErrorCode.InvalidSpec, Assert.Throws<HypervisorAdapterException>(() => DomainXmlBuilder.Build(huge, "kvm")).Code);
    }
}
