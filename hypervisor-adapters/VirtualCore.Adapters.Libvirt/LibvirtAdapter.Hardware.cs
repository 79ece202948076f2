using System.Xml.Linq;
using VirtualCore.Adapters.Libvirt.Interop;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt;

/// <summary>
/// Hardware changes. Every change is written to the persistent definition (the next boot); vCPUs, memory and disk
/// size also reach a running guest where libvirt allows it, up to the ceilings the domain was started with.
/// </summary>
public sealed partial class LibvirtAdapter
{
    public Task<HardwareChangeResult> UpdateHardwareAsync(Guid domainId, HardwareChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        return RunAsync(c => UpdateHardware(c, domainId, change), mutates: true, cancellationToken);
    }

    private HardwareChangeResult UpdateHardware(LibvirtConnection c, Guid id, HardwareChange change)
    {
        Validate(change);
        if (change.DiskGrowths.Count != 0)
        {
            Require(AdapterCapabilities.DiskGrow, "grow a disk");
        }

        if (change.Cdrom is not null)
        {
            Require(AdapterCapabilities.CdromChange, "change the CD-ROM");
        }

        using var domain = c.GetDomain(id);
        var state = LibvirtDomain.GetState(domain);
        if (state == DomainState.Parked)
        {
            throw WrongState(id, state, "change its hardware (its saved memory belongs to the present hardware; unpark it first)");
        }

        var active = state is DomainState.Running or DomainState.Blocked or DomainState.Paused or DomainState.ShuttingDown;
        var before = LibvirtDomain.GetXml(domain, LibvirtNative.DomainXmlInactive | LibvirtNative.DomainXmlSecure);
        var xml = XElement.Parse(before);
        var items = new List<HardwareChangeItem>();

        if (change.VCpus is { } vcpus)
        {
            var pins = PinsAfter(c, xml, vcpus, change.PinnedCores);
            DomainXmlEditor.SetVcpus(xml, vcpus, pins);
            var live = active && Capabilities.HasFlag(AdapterCapabilities.LiveVcpuChange)
                && vcpus <= LibvirtDomain.GetVcpus(domain, LibvirtNative.AffectLive | LibvirtNative.VcpuMaximum, id);
            if (live)
            {
                if (LibvirtDomain.GetVcpus(domain, LibvirtNative.AffectLive, id) != vcpus)
                {
                    LibvirtDomain.SetLiveVcpus(domain, vcpus, id);
                }

                // New vCPUs would otherwise float over every host CPU; dedicated cores hold only when each is pinned.
                var capacity = c.GetNodeCapacity();
                for (var vcpu = 0; vcpu < pins.Count; vcpu++)
                {
                    LibvirtDomain.PinLiveVcpu(domain, vcpu, pins[vcpu], capacity.PhysicalCores * capacity.ThreadsPerCore, id);
                }
            }

            items.Add(new HardwareChangeItem(HardwareItem.VCpus, live ? ChangeTiming.Live : ChangeTiming.NextBoot));
        }

        if (change.MemoryBytes is { } memory)
        {
            DomainXmlEditor.SetMemory(xml, memory);
            var live = active && Capabilities.HasFlag(AdapterCapabilities.LiveMemoryChange) && memory <= LibvirtDomain.GetLiveMaxMemory(domain, id);
            if (live && LibvirtDomain.GetLiveMemory(domain, id) != memory)
            {
                LibvirtDomain.SetLiveMemory(domain, memory, id);
            }

            items.Add(new HardwareChangeItem(HardwareItem.Memory, live ? ChangeTiming.Live : ChangeTiming.NextBoot));
        }

        foreach (var growth in change.DiskGrowths)
        {
            if (!DomainXmlEditor.DiskPaths(xml).Contains(growth.Path))
            {
                throw new HypervisorAdapterException(AdapterErrorCode.InvalidSpec, $"Domain {id} has no disk {growth.Path}.");
            }

            GrowDisk(c, domain, id, growth, active);
            items.Add(new HardwareChangeItem(HardwareItem.Disk, active ? ChangeTiming.Live : ChangeTiming.NextBoot, growth.Path));
        }

        // The CD-ROM, boot order, bus and models change in the definition only: the test driver has no device
        // update, and the guest sees a new bus or model only after a boot in any case.
        if (change.Cdrom is not null)
        {
            DomainXmlEditor.SetCdrom(xml, change.Cdrom.IsoPath);
            items.Add(new HardwareChangeItem(HardwareItem.Cdrom, ChangeTiming.NextBoot));
        }

        if (change.BootOrder is not null)
        {
            DomainXmlEditor.SetBootOrder(xml, change.BootOrder);
            items.Add(new HardwareChangeItem(HardwareItem.BootOrder, ChangeTiming.NextBoot));
        }

        if (change.DiskBus is { } bus)
        {
            DomainXmlEditor.SetDiskBus(xml, bus);
            items.Add(new HardwareChangeItem(HardwareItem.DiskBus, ChangeTiming.NextBoot));
        }

        if (change.NicModel is { } model)
        {
            DomainXmlEditor.SetNicModel(xml, model);
            items.Add(new HardwareChangeItem(HardwareItem.NicModel, ChangeTiming.NextBoot));
        }

        var after = xml.ToString();
        if (after != XElement.Parse(before).ToString())
        {
            using var redefined = c.DefineDomain(after, $"domain {id} with its new hardware");
        }

        return new HardwareChangeResult(items);
    }

