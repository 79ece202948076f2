using System.Runtime.InteropServices;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt.Interop;

/// <summary>Typed, throwing calls on one domain; each failure is captured on the calling thread at once.</summary>
internal static unsafe class LibvirtDomain
{
    internal static Guid GetId(DomainHandle domain)
    {
        var buffer = stackalloc byte[LibvirtNative.UuidStringBufferLength];
        if (LibvirtNative.virDomainGetUUIDString(domain, buffer) < 0)
        {
            throw LibvirtError.CaptureLast().ToException("read a domain's UUID");
        }

        return Guid.Parse(Marshal.PtrToStringUTF8((nint)buffer)!);
    }

    internal static string GetName(DomainHandle domain)
    {
        var name = LibvirtNative.virDomainGetName(domain);
        return name == nint.Zero
            ? throw LibvirtError.CaptureLast().ToException("read a domain's name")
            : Marshal.PtrToStringUTF8(name)!;
    }

    /// <summary>The SDK state; shut off with a managed-save image is <see cref="DomainState.Parked"/>.</summary>
    internal static DomainState GetState(DomainHandle domain) => WithParked(domain, ToDomainState(GetNativeState(domain)));

    internal static bool HasManagedSave(DomainHandle domain)
    {
        var result = LibvirtNative.virDomainHasManagedSaveImage(domain, 0);
        return result < 0 ? throw LibvirtError.CaptureLast().ToException("read whether a domain is parked") : result == 1;
    }

    /// <summary>The libvirt state number (virDomainState) as libvirt reports it.</summary>
    internal static int GetNativeState(DomainHandle domain) =>
        LibvirtNative.virDomainGetState(domain, out var state, out _, 0) < 0
            ? throw LibvirtError.CaptureLast().ToException("read a domain's state")
            : state;

    /// <summary>The libvirt state number and the reason for it (virDomainRunningReason and the like).</summary>
    internal static (int State, int Reason) GetNativeStateAndReason(DomainHandle domain) =>
        LibvirtNative.virDomainGetState(domain, out var state, out var reason, 0) < 0
            ? throw LibvirtError.CaptureLast().ToException("read a domain's state")
            : (state, reason);

    /// <summary>The domain's title, or null when it has none.</summary>
    internal static string? GetTitle(DomainHandle domain, Guid id)
    {
        var title = LibvirtNative.virDomainGetMetadata(domain, LibvirtNative.DomainMetadataTitle, null, LibvirtNative.AffectCurrent);
        if (title == nint.Zero)
        {
            var error = LibvirtError.CaptureLast();
            return error.Code == LibvirtError.NoDomainMetadata ? null : throw error.ToException($"read the title of domain {id}");
        }

        try
        {
            return Marshal.PtrToStringUTF8(title);
        }
        finally
        {
            LibvirtNative.Free(title);
        }
    }

    /// <summary>Sets the title of the domain's persistent definition (what it has from its next start on, or now when shut off).</summary>
    internal static void SetTitle(DomainHandle domain, string title, Guid id) =>
        Check(
            LibvirtNative.virDomainSetMetadata(domain, LibvirtNative.DomainMetadataTitle, title, null, null, LibvirtNative.AffectConfig),
            $"set the title of domain {id}");

    /// <summary>Renames a shut-off domain (libvirt refuses a running one, and on QEMU one with snapshots or a managed save).</summary>
    internal static void Rename(DomainHandle domain, string name, Guid id) =>
        Check(LibvirtNative.virDomainRename(domain, name, 0), $"rename domain {id}");

    /// <summary>The domain with its title as its name: what the portal called it, whatever name it has on the node.</summary>
    internal static DomainInfo GetInfo(DomainHandle domain)
    {
        var id = GetId(domain);
        var name = GetTitle(domain, id) ?? GetName(domain);
        if (LibvirtNative.virDomainGetInfo(domain, out var info) < 0)
        {
            throw LibvirtError.CaptureLast().ToException($"read domain {id}");
        }

        return new DomainInfo(id, name, WithParked(domain, ToDomainState(info.State)), info.VirtualCpus, checked((long)info.MaxMemoryKiB * 1024));
    }

    /// <summary>The domain's XML; <paramref name="flags"/> are virDomainXMLFlags.</summary>
    internal static string GetXml(DomainHandle domain, uint flags)
    {
        var xml = LibvirtNative.virDomainGetXMLDesc(domain, flags);
        if (xml == nint.Zero)
        {
            throw LibvirtError.CaptureLast().ToException("read a domain's description");
        }

        try
        {
            return Marshal.PtrToStringUTF8(xml)!;
        }
        finally
        {
            LibvirtNative.Free(xml);
        }
    }

