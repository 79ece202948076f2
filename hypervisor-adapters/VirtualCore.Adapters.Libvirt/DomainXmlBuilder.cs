using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt;

/// <summary>
/// Turns a <see cref="DomainSpec"/> into libvirt domain XML. Every value goes through System.Xml.Linq,
/// so it is escaped whatever it contains; validation refuses what libvirt or the portal cannot use.
/// </summary>
internal static partial class DomainXmlBuilder
{
    internal const long MinimumMemoryBytes = 1024 * 1024;

    // Device names are one letter after the prefix (vda…vdz, sda…sdz).
    private const int MaxDevicesPerBus = 26;

    /// <summary>Validates <paramref name="spec"/> and builds its XML.</summary>
    /// <param name="spec">The domain wanted.</param>
    /// <param name="domainType">libvirt's domain type: "test", "qemu" or "kvm".</param>
    internal static string Build(DomainSpec spec, string domainType)
    {
        Validate(spec);

        var devices = new XElement("devices");
        var virtioDisks = 0;
        var sataDisks = 0;
        foreach (var disk in spec.Disks)
        {
            var (bus, target) = disk.Bus == DiskBus.Virtio
                ? ("virtio", DeviceName("vd", virtioDisks++))
                : ("sata", DeviceName("sd", sataDisks++));
            devices.Add(new XElement(
                "disk",
                new XAttribute("type", "file"),
                new XAttribute("device", "disk"),
                new XElement("driver", new XAttribute("name", "qemu"), new XAttribute("type", "qcow2")),
                new XElement("source", new XAttribute("file", disk.Path)),
                new XElement("target", new XAttribute("dev", target), new XAttribute("bus", bus))));
        }

        // SATA works on both the i440fx and q35 machine types (libvirt adds the AHCI controller).
        if (spec.CdromPath is not null)
        {
            devices.Add(new XElement(
                "disk",
                new XAttribute("type", "file"),
                new XAttribute("device", "cdrom"),
                new XElement("driver", new XAttribute("name", "qemu"), new XAttribute("type", "raw")),
                new XElement("source", new XAttribute("file", spec.CdromPath)),
                new XElement("target", new XAttribute("dev", DeviceName("sd", sataDisks)), new XAttribute("bus", "sata")),
                new XElement("readonly")));
        }

        // The cloud-init seed: a read-only IDE drive (where Proxmox puts it too), labelled cidata inside. Cloud images boot
        // kernels built for virtual machines, and Debian's cloud kernel has the IDE (PIIX) driver but not the SATA (AHCI) one.
        if (SeedPath(spec) is { } seed)
        {
            devices.Add(new XElement(
                "disk",
                new XAttribute("type", "file"),
                new XAttribute("device", "cdrom"),
                new XElement("driver", new XAttribute("name", "qemu"), new XAttribute("type", "raw")),
                new XElement("source", new XAttribute("file", seed)),
                new XElement("target", new XAttribute("dev", "hdc"), new XAttribute("bus", "ide")),
                new XElement("readonly")));
        }

        foreach (var nic in spec.Nics)
        {
            devices.Add(new XElement(
                "interface",
                new XAttribute("type", "network"),
                new XElement("source", new XAttribute("network", nic.Network)),
                new XElement("mac", new XAttribute("address", nic.MacAddress.ToLowerInvariant())),
                new XElement("model", new XAttribute("type", nic.Model == NicModel.Virtio ? "virtio" : "e1000"))));
        }

        if (domainType == "test")
        {
            if (spec.SerialLogPath is not null)
            {
                devices.Add(new XElement(
                    "serial",
                    new XAttribute("type", "file"),
                    new XElement("source", new XAttribute("path", spec.SerialLogPath)),
                    new XElement("target", new XAttribute("port", 0))));
            }
        }
        else
        {
            // The first serial port is a console the node agent reaches through libvirt (virDomainOpenConsole); what the
            // guest writes there also goes to the log file, when one is asked for.
            devices.Add(new XElement(
                "serial",
                new XAttribute("type", "pty"),
                spec.SerialLogPath is null ? null : new XElement("log", new XAttribute("file", spec.SerialLogPath), new XAttribute("append", "off")),
                new XElement("target", new XAttribute("port", 0))));
            devices.Add(new XElement(
                "console",
                new XAttribute("type", "pty"),
                new XElement("target", new XAttribute("type", "serial"), new XAttribute("port", 0))));
        }

        // The console is reached only through libvirt (virDomainOpenGraphicsFD, by the node agent): the VNC server
        // listens on no address at all, so no one on the rack server or its network can connect to a screen.
        if (domainType != "test")
        {
            devices.Add(new XElement(
                "graphics",
                new XAttribute("type", "vnc"),
                new XElement("listen", new XAttribute("type", "none"))));
        }

        var memoryKiB = (spec.MemoryBytes / 1024).ToString(CultureInfo.InvariantCulture);
        var domain = new XElement(
            "domain",
            new XAttribute("type", domainType),
            new XElement("name", LibvirtAdapter.DomainNameOf(spec.Id)),
            new XElement("uuid", spec.Id.ToString("D")),
            new XElement("title", spec.Name),
            new XElement("memory", new XAttribute("unit", "KiB"), memoryKiB),
            new XElement("currentMemory", new XAttribute("unit", "KiB"), memoryKiB),
            new XElement("vcpu", new XAttribute("placement", "static"), spec.VCpus),
            spec.PinnedCores.Count == 0
                ? null
                : new XElement("cputune", spec.PinnedCores.Select((core, vcpu) =>
                    new XElement("vcpupin", new XAttribute("vcpu", vcpu), new XAttribute("cpuset", core)))),
            new XElement("os", new XElement("type", new XAttribute("arch", "x86_64"), "hvm"), BootElements(spec.DirectKernelBoot)),
            new XElement("features", new XElement("acpi"), new XElement("apic")),
            new XElement("on_poweroff", "destroy"),
            new XElement("on_reboot", "restart"),
            new XElement("on_crash", "destroy"),
            devices);

        return domain.ToString();
    }

