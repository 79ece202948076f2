using System.Globalization;
using System.Xml.Linq;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt;

/// <summary>
/// Changes a domain's persistent XML for a <see cref="HardwareChange"/>: what the domain gets at its next boot.
/// Values go through System.Xml.Linq, never pasted into markup.
/// </summary>
internal static class DomainXmlEditor
{
    private const int MaxDevicesPerBus = 26;

    /// <summary>The physical core per vCPU from the domain's <c>cputune</c>, in vCPU order; empty when unpinned.</summary>
    internal static IReadOnlyList<int> ReadPins(XElement domain) =>
        domain.Element("cputune")?.Elements("vcpupin")
            .OrderBy(p => (int)p.Attribute("vcpu")!)
            .Select(p => int.Parse((string)p.Attribute("cpuset")!, CultureInfo.InvariantCulture))
            .ToList()
        ?? [];

    /// <summary>Sets the vCPU count (current and maximum) and replaces the pinning.</summary>
    internal static void SetVcpus(XElement domain, int count, IReadOnlyList<int> pins)
    {
        var vcpu = domain.Element("vcpu") ?? AddAfter(domain, new XElement("vcpu"), "currentMemory", "memory");
        vcpu.ReplaceAll(new XAttribute("placement", "static"), count);
        SetPins(domain, pins);
    }

    /// <summary>The vCPU count the domain runs with: the <c>current</c> ones where fewer than the maximum are plugged in.</summary>
    internal static int ReadVcpus(XElement domain)
    {
        var vcpu = domain.Element("vcpu")!;
        return (int?)vcpu.Attribute("current") ?? (int)vcpu;
    }

    /// <summary>Replaces the pinning: vCPU i runs on <paramref name="pins"/>[i]; none when empty.</summary>
    internal static void SetPins(XElement domain, IReadOnlyList<int> pins)
    {
        var cputune = domain.Element("cputune");
        cputune?.Elements("vcpupin").Remove();
        if (pins.Count != 0)
        {
            cputune ??= AddAfter(domain, new XElement("cputune"), "vcpu");
            cputune.AddFirst(pins.Select((core, index) => new XElement("vcpupin", new XAttribute("vcpu", index), new XAttribute("cpuset", core))));
        }
        else if (cputune is not null && !cputune.HasElements)
        {
            cputune.Remove();
        }
    }

    /// <summary>Sets the memory ceiling and the memory the guest gets to the same amount, as at definition.</summary>
    internal static void SetMemory(XElement domain, long bytes)
    {
        var kib = (bytes / 1024).ToString(CultureInfo.InvariantCulture);
        var memory = domain.Element("memory") ?? AddAfter(domain, new XElement("memory"), "uuid", "name");
        memory.ReplaceAll(new XAttribute("unit", "KiB"), kib);
        var current = domain.Element("currentMemory") ?? AddAfter(domain, new XElement("currentMemory"), "memory");
        current.ReplaceAll(new XAttribute("unit", "KiB"), kib);
    }

    /// <summary>Inserts, swaps or removes the ISO in the CD-ROM drive.</summary>
    internal static void SetCdrom(XElement domain, string? isoPath)
    {
        var devices = Devices(domain);
        var drives = devices.Elements("disk").Where(d => (string?)d.Attribute("device") == "cdrom" && !IsSeedDrive(d)).ToList();
        if (isoPath is null)
        {
            drives.Remove();
            return;
        }

        if (drives.Count == 0)
        {
            var drive = new XElement(
                "disk",
                new XAttribute("type", "file"),
                new XAttribute("device", "cdrom"),
                new XElement("driver", new XAttribute("name", "qemu"), new XAttribute("type", "raw")),
                new XElement("source", new XAttribute("file", isoPath)),
                new XElement("target", new XAttribute("dev", "sdz"), new XAttribute("bus", "sata")),
                new XElement("readonly"));
            // Before the seed's drive, so the ISO keeps the first CD-ROM's name.
            var lastDisk = devices.Elements("disk").LastOrDefault(d => !IsSeedDrive(d));
            if (lastDisk is null)
            {
                devices.AddFirst(drive);
            }
            else
            {
                lastDisk.AddAfterSelf(drive);
            }

            RenameTargets(domain);
            return;
        }

        var first = drives[0];
        first.SetAttributeValue("type", "file");
        first.Elements("source").Remove();
        first.Element("driver")?.AddAfterSelf(new XElement("source", new XAttribute("file", isoPath)));
        if (first.Element("source") is null)
        {
            first.AddFirst(new XElement("source", new XAttribute("file", isoPath)));
        }

        drives.Skip(1).Remove();
    }

