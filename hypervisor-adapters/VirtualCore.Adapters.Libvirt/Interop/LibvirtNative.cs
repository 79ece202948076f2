using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace VirtualCore.Adapters.Libvirt.Interop;

/// <summary>
/// The libvirt C API as this adapter uses it. Strings libvirt hands back are taken as pointers so the
/// caller decides whether they are borrowed (never freed) or owned (freed with <see cref="Free"/>).
/// </summary>
internal static unsafe partial class LibvirtNative
{
    private const string Library = "libvirt.so.0";
    private const string LibC = "libc.so.6";

    /// <summary>VIR_UUID_STRING_BUFLEN: 36 characters and the terminating NUL.</summary>
    internal const int UuidStringBufferLength = 37;

    internal const uint DomainXmlSecure = 1;
    internal const uint DomainXmlInactive = 2;
    internal const uint DomainXmlMigratable = 8;
    internal const uint DomainUndefineManagedSave = 1;
    internal const uint DomainUndefineSnapshotsMetadata = 2;

    /// <summary>VIR_DOMAIN_METADATA_TITLE: the domain's one-line title.</summary>
    internal const int DomainMetadataTitle = 1;

    /// <summary>virDomainModificationImpact: the running domain, its definition, or whichever applies now (0).</summary>
    internal const uint AffectCurrent = 0;
    internal const uint AffectLive = 1;
    internal const uint AffectConfig = 2;

    /// <summary>VIR_DOMAIN_VCPU_MAXIMUM: read or set the highest vCPU count instead of the current one.</summary>
    internal const uint VcpuMaximum = 4;
    internal const uint BlockResizeBytes = 1;
    internal const uint SnapshotXmlSecure = 1;

    /// <summary>VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL: parents before children, the order the test driver's file needs.</summary>
    internal const uint SnapshotListTopological = 1 << 10;

    internal const int DomainEventIdLifecycle = 0;

    /// <summary>VIR_DOMAIN_RUNNING and the virDomainRunningReason values of a domain that has just been started.</summary>
    internal const int DomainRunning = 1;
    internal const int RunningBooted = 1;
    internal const int RunningMigrated = 2;
    internal const int RunningRestored = 3;
    internal const int RunningFromSnapshot = 4;

    /// <summary>virDomainMigrateFlags.</summary>
    internal const uint MigrateLive = 1;
    internal const uint MigratePeerToPeer = 2;
    internal const uint MigratePersistDestination = 8;
    internal const uint MigrateUndefineSource = 16;
    internal const uint MigrateNonSharedDisk = 64;

    /// <summary>VIR_MIGRATE_AUTO_CONVERGE: slows the guest's CPUs when its memory changes faster than it can be sent.</summary>
    internal const uint MigrateAutoConverge = 1 << 13;

    /// <summary>VIR_DOMAIN_JOB_STATS_COMPLETED: the statistics of the last finished job instead of the running one.</summary>
    internal const uint JobStatsCompleted = 1;

    /// <summary>virDomainJobType: a job that runs with a known end (BOUNDED) or without (UNBOUNDED).</summary>
    internal const int JobBounded = 1;
    internal const int JobUnbounded = 2;

    [LibraryImport(Library)]
    internal static partial int virInitialize();

    [LibraryImport(Library)]
    internal static partial void virSetErrorFunc(nint userData, delegate* unmanaged[Cdecl]<nint, nint, void> handler);

    [LibraryImport(Library)]
    internal static partial int virCopyLastError(out VirError to);

    [LibraryImport(Library)]
    internal static partial void virResetError(ref VirError error);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial ConnectionHandle virConnectOpen(string? name);

    [LibraryImport(Library)]
    internal static partial int virConnectClose(nint connection);

    [LibraryImport(Library)]
    internal static partial int virConnectGetLibVersion(ConnectionHandle connection, out ulong version);

    /// <summary>Returns a string libvirt owns (never freed here), such as "TEST" or "QEMU".</summary>
    [LibraryImport(Library)]
    internal static partial nint virConnectGetType(ConnectionHandle connection);

    /// <summary>Returns an owned string: release it with <see cref="Free"/>.</summary>
    [LibraryImport(Library)]
    internal static partial nint virConnectGetCapabilities(ConnectionHandle connection);

    [LibraryImport(Library)]
    internal static partial int virNodeGetInfo(ConnectionHandle connection, out VirNodeInfo info);

    [LibraryImport(Library)]
    internal static partial int virConnectListAllDomains(ConnectionHandle connection, out nint domains, uint flags);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DomainHandle virDomainLookupByUUIDString(ConnectionHandle connection, string uuid);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DomainHandle virDomainLookupByName(ConnectionHandle connection, string name);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DomainHandle virDomainDefineXML(ConnectionHandle connection, string xml);