    internal static void Start(DomainHandle domain, Guid id) =>
        Check(LibvirtNative.virDomainCreate(domain), $"start domain {id}");

    internal static void Shutdown(DomainHandle domain, Guid id) =>
        Check(LibvirtNative.virDomainShutdown(domain), $"shut down domain {id}");

    internal static void PowerOff(DomainHandle domain, Guid id) =>
        Check(LibvirtNative.virDomainDestroy(domain), $"power off domain {id}");

    internal static void Reboot(DomainHandle domain, Guid id) =>
        Check(LibvirtNative.virDomainReboot(domain, 0), $"restart domain {id}");

    internal static void Reset(DomainHandle domain, Guid id) =>
        Check(LibvirtNative.virDomainReset(domain, 0), $"reset domain {id}");

    internal static void Pause(DomainHandle domain, Guid id) =>
        Check(LibvirtNative.virDomainSuspend(domain), $"pause domain {id}");

    internal static void Resume(DomainHandle domain, Guid id) =>
        Check(LibvirtNative.virDomainResume(domain), $"resume domain {id}");

    /// <summary>A connected socket to the domain's first graphics server, its authentication skipped; the caller owns the descriptor.</summary>
    internal static int OpenGraphics(DomainHandle domain, Guid id)
    {
        var fd = LibvirtNative.virDomainOpenGraphicsFD(domain, 0, LibvirtNative.OpenGraphicsSkipAuth);
        Check(fd, $"open the console of domain {id}");
        return fd;
    }

    internal static void Park(DomainHandle domain, Guid id) =>
        Check(LibvirtNative.virDomainManagedSave(domain, 0), $"park domain {id}");

    /// <summary>vCPUs; <paramref name="flags"/> combine <see cref="LibvirtNative.AffectLive"/>/<see cref="LibvirtNative.AffectConfig"/> and <see cref="LibvirtNative.VcpuMaximum"/>.</summary>
    internal static int GetVcpus(DomainHandle domain, uint flags, Guid id)
    {
        var count = LibvirtNative.virDomainGetVcpusFlags(domain, flags);
        return count < 0 ? throw LibvirtError.CaptureLast().ToException($"read the vCPUs of domain {id}") : count;
    }

    internal static void SetLiveVcpus(DomainHandle domain, int count, Guid id) =>
        Check(LibvirtNative.virDomainSetVcpusFlags(domain, (uint)count, LibvirtNative.AffectLive), $"set {count} vCPUs on running domain {id}");

    /// <summary>Pins one vCPU of the running domain to one host CPU.</summary>
    internal static void PinLiveVcpu(DomainHandle domain, int vcpu, int cpu, int hostCpus, Guid id)
    {
        var map = new byte[(hostCpus + 7) / 8];
        map[cpu / 8] |= (byte)(1 << (cpu % 8));
        fixed (byte* pointer = map)
        {
            // AffectCurrent is the running domain here; the test driver refuses an explicit AffectLive.
            Check(LibvirtNative.virDomainPinVcpuFlags(domain, (uint)vcpu, pointer, map.Length, LibvirtNative.AffectCurrent), $"pin vCPU {vcpu} of domain {id} to core {cpu}");
        }
    }

    /// <summary>The running domain's memory ceiling in bytes.</summary>
    internal static long GetLiveMaxMemory(DomainHandle domain, Guid id)
    {
        var kib = LibvirtNative.virDomainGetMaxMemory(domain);
        return kib == 0 ? throw LibvirtError.CaptureLast().ToException($"read the memory ceiling of domain {id}") : checked((long)kib * 1024);
    }

    /// <summary>The running domain's current memory in bytes.</summary>
    internal static long GetLiveMemory(DomainHandle domain, Guid id) =>
        LibvirtNative.virDomainGetInfo(domain, out var info) < 0
            ? throw LibvirtError.CaptureLast().ToException($"read domain {id}")
            : checked((long)info.MemoryKiB * 1024);

    internal static void SetLiveMemory(DomainHandle domain, long bytes, Guid id) =>
        Check(LibvirtNative.virDomainSetMemoryFlags(domain, (nuint)(bytes / 1024), LibvirtNative.AffectLive), $"set the memory of running domain {id}");

    internal static long GetBlockCapacity(DomainHandle domain, string path, Guid id) =>
        LibvirtNative.virDomainGetBlockInfo(domain, path, out var info, 0) < 0
            ? throw LibvirtError.CaptureLast().ToException($"read the size of disk {path} of domain {id}")
            : checked((long)info.Capacity);