    /// <summary>Refuses a spec libvirt would reject or that breaks the portal's rules, with <see cref="AdapterErrorCode.InvalidSpec"/>.</summary>
    internal static void Validate(DomainSpec spec)
    {
        if (spec.Id == Guid.Empty)
        {
            throw Invalid("The domain id must not be empty.");
        }

        if (!IsDnsLabel(spec.Name))
        {
            throw Invalid("The domain's name (its title on the node) must be DNS-safe: 1 to 63 letters, digits or hyphens, starting and ending with a letter or digit.");
        }

        if (spec.VCpus < 1)
        {
            throw Invalid("A domain needs at least one vCPU.");
        }

        if (spec.MemoryBytes < MinimumMemoryBytes || spec.MemoryBytes % 1024 != 0)
        {
            throw Invalid("Domain memory must be at least 1 MiB and a whole number of KiB.");
        }

        if (spec.PinnedCores.Count != 0)
        {
            if (spec.PinnedCores.Count != spec.VCpus)
            {
                throw Invalid($"Pinning needs one core per vCPU: {spec.VCpus} vCPUs, {spec.PinnedCores.Count} cores.");
            }

            // Dedicated cores: two vCPUs of one domain never share a core.
            if (spec.PinnedCores.Any(core => core < 0) || spec.PinnedCores.Distinct().Count() != spec.PinnedCores.Count)
            {
                throw Invalid("Pinned cores must be distinct, non-negative core numbers.");
            }
        }

        foreach (var disk in spec.Disks)
        {
            RequireAbsolutePath(disk.Path, "disk image");
            if (disk.SourceImagePath is { } source)
            {
                RequireAbsolutePath(source, "cloud image");
            }

            if (disk.CapacityBytes <= 0)
            {
                throw Invalid($"The disk '{disk.Path}' needs a positive capacity.");
            }
        }

        if (spec.CloudInit is { } seed)
        {
            if (spec.Disks.Count == 0)
            {
                throw Invalid("A cloud-init seed is kept beside the domain's disks: give it at least one disk.");
            }

            if (seed.MetaData is null || seed.UserData is null || seed.Files().Sum(f => (long)f.Content.Length) > CloudInitSeed.MaxBytes)
            {
                throw Invalid($"A cloud-init seed needs meta-data and user-data, and holds at most {CloudInitSeed.MaxBytes / 1024} KiB.");
            }
        }

        var sataDevices = spec.Disks.Count(d => d.Bus == DiskBus.Sata) + (spec.CdromPath is null ? 0 : 1);
        if (spec.Disks.Count(d => d.Bus == DiskBus.Virtio) > MaxDevicesPerBus || sataDevices > MaxDevicesPerBus)
        {
            throw Invalid($"At most {MaxDevicesPerBus} devices per disk bus.");
        }

        if (spec.CdromPath is not null)
        {
            RequireAbsolutePath(spec.CdromPath, "CD-ROM image");
        }

        if (spec.DirectKernelBoot is { } boot)
        {
            RequireAbsolutePath(boot.KernelPath, "kernel");
            RequireAbsolutePath(boot.InitrdPath, "initrd");
            if (boot.CommandLine is null || boot.CommandLine.Any(char.IsControl))
            {
                throw Invalid("The kernel command line must be free of control characters.");
            }
        }

        if (spec.SerialLogPath is not null)
        {
            RequireAbsolutePath(spec.SerialLogPath, "serial log");
        }

        foreach (var nic in spec.Nics)
        {
            if (string.IsNullOrWhiteSpace(nic.Network) || nic.Network.Any(char.IsControl))
            {
                throw Invalid("A network interface needs a network name without control characters.");
            }

            if (nic.MacAddress is null || !MacAddress().IsMatch(nic.MacAddress))
            {
                throw Invalid($"'{nic.MacAddress}' is not a MAC address of the form 52:54:00:12:34:56.");
            }

            // The low bit of the first octet marks multicast addresses, which a NIC cannot own.
            if ((Convert.ToByte(nic.MacAddress[..2], 16) & 1) != 0)
            {
                throw Invalid($"'{nic.MacAddress}' is a multicast address; a NIC needs a unicast one.");
            }
        }
    }