    /// <summary>Replaces the firmware's boot order; per-device boot orders are dropped, as libvirt allows only one kind.</summary>
    internal static void SetBootOrder(XElement domain, IReadOnlyList<BootDevice> order)
    {
        var os = domain.Element("os") ?? throw new HypervisorAdapterException(AdapterErrorCode.OperationFailed, "The domain's description has no <os> element.");
        os.Elements("boot").Remove();
        foreach (var device in Devices(domain).Elements())
        {
            device.Elements("boot").Remove();
        }

        var after = os.Element("type")!;
        foreach (var device in order)
        {
            var boot = new XElement("boot", new XAttribute("dev", device switch
            {
                BootDevice.Disk => "hd",
                BootDevice.Cdrom => "cdrom",
                _ => "network",
            }));
            after.AddAfterSelf(boot);
            after = boot;
        }
    }

    /// <summary>Puts every disk (not the CD-ROM) on <paramref name="bus"/>, renaming device targets to match.</summary>
    internal static void SetDiskBus(XElement domain, DiskBus bus)
    {
        var name = bus == DiskBus.Virtio ? "virtio" : "sata";
        foreach (var disk in Disks(domain))
        {
            var target = disk.Element("target")!;
            if ((string?)target.Attribute("bus") != name)
            {
                target.SetAttributeValue("bus", name);

                // The old controller address belongs to the old bus; libvirt assigns a new one.
                disk.Elements("address").Remove();
            }
        }

        RenameTargets(domain);
    }

    internal static void SetNicModel(XElement domain, NicModel model)
    {
        foreach (var nic in Devices(domain).Elements("interface"))
        {
            nic.Elements("model").Remove();
            nic.Add(new XElement("model", new XAttribute("type", model == NicModel.Virtio ? "virtio" : "e1000")));
        }
    }

    /// <summary>The image paths of the domain's disks (not the CD-ROM).</summary>
    internal static IReadOnlyList<string> DiskPaths(XElement domain) =>
        Disks(domain).Select(d => (string?)d.Element("source")?.Attribute("file")).OfType<string>().ToList();

    /// <summary>The images of the domain's cloud-init seed drives (none, or one).</summary>
    internal static IReadOnlyList<string> SeedPaths(XElement domain) =>
        Devices(domain).Elements("disk").Where(IsSeedDrive).Select(d => (string?)d.Element("source")?.Attribute("file")).OfType<string>().ToList();

    private static bool IsSeedDrive(XElement disk) =>
        (string?)disk.Attribute("device") == "cdrom"
        && ((string?)disk.Element("source")?.Attribute("file"))?.EndsWith(DomainXmlBuilder.SeedSuffix, StringComparison.Ordinal) == true;

    // Device names are one letter after the prefix per bus, in device order: vda… for virtio, sda… for SATA
    // disks and then the CD-ROM, as DomainXmlBuilder names them.
    private static void RenameTargets(XElement domain)
    {
        var next = new Dictionary<string, int>();
        foreach (var disk in Devices(domain).Elements("disk"))
        {
            var target = disk.Element("target");
            var bus = (string?)target?.Attribute("bus");
            if (target is null || bus is not ("virtio" or "sata"))
            {
                continue;
            }

            var prefix = bus == "virtio" ? "vd" : "sd";
            var index = next.GetValueOrDefault(prefix);
            if (index >= MaxDevicesPerBus)
            {
                throw new HypervisorAdapterException(AdapterErrorCode.InvalidSpec, $"At most {MaxDevicesPerBus} devices per disk bus.");
            }

            next[prefix] = index + 1;
            var dev = prefix + (char)('a' + index);
            if ((string?)target.Attribute("dev") != dev)
            {
                target.SetAttributeValue("dev", dev);
                disk.Elements("address").Remove();
            }
        }
    }

    internal static IEnumerable<XElement> Disks(XElement domain) =>
        Devices(domain).Elements("disk").Where(d => (string?)d.Attribute("device") is null or "disk");

    private static XElement Devices(XElement domain) =>
        domain.Element("devices") ?? AddAfter(domain, new XElement("devices"), "on_crash", "on_reboot", "on_poweroff", "features", "os");

    // libvirt reads elements in any order, but keeping its own order makes the XML easy to compare with libvirt's.
    private static XElement AddAfter(XElement parent, XElement element, params string[] after)
    {
        var anchor = after.Select(name => parent.Element(name)).FirstOrDefault(e => e is not null);
        if (anchor is null)
        {
            parent.Add(element);
        }
        else
        {
            anchor.AddAfterSelf(element);
        }

        return element;
    }
}
