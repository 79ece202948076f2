using System.Runtime.InteropServices;

namespace VirtualCore.Adapters.Libvirt.Interop;

internal static unsafe partial class LibvirtNative
{
    /// <summary>virDomainStatsTypes this adapter reads: state, CPU time, balloon, vCPUs, interfaces, block devices.</summary>
    internal const uint DomainStatsState = 1;
    internal const uint DomainStatsCpuTotal = 2;
    internal const uint DomainStatsBalloon = 4;
    internal const uint DomainStatsVcpu = 8;
    internal const uint DomainStatsInterface = 16;
    internal const uint DomainStatsBlock = 32;

    /// <summary>VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE: only running or paused domains.</summary>
    internal const uint GetAllDomainsStatsActive = 1;

    /// <summary>VIR_NODE_CPU_STATS_ALL_CPUS and VIR_NODE_MEMORY_STATS_ALL_CELLS.</summary>
    internal const int AllCpus = -1;
    internal const int AllCells = -1;

    /// <summary>
    /// <paramref name="records"/> is a NULL-terminated array of <see cref="VirDomainStatsRecord"/> pointers; release it with
    /// <see cref="virDomainStatsRecordListFree"/>, which also frees the domains the records hold.
    /// </summary>
    [LibraryImport(Library)]
    internal static partial int virConnectGetAllDomainStats(ConnectionHandle connection, uint stats, out nint records, uint flags);

    [LibraryImport(Library)]
    internal static partial void virDomainStatsRecordListFree(nint records);

    /// <summary>Called with <paramref name="parameters"/> null, tells how many entries there are.</summary>
    [LibraryImport(Library)]
    internal static partial int virNodeGetCPUStats(ConnectionHandle connection, int cpuNum, VirNodeStat* parameters, ref int count, uint flags);

    [LibraryImport(Library)]
    internal static partial int virNodeGetMemoryStats(ConnectionHandle connection, int cellNum, VirNodeStat* parameters, ref int count, uint flags);
}

/// <summary>virDomainStatsRecord: a domain (owned by the record list) and its typed parameters.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct VirDomainStatsRecord
{
    public nint Domain;
    public nint Parameters;
    public int Count;
}

/// <summary>virNodeCPUStats and virNodeMemoryStats share this layout: a field name and an unsigned 64-bit value.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VirNodeStat
{
    public fixed byte Field[80];
    public ulong Value;
}

/// <summary>Typed reads of a node's and its domains' statistics, each failure captured on the calling thread at once.</summary>
internal static unsafe class LibvirtStats
{
    /// <summary>One domain's statistics: its id and its numeric fields by name (strings only where named by <c>.name</c>).</summary>
    internal sealed record DomainStats(Guid Id, Dictionary<string, long> Numbers, Dictionary<string, string> Strings);

    /// <summary>The bulk statistics of every running or paused domain: one call for the whole node.</summary>
    internal static List<DomainStats> ReadAllDomains(ConnectionHandle connection)
    {
        const uint stats = LibvirtNative.DomainStatsState | LibvirtNative.DomainStatsCpuTotal | LibvirtNative.DomainStatsBalloon
            | LibvirtNative.DomainStatsVcpu | LibvirtNative.DomainStatsInterface | LibvirtNative.DomainStatsBlock;
        if (LibvirtNative.virConnectGetAllDomainStats(connection, stats, out var records, LibvirtNative.GetAllDomainsStatsActive) < 0)
        {
            throw LibvirtError.CaptureLast().ToException("read the domains' statistics");
        }

        var result = new List<DomainStats>();
        var buffer = stackalloc byte[LibvirtNative.UuidStringBufferLength];
        try
        {
            for (var entry = (VirDomainStatsRecord**)records; *entry != null; entry++)
            {
                var record = **entry;
                if (LibvirtNative.virDomainGetUUIDStringBorrowed(record.Domain, buffer) < 0)
                {
                    throw LibvirtError.CaptureLast().ToException("read a domain's UUID");
                }

                var numbers = new Dictionary<string, long>(StringComparer.Ordinal);
                var strings = new Dictionary<string, string>(StringComparer.Ordinal);
                for (var i = 0; i < record.Count; i++)
                {
                    var parameter = ((VirTypedParameter*)record.Parameters)[i];
                    var name = Marshal.PtrToStringUTF8((nint)parameter.Field) ?? string.Empty;

                    // virTypedParameterType: 1 int, 2 unsigned int, 3 long long, 4 unsigned long long, 5 double, 7 string.
                    switch (parameter.Type)
                    {
                        case 1: numbers[name] = (int)(uint)parameter.Value; break;
                        case 2: numbers[name] = (uint)parameter.Value; break;
                        case 3: numbers[name] = (long)parameter.Value; break;
                        case 4: numbers[name] = (long)Math.Min(parameter.Value, long.MaxValue); break;
                        case 7: strings[name] = Marshal.PtrToStringUTF8((nint)parameter.Value) ?? string.Empty; break;
                    }
                }

                result.Add(new DomainStats(Guid.Parse(Marshal.PtrToStringUTF8((nint)buffer)!), numbers, strings));
            }
        }
        finally
        {
            LibvirtNative.virDomainStatsRecordListFree(records);
        }

        return result;
    }

    /// <summary>The node's CPU times (nanoseconds since boot, all CPUs) by field: kernel, user, idle, iowait.</summary>
    internal static Dictionary<string, long> ReadNodeCpu(ConnectionHandle connection) =>
        ReadNode(connection, "the node's CPU times", (VirNodeStat* p, ref int n) => LibvirtNative.virNodeGetCPUStats(connection, LibvirtNative.AllCpus, p, ref n, 0));

    /// <summary>The node's memory (KiB) by field: total, free, buffers, cached.</summary>
    internal static Dictionary<string, long> ReadNodeMemory(ConnectionHandle connection) =>
        ReadNode(connection, "the node's memory", (VirNodeStat* p, ref int n) => LibvirtNative.virNodeGetMemoryStats(connection, LibvirtNative.AllCells, p, ref n, 0));

    private delegate int NodeStatCall(VirNodeStat* parameters, ref int count);

    private static Dictionary<string, long> ReadNode(ConnectionHandle connection, string what, NodeStatCall call)
    {
        var count = 0;
        if (call(null, ref count) < 0)
        {
            throw LibvirtError.CaptureLast().ToException($"read {what}");
        }

        var fields = new Dictionary<string, long>(StringComparer.Ordinal);
        if (count == 0)
        {
            return fields;
        }

        var parameters = stackalloc VirNodeStat[count];
        if (call(parameters, ref count) < 0)
        {
            throw LibvirtError.CaptureLast().ToException($"read {what}");
        }

        for (var i = 0; i < count; i++)
        {
            fields[Marshal.PtrToStringUTF8((nint)parameters[i].Field) ?? string.Empty] = (long)Math.Min(parameters[i].Value, long.MaxValue);
        }

        return fields;
    }
}