    internal static void ResizeLiveBlock(DomainHandle domain, string path, long bytes, Guid id) =>
        Check(LibvirtNative.virDomainBlockResize(domain, path, (ulong)bytes, LibvirtNative.BlockResizeBytes), $"grow disk {path} of domain {id}");

    internal static SnapshotHandle CreateSnapshot(DomainHandle domain, string xml, string name, Guid id)
    {
        var snapshot = LibvirtNative.virDomainSnapshotCreateXML(domain, xml, 0);
        if (snapshot.IsInvalid)
        {
            var error = LibvirtError.CaptureLast();
            snapshot.Dispose();
            throw error.ToException($"create recovery point '{name}' of domain {id}");
        }

        return snapshot;
    }

    /// <summary>The snapshot with that name, or null when there is none.</summary>
    internal static SnapshotHandle? FindSnapshot(DomainHandle domain, string name, Guid id)
    {
        var snapshot = LibvirtNative.virDomainSnapshotLookupByName(domain, name, 0);
        if (!snapshot.IsInvalid)
        {
            return snapshot;
        }

        var error = LibvirtError.CaptureLast();
        snapshot.Dispose();
        return error.Code == LibvirtError.NoDomainSnapshot ? null : throw error.ToException($"look up recovery point '{name}' of domain {id}");
    }

