using Mediator;

namespace VirtualCore.Modules.Monitoring.Contracts;

/// <summary>A VM's usage over a range: "hour", "day", "week", "month", "year" or "decade".</summary>
/// <param name="Series">Comma-separated series names (<see cref="MetricNames"/>); empty or null: all of the VM's.</param>
public sealed record GetVmMetrics(Guid VmId, string? Series, string? Range) : IQuery<MetricsView>;

/// <summary>A rack server's usage over a range (the provider's).</summary>
public sealed record GetNodeMetrics(string NodeName, string? Series, string? Range) : IQuery<MetricsView>;

/// <summary>
/// The caller's vDataCenter's use over a range: its VMs' memory, disk and network summed per minute (so "hour" has
/// 60 buckets, not 360); no CPU share, which does not add up across VMs of different sizes.
/// </summary>
public sealed record GetVdcMetrics(string? Series, string? Range) : IQuery<MetricsView>;

/// <summary>Each month's traffic of a VM, newest first (the contracts count what a VM sent and received per month).</summary>
public sealed record GetVmTraffic(Guid VmId) : IQuery<IReadOnlyList<TrafficMonthView>>;

/// <summary>The names of the series, their units and which subjects have them.</summary>
public static class MetricNames
{
    public const string Cpu = "cpu";
    public const string Memory = "memory";
    public const string MemoryTotal = "memory-total";
    public const string DiskRead = "disk-read";
    public const string DiskWrite = "disk-write";
    public const string DiskReads = "disk-reads";
    public const string DiskWrites = "disk-writes";
    public const string NetIn = "net-in";
    public const string NetOut = "net-out";
    public const string NetInPackets = "net-in-packets";
    public const string NetOutPackets = "net-out-packets";
    public const string Load = "load";

    /// <summary>Every series in storage order, with its unit: percent, bytes, bytes/s, 1/s (operations or packets), load.</summary>
    public static IReadOnlyList<(string Name, string Unit)> All { get; } =
    [
        (Cpu, "percent"), (Memory, "bytes"), (MemoryTotal, "bytes"), (DiskRead, "bytes/s"), (DiskWrite, "bytes/s"),
        (DiskReads, "1/s"), (DiskWrites, "1/s"), (NetIn, "bytes/s"), (NetOut, "bytes/s"), (NetInPackets, "1/s"),
        (NetOutPackets, "1/s"), (Load, "load"),
    ];

    public static IReadOnlyList<string> Ranges { get; } = ["hour", "day", "week", "month", "year", "decade"];
}

/// <summary>
/// Series over a range as columns, ready for a chart: <see cref="Times"/> (Unix seconds, each the start of a bucket of
/// <see cref="StepSeconds"/>) and per series the average, minimum and maximum in each bucket; null where nothing was measured.
/// </summary>
/// <param name="Simulated">The figures come from a simulated rack server, not from a measurement.</param>
public sealed record MetricsView(string Range, int StepSeconds, long From, long To, bool Simulated, IReadOnlyList<long> Times, IReadOnlyList<MetricSeriesView> Series);

public sealed record MetricSeriesView(string Name, string Unit, IReadOnlyList<double?> Avg, IReadOnlyList<double?> Min, IReadOnlyList<double?> Max);

/// <param name="Month">"2026-12".</param>
/// <param name="InBytes">What the VM received.</param>
/// <param name="OutBytes">What the VM sent.</param>
public sealed record TrafficMonthView(string Month, long InBytes, long OutBytes);