    [LibraryImport(Library)]
    internal static partial int virDomainCreate(DomainHandle domain);

    [LibraryImport(Library)]
    internal static partial int virDomainShutdown(DomainHandle domain);

    [LibraryImport(Library)]
    internal static partial int virDomainDestroy(DomainHandle domain);

    [LibraryImport(Library)]
    internal static partial int virDomainUndefineFlags(DomainHandle domain, uint flags);

    [LibraryImport(Library)]
    internal static partial int virDomainGetState(DomainHandle domain, out int state, out int reason, uint flags);

    [LibraryImport(Library)]
    internal static partial int virDomainGetInfo(DomainHandle domain, out VirDomainInfo info);

    /// <summary>Returns a string borrowed from the domain object.</summary>
    [LibraryImport(Library)]
    internal static partial nint virDomainGetName(DomainHandle domain);

    [LibraryImport(Library)]
    internal static partial int virDomainGetUUIDString(DomainHandle domain, byte* buffer);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int virDomainRename(DomainHandle domain, string newName, uint flags);

    /// <summary>Returns an owned string: release it with <see cref="Free"/>. Null with VIR_ERR_NO_DOMAIN_METADATA when there is none.</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint virDomainGetMetadata(DomainHandle domain, int type, string? uri, uint flags);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int virDomainSetMetadata(DomainHandle domain, int type, string? metadata, string? key, string? uri, uint flags);

    /// <summary>Returns an owned string: release it with <see cref="Free"/>.</summary>
    [LibraryImport(Library)]
    internal static partial nint virDomainGetXMLDesc(DomainHandle domain, uint flags);

    [LibraryImport(Library)]
    internal static partial int virDomainFree(nint domain);

    [LibraryImport(Library, EntryPoint = "virDomainGetUUIDString")]
    internal static partial int virDomainGetUUIDStringBorrowed(nint domain, byte* buffer);

    [LibraryImport(Library)]
    internal static partial int virDomainReboot(DomainHandle domain, uint flags);

    [LibraryImport(Library)]
    internal static partial int virDomainReset(DomainHandle domain, uint flags);

    [LibraryImport(Library)]
    internal static partial int virDomainSuspend(DomainHandle domain);

    [LibraryImport(Library)]
    internal static partial int virDomainResume(DomainHandle domain);

    /// <summary>Takes the console over from another client that holds it (virsh console elsewhere).</summary>
    internal const uint DomainConsoleForce = 1 << 0;

    [LibraryImport(Library)]
    internal static partial StreamHandle virStreamNew(ConnectionHandle connection, uint flags);

    [LibraryImport(Library)]
    internal static partial int virStreamFree(nint stream);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int virDomainOpenConsole(DomainHandle domain, string? deviceName, StreamHandle stream, uint flags);

    /// <summary>Blocking: the bytes received (0 at the end of the stream), or -1 on an error.</summary>
    [LibraryImport(Library)]
    internal static partial int virStreamRecv(StreamHandle stream, byte* data, nuint length);

    [LibraryImport(Library)]
    internal static partial int virStreamSend(StreamHandle stream, byte* data, nuint length);

    [LibraryImport(Library)]
    internal static partial int virStreamAbort(StreamHandle stream);

    /// <summary>Ends a stream that was sent to: the receiving side has everything once this returns 0.</summary>
    [LibraryImport(Library)]
    internal static partial int virStreamFinish(StreamHandle stream);

    /// <summary>Readies <paramref name="stream"/> to carry <paramref name="length"/> bytes into the volume from <paramref name="offset"/>.</summary>
    [LibraryImport(Library)]
    internal static partial int virStorageVolDownload(StorageVolumeHandle volume, StreamHandle stream, ulong offset, ulong length, uint flags);

    [LibraryImport(Library)]
    internal static partial int virStorageVolUpload(StorageVolumeHandle volume, StreamHandle stream, ulong offset, ulong length, uint flags);

    /// <summary>Skips the graphics server's own authentication for the connection handed out (the caller has authorised it).</summary>
    internal const uint OpenGraphicsSkipAuth = 1 << 0;

    /// <summary>A socket connected to the domain's graphics server <paramref name="index"/>, passed over libvirt's UNIX socket.</summary>
    [LibraryImport(Library)]
    internal static partial int virDomainOpenGraphicsFD(DomainHandle domain, uint index, uint flags);

    [LibraryImport(Library)]
    internal static partial int virDomainManagedSave(DomainHandle domain, uint flags);

    [LibraryImport(Library)]
    internal static partial int virDomainHasManagedSaveImage(DomainHandle domain, uint flags);