    /// <summary>All snapshots, parents before children.</summary>
    internal static List<SnapshotHandle> ListSnapshots(DomainHandle domain, Guid id)
    {
        var count = LibvirtNative.virDomainListAllSnapshots(domain, out var array, LibvirtNative.SnapshotListTopological);
        if (count < 0)
        {
            throw LibvirtError.CaptureLast().ToException($"list the recovery points of domain {id}");
        }

        var snapshots = new List<SnapshotHandle>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                snapshots.Add(new SnapshotHandle(((nint*)array)[i]));
            }
        }
        finally
        {
            LibvirtNative.Free(array);
        }

        return snapshots;
    }

    internal static string GetSnapshotXml(SnapshotHandle snapshot)
    {
        var xml = LibvirtNative.virDomainSnapshotGetXMLDesc(snapshot, LibvirtNative.SnapshotXmlSecure);
        if (xml == nint.Zero)
        {
            throw LibvirtError.CaptureLast().ToException("read a recovery point");
        }

        try
        {
            return Marshal.PtrToStringUTF8(xml)!;
        }
        finally
        {
            LibvirtNative.Free(xml);
        }
    }

    internal static bool IsCurrentSnapshot(SnapshotHandle snapshot)
    {
        var result = LibvirtNative.virDomainSnapshotIsCurrent(snapshot, 0);
        return result < 0 ? throw LibvirtError.CaptureLast().ToException("read whether a recovery point is the current one") : result == 1;
    }

    internal static void RevertToSnapshot(SnapshotHandle snapshot, string name, Guid id) =>
        Check(LibvirtNative.virDomainRevertToSnapshot(snapshot, 0), $"revert domain {id} to recovery point '{name}'");

    internal static void DeleteSnapshot(SnapshotHandle snapshot, string name, Guid id) =>
        Check(LibvirtNative.virDomainSnapshotDelete(snapshot, 0), $"delete recovery point '{name}' of domain {id}");

    /// <summary>Addresses from one virDomainInterfaceAddressesSource (0 lease, 1 agent, 2 ARP), as (MAC, address, prefix).</summary>
    internal static List<(string Mac, string Address, int Prefix)> GetInterfaceAddresses(DomainHandle domain, uint source, Guid id)
    {
        var count = LibvirtNative.virDomainInterfaceAddresses(domain, out var array, source, 0);
        if (count < 0)
        {
            throw LibvirtError.CaptureLast().ToException($"read the addresses of domain {id}");
        }

        var result = new List<(string, string, int)>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var nic = *(VirDomainInterface*)((nint*)array)[i];
                var mac = (Marshal.PtrToStringUTF8(nic.HardwareAddress) ?? string.Empty).ToLowerInvariant();
                for (var a = 0; a < nic.AddressCount; a++)
                {
                    var address = ((VirDomainIpAddress*)nic.Addresses)[a];
                    result.Add((mac, Marshal.PtrToStringUTF8(address.Address) ?? string.Empty, (int)address.Prefix));
                }
            }
        }
        finally
        {
            for (var i = 0; i < count; i++)
            {
                LibvirtNative.virDomainInterfaceFree(((nint*)array)[i]);
            }

            LibvirtNative.Free(array);
        }

        return result;
    }

    /// <summary>
    /// Migrates the domain with <paramref name="flags"/> (virDomainMigrateFlags); blocks until the migration ends.
    /// <paramref name="destinationXml"/> and <paramref name="persistentXml"/>, when given, replace the running and the
    /// persistent definition on the target (only what may differ between hosts, such as pinning, may change); the
    /// domain arrives named <paramref name="destinationName"/> in both. Returns the libvirt error instead of throwing
    /// so the caller can tell an aborted job from a failed one.
    /// </summary>
    internal static LibvirtError? MigrateToUri(DomainHandle domain, string destinationUri, uint flags, string destinationName, string? destinationXml, string? persistentXml)
    {
        nint parameters = 0;
        int count = 0, capacity = 0;
        try
        {
            if (LibvirtNative.virTypedParamsAddString(ref parameters, ref count, ref capacity, "destination_name", destinationName) < 0
                || (destinationXml is not null && LibvirtNative.virTypedParamsAddString(ref parameters, ref count, ref capacity, "destination_xml", destinationXml) < 0)
                || (persistentXml is not null && LibvirtNative.virTypedParamsAddString(ref parameters, ref count, ref capacity, "persistent_xml", persistentXml) < 0))
            {
                return LibvirtError.CaptureLast();
            }

            return LibvirtNative.virDomainMigrateToURI3(domain, destinationUri, parameters, (uint)count, flags) < 0 ? LibvirtError.CaptureLast() : null;
        }
        finally
        {
            if (parameters != 0)
            {
                LibvirtNative.virTypedParamsFree(parameters, count);
            }
        }
    }

    /// <summary>Sets the switch-over pause a migration may take; false where the hypervisor cannot (the test driver).</summary>
    internal static bool TrySetMaxDowntime(DomainHandle domain, TimeSpan downtime)
    {
        if (LibvirtNative.virDomainMigrateSetMaxDowntime(domain, (ulong)Math.Max(1, downtime.TotalMilliseconds), 0) == 0)
        {
            return true;
        }

        _ = LibvirtError.CaptureLast();
        return false;
    }

    /// <summary>Asks libvirt to stop the domain's running job; false when there is none (yet) or it could not.</summary>
    internal static bool TryAbortJob(DomainHandle domain)
    {
        if (LibvirtNative.virDomainAbortJob(domain) == 0)
        {
            return true;
        }

        _ = LibvirtError.CaptureLast();
        return false;
    }

    /// <summary>
    /// The job's statistics as virDomainJobType and the integer fields by name (time_elapsed, downtime, data_total, …);
    /// <paramref name="flags"/> <see cref="LibvirtNative.JobStatsCompleted"/> reads the last finished job.
    /// </summary>
    internal static (int Type, Dictionary<string, long> Fields) GetJobStats(DomainHandle domain, uint flags, Guid id)
    {
        if (LibvirtNative.virDomainGetJobStats(domain, out var type, out var parameters, out var count, flags) < 0)
        {
            throw LibvirtError.CaptureLast().ToException($"read the job statistics of domain {id}");
        }

        var fields = new Dictionary<string, long>(StringComparer.Ordinal);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var parameter = ((VirTypedParameter*)parameters)[i];
                var name = Marshal.PtrToStringUTF8((nint)parameter.Field) ?? string.Empty;

                // virTypedParameterType: 1 int, 2 unsigned int, 3 long long, 4 unsigned long long; doubles, booleans and strings are not needed.
                long? value = parameter.Type switch
                {
                    1 => (int)(uint)parameter.Value,
                    2 => (uint)parameter.Value,
                    3 => (long)parameter.Value,
                    4 => (long)Math.Min(parameter.Value, long.MaxValue),
                    _ => null,
                };
                if (value is { } v)
                {
                    fields[name] = v;
                }
            }
        }
        finally
        {
            LibvirtNative.virTypedParamsFree(parameters, count);
        }

        return (type, fields);
    }

    /// <summary>Removes the definition together with a managed-save image and snapshot metadata, which would otherwise block it.</summary>
    internal static void Undefine(DomainHandle domain, Guid id) =>
        Check(
            LibvirtNative.virDomainUndefineFlags(domain, LibvirtNative.DomainUndefineManagedSave | LibvirtNative.DomainUndefineSnapshotsMetadata),
            $"undefine domain {id}");

    /// <summary>virDomainState numbers and the SDK's states share their values by design; anything newer is unknown.</summary>
    internal static DomainState ToDomainState(int state) =>
        state is >= (int)DomainState.Unknown and <= (int)DomainState.Suspended ? (DomainState)state : DomainState.Unknown;

    private static DomainState WithParked(DomainHandle domain, DomainState state) =>
        state == DomainState.ShutOff && HasManagedSave(domain) ? DomainState.Parked : state;

    private static void Check(int result, string operation)
    {
        if (result < 0)
        {
            throw LibvirtError.CaptureLast().ToException(operation);
        }
    }
}