    // A pinned domain keeps dedicated cores: shrinking keeps the first pins, growing needs a core for every vCPU.
    private static IReadOnlyList<int> PinsAfter(LibvirtConnection c, XElement xml, int vcpus, IReadOnlyList<int>? requested)
    {
        var pins = requested ?? DomainXmlEditor.ReadPins(xml);
        if (requested is null && pins.Count != 0)
        {
            pins = pins.Count >= vcpus
                ? pins.Take(vcpus).ToList()
                : throw new HypervisorAdapterException(
                    AdapterErrorCode.InvalidSpec, $"The domain's vCPUs are pinned; give a core for each of the {vcpus} vCPUs.");
        }

        var cores = c.GetNodeCapacity().PhysicalCores;
        return pins.Any(core => core >= cores)
            ? throw new HypervisorAdapterException(AdapterErrorCode.InvalidSpec, $"The node has cores 0 to {cores - 1}; cannot pin to {string.Join(", ", pins.Where(core => core >= cores))}.")
            : pins;
    }

    private static void GrowDisk(LibvirtConnection c, DomainHandle domain, Guid id, DiskGrowth growth, bool active)
    {
        if (active)
        {
            var capacity = LibvirtDomain.GetBlockCapacity(domain, growth.Path, id);
            RefuseShrink(growth, capacity);
            if (capacity != growth.CapacityBytes)
            {
                LibvirtDomain.ResizeLiveBlock(domain, growth.Path, growth.CapacityBytes, id);
            }

            return;
        }

        using var volume = FindDiskVolume(c, growth.Path)
            ?? throw new HypervisorAdapterException(
                AdapterErrorCode.NotSupported, $"{growth.Path} is in no libvirt storage pool, so it cannot be grown while domain {id} is stopped.");
        var current = LibvirtConnection.GetVolumeCapacity(volume, growth.Path);
        RefuseShrink(growth, current);
        if (current != growth.CapacityBytes)
        {
            LibvirtConnection.ResizeVolume(volume, growth.Path, growth.CapacityBytes);
        }
    }

    private static void RefuseShrink(DiskGrowth growth, long capacity)
    {
        if (growth.CapacityBytes < capacity)
        {
            throw new HypervisorAdapterException(
                AdapterErrorCode.InvalidSpec, $"{growth.Path} holds {capacity} bytes; a disk is only grown, never shrunk to {growth.CapacityBytes}.");
        }
    }

    private static void Validate(HardwareChange change)
    {
        static HypervisorAdapterException Invalid(string message) => new(AdapterErrorCode.InvalidSpec, message);

        if (change.VCpus is < 1)
        {
            throw Invalid("A domain needs at least one vCPU.");
        }

        if (change.PinnedCores is { } pins)
        {
            if (change.VCpus is not { } vcpus || pins.Count != vcpus)
            {
                throw Invalid("Pinning needs the new vCPU count and one core per vCPU.");
            }

            if (pins.Any(core => core < 0) || pins.Distinct().Count() != pins.Count)
            {
                throw Invalid("Pinned cores must be distinct, non-negative core numbers.");
            }
        }

        if (change.MemoryBytes is { } memory && (memory < DomainXmlBuilder.MinimumMemoryBytes || memory % 1024 != 0))
        {
            throw Invalid("Domain memory must be at least 1 MiB and a whole number of KiB.");
        }

        if (change.DiskGrowths.Any(g => g is null || g.CapacityBytes <= 0) || change.DiskGrowths.DistinctBy(g => g.Path).Count() != change.DiskGrowths.Count)
        {
            throw Invalid("Each disk is grown once, to a positive size.");
        }

        if (change.Cdrom?.IsoPath is { } iso && (iso.Length == 0 || iso[0] != '/' || iso.Any(char.IsControl)))
        {
            throw Invalid("The CD-ROM image path must be absolute and free of control characters.");
        }

        if (change.BootOrder is { } order
            && (order.Count == 0 || order.Distinct().Count() != order.Count || order.Any(d => !Enum.IsDefined(d))))
        {
            throw Invalid("The boot order lists each boot device at most once, and at least one.");
        }

        if ((change.DiskBus is { } bus && !Enum.IsDefined(bus)) || (change.NicModel is { } model && !Enum.IsDefined(model)))
        {
            throw Invalid("Unknown disk bus or NIC model.");
        }
    }
}