    /// <summary>Where the domain's cloud-init seed lives: beside its first disk, named after the domain; null without a seed.</summary>
    internal static string? SeedPath(DomainSpec spec) =>
        spec.CloudInit is null || spec.Disks.Count == 0
            ? null
            : Path.Combine(Path.GetDirectoryName(spec.Disks[0].Path)!, LibvirtAdapter.DomainNameOf(spec.Id) + SeedSuffix);

    /// <summary>The end of a seed image's file name; a CD-ROM drive holding such a file is the seed's, not the customer's ISO drive.</summary>
    internal const string SeedSuffix = "-cidata.iso";

    /// <summary>True for 1 to 63 letters, digits or hyphens that start and end with a letter or digit.</summary>
    internal static bool IsDnsLabel(string? name) => name is not null && DnsLabel().IsMatch(name);

    private static IEnumerable<XElement> BootElements(DirectKernelBoot? boot) =>
        boot is null
            ? [new XElement("boot", new XAttribute("dev", "hd")), new XElement("boot", new XAttribute("dev", "cdrom"))]
            : [new XElement("kernel", boot.KernelPath), new XElement("initrd", boot.InitrdPath), new XElement("cmdline", boot.CommandLine)];

    private static string DeviceName(string prefix, int index) => prefix + (char)('a' + index);

    private static void RequireAbsolutePath(string path, string what)
    {
        if (string.IsNullOrEmpty(path) || path[0] != '/' || path.Any(char.IsControl))
        {
            throw Invalid($"The {what} path must be absolute and free of control characters.");
        }
    }

    private static HypervisorAdapterException Invalid(string message) => new(AdapterErrorCode.InvalidSpec, message);

    [GeneratedRegex("^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\z", RegexOptions.CultureInvariant)]
    private static partial Regex DnsLabel();

    [GeneratedRegex("^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex MacAddress();
}