    [LibraryImport(Library)]
    internal static partial int virDomainSetVcpusFlags(DomainHandle domain, uint count, uint flags);

    [LibraryImport(Library)]
    internal static partial int virDomainGetVcpusFlags(DomainHandle domain, uint flags);

    [LibraryImport(Library)]
    internal static partial int virDomainPinVcpuFlags(DomainHandle domain, uint vcpu, byte* cpuMap, int mapLength, uint flags);

    [LibraryImport(Library)]
    internal static partial int virDomainSetMemoryFlags(DomainHandle domain, nuint memoryKiB, uint flags);

    /// <summary>Returns 0 on failure; the running domain's ceiling for memory changes, in KiB.</summary>
    [LibraryImport(Library)]
    internal static partial nuint virDomainGetMaxMemory(DomainHandle domain);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int virDomainBlockResize(DomainHandle domain, string disk, ulong size, uint flags);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int virDomainGetBlockInfo(DomainHandle domain, string disk, out VirDomainBlockInfo info, uint flags);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial StorageVolumeHandle virStorageVolLookupByPath(ConnectionHandle connection, string path);

    [LibraryImport(Library)]
    internal static partial int virStorageVolGetInfo(StorageVolumeHandle volume, out VirStorageVolInfo info);

    /// <summary>With <see cref="StorageVolGetPhysical"/>, Allocation holds the file's length (a qcow2's, not its virtual size).</summary>
    [LibraryImport(Library)]
    internal static partial int virStorageVolGetInfoFlags(StorageVolumeHandle volume, out VirStorageVolInfo info, uint flags);

    internal const uint StorageVolGetPhysical = 1;

    /// <summary>The volume's name: owned by the volume, not to be freed.</summary>
    [LibraryImport(Library)]
    internal static partial nint virStorageVolGetName(StorageVolumeHandle volume);

    [LibraryImport(Library)]
    internal static partial int virStoragePoolListAllVolumes(StoragePoolHandle pool, out nint volumes, uint flags);

    [LibraryImport(Library)]
    internal static partial int virStorageVolResize(StorageVolumeHandle volume, ulong capacity, uint flags);

    [LibraryImport(Library)]
    internal static partial int virStorageVolDelete(StorageVolumeHandle volume, uint flags);

    [LibraryImport(Library)]
    internal static partial int virStorageVolFree(nint volume);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial StorageVolumeHandle virStorageVolCreateXML(StoragePoolHandle pool, string xml, uint flags);

    /// <summary>A new volume in <paramref name="pool"/> with <paramref name="source"/>'s content (qemu-img convert on the node).</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial StorageVolumeHandle virStorageVolCreateXMLFrom(StoragePoolHandle pool, string xml, StorageVolumeHandle source, uint flags);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial StoragePoolHandle virStoragePoolLookupByTargetPath(ConnectionHandle connection, string path);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial StoragePoolHandle virStoragePoolLookupByName(ConnectionHandle connection, string name);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial StoragePoolHandle virStoragePoolDefineXML(ConnectionHandle connection, string xml, uint flags);

    [LibraryImport(Library)]
    internal static partial int virStoragePoolBuild(StoragePoolHandle pool, uint flags);

    [LibraryImport(Library)]
    internal static partial int virStoragePoolCreate(StoragePoolHandle pool, uint flags);

    [LibraryImport(Library)]
    internal static partial int virStoragePoolSetAutostart(StoragePoolHandle pool, int autostart);

    [LibraryImport(Library)]
    internal static partial int virStoragePoolIsActive(StoragePoolHandle pool);

    [LibraryImport(Library)]
    internal static partial int virStoragePoolRefresh(StoragePoolHandle pool, uint flags);

    [LibraryImport(Library)]
    internal static partial int virStoragePoolUndefine(StoragePoolHandle pool);

    [LibraryImport(Library)]
    internal static partial int virStoragePoolFree(nint pool);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial SnapshotHandle virDomainSnapshotCreateXML(DomainHandle domain, string xml, uint flags);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial SnapshotHandle virDomainSnapshotLookupByName(DomainHandle domain, string name, uint flags);

    [LibraryImport(Library)]
    internal static partial int virDomainListAllSnapshots(DomainHandle domain, out nint snapshots, uint flags);

    /// <summary>Returns an owned string: release it with <see cref="Free"/>.</summary>
    [LibraryImport(Library)]
    internal static partial nint virDomainSnapshotGetXMLDesc(SnapshotHandle snapshot, uint flags);

    [LibraryImport(Library)]
    internal static partial int virDomainSnapshotIsCurrent(SnapshotHandle snapshot, uint flags);

