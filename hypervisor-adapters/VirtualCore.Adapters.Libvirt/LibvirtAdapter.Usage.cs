using System.Globalization;
using VirtualCore.Adapters.Libvirt.Interop;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt;

/// <summary>
/// Usage: on QEMU, one <c>virConnectGetAllDomainStats</c> call for every running domain, the node's CPU times and memory
/// from libvirt and its load from <c>/proc/loadavg</c> where the agent runs on the node. The test driver counts
/// nothing: its figures come from <see cref="SimulatedUsage"/>, declared by <see cref="AdapterCapabilities.SimulatedUsage"/>.
/// </summary>
public sealed partial class LibvirtAdapter
{
    private readonly SimulatedUsage simulatedUsage = new();

    public Task<UsageSample> SampleUsageAsync(CancellationToken cancellationToken) =>
        RunAsync(c => domainType == "test" ? SampleSimulated(c) : SampleMeasured(c), mutates: false, cancellationToken);

    private UsageSample SampleSimulated(LibvirtConnection c)
    {
        var capacity = c.GetNodeCapacity();
        var domains = ReadAll(c, LibvirtDomain.GetInfo)
            .Where(d => d.State is DomainState.Running or DomainState.Blocked or DomainState.Paused)
            .ToList();
        return simulatedUsage.Sample(DateTimeOffset.UtcNow, capacity, domains);
    }

    private UsageSample SampleMeasured(LibvirtConnection c)
    {
        var takenAt = DateTimeOffset.UtcNow;
        var domains = c.ReadAllDomainStats().Select(ToDomainUsage).ToList();

        var cpu = c.ReadNodeCpuTimes();
        var busy = cpu.GetValueOrDefault("kernel") + cpu.GetValueOrDefault("user");
        var total = busy + cpu.GetValueOrDefault("idle") + cpu.GetValueOrDefault("iowait");
        var memory = c.ReadNodeMemory();
        var node = new NodeUsage(
            busy,
            total,
            memory.GetValueOrDefault("total") * 1024,
            (memory.GetValueOrDefault("free") + memory.GetValueOrDefault("buffers") + memory.GetValueOrDefault("cached")) * 1024,
            IsLocalUri(options.Uri) ? ReadLoadAverage() : null);
        return new UsageSample(takenAt, node, domains);
    }

    private static DomainUsage ToDomainUsage(LibvirtStats.DomainStats stats)
    {
        var n = stats.Numbers;
        var current = n.GetValueOrDefault("balloon.current") * 1024;

        // The guest's own word (its balloon driver's statistics) where it gives it, else what QEMU holds of the node's memory.
        long? used = n.TryGetValue("balloon.available", out var available) && n.TryGetValue("balloon.unused", out var unused)
            ? Math.Max(0, available - unused) * 1024
            : n.TryGetValue("balloon.rss", out var rss) ? Math.Min(rss * 1024, current) : null;

        var disks = Enumerable.Range(0, (int)n.GetValueOrDefault("block.count"))
            .Select(i => new DiskUsage(
                stats.Strings.GetValueOrDefault($"block.{i}.name", $"disk{i}"),
                n.GetValueOrDefault($"block.{i}.rd.bytes"),
                n.GetValueOrDefault($"block.{i}.wr.bytes"),
                n.GetValueOrDefault($"block.{i}.rd.reqs"),
                n.GetValueOrDefault($"block.{i}.wr.reqs")))
            .ToList();
        var interfaces = Enumerable.Range(0, (int)n.GetValueOrDefault("net.count"))
            .Select(i => new InterfaceUsage(
                stats.Strings.GetValueOrDefault($"net.{i}.name", $"net{i}"),
                n.GetValueOrDefault($"net.{i}.rx.bytes"),
                n.GetValueOrDefault($"net.{i}.tx.bytes"),
                n.GetValueOrDefault($"net.{i}.rx.pkts"),
                n.GetValueOrDefault($"net.{i}.tx.pkts")))
            .ToList();
        return new DomainUsage(
            stats.Id,
            (int)Math.Max(1, n.GetValueOrDefault("vcpu.current", 1)),
            n.GetValueOrDefault("cpu.time"),
            current,
            used,
            disks,
            interfaces);
    }

    private static double? ReadLoadAverage()
    {
        try
        {
            var text = File.ReadAllText("/proc/loadavg");
            return double.TryParse(text.Split(' ', 2)[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var load) ? load : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