    [LibraryImport(Library)]
    internal static partial int virDomainRevertToSnapshot(SnapshotHandle snapshot, uint flags);

    [LibraryImport(Library)]
    internal static partial int virDomainSnapshotDelete(SnapshotHandle snapshot, uint flags);

    [LibraryImport(Library)]
    internal static partial int virDomainSnapshotFree(nint snapshot);

    [LibraryImport(Library)]
    internal static partial int virDomainInterfaceAddresses(DomainHandle domain, out nint interfaces, uint source, uint flags);

    [LibraryImport(Library)]
    internal static partial void virDomainInterfaceFree(nint domainInterface);

    /// <summary><paramref name="parameters"/> is built with <see cref="virTypedParamsAddString"/>.</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int virDomainMigrateToURI3(DomainHandle domain, string destinationUri, nint parameters, uint count, uint flags);

    /// <summary>Grows a typed-parameter array (libvirt reallocates it); release it with <see cref="virTypedParamsFree"/>.</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int virTypedParamsAddString(ref nint parameters, ref int count, ref int capacity, string name, string value);

    /// <summary><paramref name="parameters"/> is an array of <see cref="VirTypedParameter"/>: release it with <see cref="virTypedParamsFree"/>.</summary>
    [LibraryImport(Library)]
    internal static partial int virDomainGetJobStats(DomainHandle domain, out int type, out nint parameters, out int count, uint flags);

    [LibraryImport(Library)]
    internal static partial int virDomainAbortJob(DomainHandle domain);

    /// <summary>The longest pause, in ms, the hypervisor may take to switch a migrating guest over.</summary>
    [LibraryImport(Library)]
    internal static partial int virDomainMigrateSetMaxDowntime(DomainHandle domain, ulong downtime, uint flags);

    [LibraryImport(Library)]
    internal static partial void virTypedParamsFree(nint parameters, int count);

    [LibraryImport(Library)]
    internal static partial int virEventRegisterDefaultImpl();

    [LibraryImport(Library)]
    internal static partial int virEventRunDefaultImpl();

    [LibraryImport(Library)]
    internal static partial int virConnectDomainEventRegisterAny(
        ConnectionHandle connection, nint domain, int eventId, nint callback, nint opaque, delegate* unmanaged[Cdecl]<nint, void> freeOpaque);

    [LibraryImport(Library)]
    internal static partial int virConnectDomainEventDeregisterAny(ConnectionHandle connection, int callbackId);

    [LibraryImport(LibC, EntryPoint = "free")]
    internal static partial void Free(nint pointer);

    /// <summary>Installed as the global error handler so libvirt keeps errors to itself instead of printing them.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    internal static void IgnoreError(nint userData, nint error)
    {
    }
}

/// <summary>virError; the deprecated object pointers are kept only for the layout.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct VirError
{
    public int Code;
    public int Domain;
    public nint Message;
    public int Level;
    public nint Connection;
    public nint DomainObject;
    public nint Str1;
    public nint Str2;
    public nint Str3;
    public int Int1;
    public int Int2;
    public nint Network;
}

/// <summary>virNodeInfo; <c>unsigned long</c> is 64-bit on the Linux targets this adapter runs on.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VirNodeInfo
{
    public fixed byte Model[32];
    public nuint MemoryKiB;
    public uint Cpus;
    public uint Mhz;
    public uint Nodes;
    public uint Sockets;
    public uint Cores;
    public uint Threads;
}

/// <summary>virDomainBlockInfo, sizes in bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct VirDomainBlockInfo
{
    public ulong Capacity;
    public ulong Allocation;
    public ulong Physical;
}

/// <summary>virStorageVolInfo, sizes in bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct VirStorageVolInfo
{
    public int Type;
    public ulong Capacity;
    public ulong Allocation;
}

/// <summary>virDomainInterface: one NIC and its addresses.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct VirDomainInterface
{
    public nint Name;
    public nint HardwareAddress;
    public uint AddressCount;
    public nint Addresses;
}

/// <summary>virDomainIPAddress; <see cref="Type"/> 0 is IPv4, 1 IPv6.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct VirDomainIpAddress
{
    public int Type;
    public nint Address;
    public uint Prefix;
}

/// <summary>virDomainInfo.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct VirDomainInfo
{
    public byte State;
    public nuint MaxMemoryKiB;
    public nuint MemoryKiB;
    public ushort VirtualCpus;
    public ulong CpuTime;
}

/// <summary>virTypedParameter: a named value; <see cref="Value"/> holds the union's bytes, read by <see cref="Type"/>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VirTypedParameter
{
    public fixed byte Field[80];
    public int Type;
    public ulong Value;
}
