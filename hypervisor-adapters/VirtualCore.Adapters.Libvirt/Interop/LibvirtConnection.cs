using System.Runtime.InteropServices;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt.Interop;

/// <summary>
/// One libvirt connection with typed, throwing calls. Not thread-safe: libvirt's error is thread-local,
/// so every call and the capture of its error run synchronously on the caller's thread.
/// </summary>
internal sealed unsafe class LibvirtConnection : IDisposable
{
    private static readonly Lock InitLock = new();
    private static bool initialized;

    private readonly ConnectionHandle handle;

    private LibvirtConnection(ConnectionHandle handle) => this.handle = handle;

    internal bool IsClosed => handle.IsClosed;

    internal static LibvirtConnection Open(string uri)
    {
        EnsureInitialized();
        var connection = LibvirtNative.virConnectOpen(uri);
        if (connection.IsInvalid)
        {
            var error = LibvirtError.CaptureLast();
            connection.Dispose();
            throw error.ToException($"connect to {uri}", AdapterErrorCode.ConnectionFailed);
        }

        return new LibvirtConnection(connection);
    }

    /// <summary>libvirt's version as major.minor.release.</summary>
    internal Version GetLibraryVersion()
    {
        if (LibvirtNative.virConnectGetLibVersion(handle, out var packed) < 0)
        {
            throw LibvirtError.CaptureLast().ToException("read the libvirt version");
        }

        // Packed as major * 1,000,000 + minor * 1,000 + release.
        return new Version((int)(packed / 1_000_000), (int)(packed / 1_000 % 1_000), (int)(packed % 1_000));
    }

    /// <summary>The hypervisor driver's name, e.g. "TEST" or "QEMU".</summary>
    internal string GetDriverName()
    {
        var name = LibvirtNative.virConnectGetType(handle);
        if (name == nint.Zero)
        {
            throw LibvirtError.CaptureLast().ToException("read the hypervisor driver");
        }

        return Marshal.PtrToStringUTF8(name) ?? string.Empty;
    }

    /// <summary>The host UUID libvirtd reports (its <c>host_uuid</c> setting, else the machine's SMBIOS UUID).</summary>
    internal string GetHostUuid()
    {
        var xml = LibvirtNative.virConnectGetCapabilities(handle);
        if (xml == nint.Zero)
        {
            throw LibvirtError.CaptureLast().ToException("read the host's capabilities");
        }

        try
        {
            var uuid = System.Xml.Linq.XElement.Parse(Marshal.PtrToStringUTF8(xml)!).Element("host")?.Element("uuid")?.Value;
            return string.IsNullOrWhiteSpace(uuid)
                ? throw new HypervisorAdapterException(AdapterErrorCode.OperationFailed, "The host's capabilities name no host UUID.")
                : uuid.Trim().ToLowerInvariant();
        }
        finally
        {
            LibvirtNative.Free(xml);
        }
    }

    internal NodeCapacity GetNodeCapacity()
    {
        if (LibvirtNative.virNodeGetInfo(handle, out var info) < 0)
        {
            throw LibvirtError.CaptureLast().ToException("read the node's capacity");
        }

        var model = Marshal.PtrToStringUTF8((nint)info.Model) ?? string.Empty;

        // virNodeInfo counts sockets per NUMA cell.
        return new NodeCapacity(
            (int)(info.Nodes * info.Sockets),
            (int)info.Cores,
            (int)info.Threads,
            checked((long)info.MemoryKiB * 1024),
            model);
    }

    /// <summary>The bulk statistics of every running or paused domain (<c>virConnectGetAllDomainStats</c>).</summary>
    internal List<LibvirtStats.DomainStats> ReadAllDomainStats() => LibvirtStats.ReadAllDomains(handle);

    /// <summary>The node's CPU times in nanoseconds (kernel, user, idle, iowait).</summary>
    internal Dictionary<string, long> ReadNodeCpuTimes() => LibvirtStats.ReadNodeCpu(handle);

    /// <summary>The node's memory in KiB (total, free, buffers, cached).</summary>
    internal Dictionary<string, long> ReadNodeMemory() => LibvirtStats.ReadNodeMemory(handle);

    internal List<DomainHandle> ListAllDomains()
    {
        var count = LibvirtNative.virConnectListAllDomains(handle, out var array, 0);
        if (count < 0)
        {
            throw LibvirtError.CaptureLast().ToException("list domains");
        }

        // Each element becomes owned at once, so none leaks if a later step throws; the array itself is ours to free.
        var domains = new List<DomainHandle>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                domains.Add(new DomainHandle(((nint*)array)[i]));
            }
        }
        finally
        {
            LibvirtNative.Free(array);
        }

        return domains;
    }

    /// <summary>
    /// While set, collects the id of every domain looked up by UUID: the domains an operation worked on, which a
    /// simulated rack server then keeps in its journal.
    /// </summary>
    internal HashSet<Guid>? Touched { get; set; }

    /// <summary>The domain with that UUID, or null when there is none.</summary>
    /// <summary>The domain's first serial port as a blocking libvirt stream, taken over from any other client.</summary>
    internal LibvirtStream OpenSerialConsole(DomainHandle domain, Guid id)
    {
        var stream = LibvirtNative.virStreamNew(handle, 0);
        if (stream.IsInvalid)
        {
            stream.Dispose();
            throw LibvirtError.CaptureLast().ToException($"open a stream for the serial console of domain {id}");
        }

        if (LibvirtNative.virDomainOpenConsole(domain, null, stream, LibvirtNative.DomainConsoleForce) < 0)
        {
            var error = LibvirtError.CaptureLast();
            stream.Dispose();
            throw error.ToException($"open the serial console of domain {id}");
        }

        return new LibvirtStream(stream);
    }

    internal DomainHandle? FindDomain(Guid id)
    {
        Touched?.Add(id);
        return Found(LibvirtNative.virDomainLookupByUUIDString(handle, id.ToString("D")), $"look up domain {id}", throwWhenMissing: false);
    }

    /// <summary>The domain with that name, or null when there is none.</summary>
    internal DomainHandle? FindDomainByName(string name) =>
        Found(LibvirtNative.virDomainLookupByName(handle, name), $"look up domain '{name}'", throwWhenMissing: false);

    /// <summary>The domain with that UUID; throws <see cref="AdapterErrorCode.DomainNotFound"/> with libvirt's error when there is none.</summary>
    internal DomainHandle GetDomain(Guid id)
    {
        Touched?.Add(id);
        return Found(LibvirtNative.virDomainLookupByUUIDString(handle, id.ToString("D")), $"find domain {id}", throwWhenMissing: true)!;
    }

    internal DomainHandle DefineDomain(string xml, string description)
    {
        var domain = LibvirtNative.virDomainDefineXML(handle, xml);
        if (domain.IsInvalid)
        {
            var error = LibvirtError.CaptureLast();
            domain.Dispose();
            throw error.ToException($"define {description}");
        }

        return domain;
    }

    /// <summary>The storage volume libvirt manages at <paramref name="path"/>, or null when no pool holds it.</summary>
    internal StorageVolumeHandle? FindVolume(string path)
    {
        var volume = LibvirtNative.virStorageVolLookupByPath(handle, path);
        if (!volume.IsInvalid)
        {
            return volume;
        }

        var error = LibvirtError.CaptureLast();
        volume.Dispose();
        return error.Code == LibvirtError.NoStorageVolume ? null : throw error.ToException($"look up the storage volume {path}");
    }

    internal static long GetVolumeCapacity(StorageVolumeHandle volume, string path) =>
        LibvirtNative.virStorageVolGetInfo(volume, out var info) < 0
            ? throw LibvirtError.CaptureLast().ToException($"read the size of {path}")
            : checked((long)info.Capacity);

    internal static void ResizeVolume(StorageVolumeHandle volume, string path, long bytes)
    {
        if (LibvirtNative.virStorageVolResize(volume, (ulong)bytes, 0) < 0)
        {
            throw LibvirtError.CaptureLast().ToException($"grow {path}");
        }
    }

    internal static void DeleteVolume(StorageVolumeHandle volume, string path)
    {
        if (LibvirtNative.virStorageVolDelete(volume, 0) < 0)
        {
            throw LibvirtError.CaptureLast().ToException($"delete {path}");
        }
    }

    /// <summary>Creates a volume in <paramref name="pool"/> from its XML description.</summary>
    internal static StorageVolumeHandle CreateVolume(StoragePoolHandle pool, string xml, string path)
    {
        var volume = LibvirtNative.virStorageVolCreateXML(pool, xml, 0);
        if (volume.IsInvalid)
        {
            var error = LibvirtError.CaptureLast();
            volume.Dispose();
            throw error.ToException($"create the disk image {path}");
        }

        return volume;
    }

    /// <summary>Writes <paramref name="content"/> into <paramref name="volume"/> from its start, through libvirtd (which may be on another machine).</summary>
    internal unsafe void UploadVolume(StorageVolumeHandle volume, byte[] content, string path)
    {
        using var stream = LibvirtNative.virStreamNew(handle, 0);
        if (stream.IsInvalid)
        {
            throw LibvirtError.CaptureLast().ToException($"open a stream to write {path}");
        }

        if (LibvirtNative.virStorageVolUpload(volume, stream, 0, (ulong)content.Length, 0) < 0)
        {
            throw LibvirtError.CaptureLast().ToException($"write {path}");
        }

        fixed (byte* start = content)
        {
            var sent = 0;
            while (sent < content.Length)
            {
                var count = LibvirtNative.virStreamSend(stream, start + sent, (nuint)Math.Min(content.Length - sent, 256 * 1024));
                if (count < 0)
                {
                    var error = LibvirtError.CaptureLast();
                    _ = LibvirtNative.virStreamAbort(stream);
                    throw error.ToException($"write {path}");
                }

                sent += count;
            }
        }

        if (LibvirtNative.virStreamFinish(stream) < 0)
        {
            throw LibvirtError.CaptureLast().ToException($"finish writing {path}");
        }
    }

    /// <summary>The volume's bytes from <paramref name="offset"/> to its end, streamed by libvirtd as they are read.</summary>
    internal Stream OpenVolumeRead(StorageVolumeHandle volume, long offset, string path)
    {
        var stream = LibvirtNative.virStreamNew(handle, 0);
        if (stream.IsInvalid)
        {
            stream.Dispose();
            throw LibvirtError.CaptureLast().ToException($"open a stream to read {path}");
        }

        if (LibvirtNative.virStorageVolDownload(volume, stream, (ulong)offset, 0, 0) < 0)
        {
            var error = LibvirtError.CaptureLast();
            stream.Dispose();
            throw error.ToException($"read {path}");
        }

        return new LibvirtStream(stream, readsWait: false);
    }

    /// <summary>The length of the volume's file (for a qcow2, what it takes, not its virtual size).</summary>
    internal static long FileBytes(StorageVolumeHandle volume, string path) =>
        LibvirtNative.virStorageVolGetInfoFlags(volume, out var info, LibvirtNative.StorageVolGetPhysical) < 0
            ? throw LibvirtError.CaptureLast().ToException($"read the size of {path}")
            : (long)info.Allocation;

    /// <summary>The names of the volumes in <paramref name="pool"/>.</summary>
    internal static unsafe List<string> ListVolumeNames(StoragePoolHandle pool, string description)
    {
        var count = LibvirtNative.virStoragePoolListAllVolumes(pool, out var array, 0);
        if (count < 0)
        {
            throw LibvirtError.CaptureLast().ToException($"list the volumes of {description}");
        }

        var names = new List<string>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                using var volume = new StorageVolumeHandle(((nint*)array)[i]);
                names.Add(Marshal.PtrToStringUTF8(LibvirtNative.virStorageVolGetName(volume)) ?? "");
            }
        }
        finally
        {
            LibvirtNative.Free(array);
        }

        return names;
    }

    /// <summary>Reads a small volume whole (at most <paramref name="maxBytes"/>), through libvirtd.</summary>
    internal unsafe byte[] DownloadVolume(StorageVolumeHandle volume, int maxBytes, string path)
    {
        using var stream = LibvirtNative.virStreamNew(handle, 0);
        if (stream.IsInvalid)
        {
            throw LibvirtError.CaptureLast().ToException($"open a stream to read {path}");
        }

        if (LibvirtNative.virStorageVolDownload(volume, stream, 0, 0, 0) < 0)
        {
            throw LibvirtError.CaptureLast().ToException($"read {path}");
        }

        using var content = new MemoryStream();
        var buffer = new byte[64 * 1024];
        fixed (byte* start = buffer)
        {
            while (true)
            {
                var count = LibvirtNative.virStreamRecv(stream, start, (nuint)buffer.Length);
                if (count < 0)
                {
                    var error = LibvirtError.CaptureLast();
                    _ = LibvirtNative.virStreamAbort(stream);
                    throw error.ToException($"read {path}");
                }

                if (count == 0)
                {
                    break;
                }

                if (content.Length + count > maxBytes)
                {
                    _ = LibvirtNative.virStreamAbort(stream);
                    throw new HypervisorAdapterException(AdapterErrorCode.OperationFailed, $"{path} is larger than {maxBytes} bytes.");
                }

                content.Write(buffer, 0, count);
            }
        }

        if (LibvirtNative.virStreamFinish(stream) < 0)
        {
            throw LibvirtError.CaptureLast().ToException($"finish reading {path}");
        }

        return content.ToArray();
    }

    /// <summary>Creates a volume in <paramref name="pool"/> as a copy of <paramref name="source"/>, then grows it to <paramref name="capacityBytes"/>.</summary>
    internal static StorageVolumeHandle CopyVolume(StoragePoolHandle pool, string xml, StorageVolumeHandle source, long capacityBytes, string path)
    {
        var volume = LibvirtNative.virStorageVolCreateXMLFrom(pool, xml, source, 0);
        if (volume.IsInvalid)
        {
            var error = LibvirtError.CaptureLast();
            volume.Dispose();
            throw error.ToException($"make the disk image {path} from its cloud image");
        }

        try
        {
            GrowVolume(volume, capacityBytes, path);
        }
        catch
        {
            _ = LibvirtNative.virStorageVolDelete(volume, 0);
            volume.Dispose();
            throw;
        }

        return volume;
    }

    /// <summary>Grows the volume to <paramref name="capacityBytes"/> when it is smaller; never shrinks it.</summary>
    internal static void GrowVolume(StorageVolumeHandle volume, long capacityBytes, string path)
    {
        if (LibvirtNative.virStorageVolGetInfo(volume, out var info) == 0 && (long)info.Capacity < capacityBytes
            && LibvirtNative.virStorageVolResize(volume, (ulong)capacityBytes, 0) < 0)
        {
            throw LibvirtError.CaptureLast().ToException($"grow the disk image {path} to {capacityBytes} bytes");
        }
    }

    /// <summary>The storage pool whose target is the directory <paramref name="path"/>, or null when there is none.</summary>
    internal StoragePoolHandle? FindPoolByTargetPath(string path) =>
        FoundPool(LibvirtNative.virStoragePoolLookupByTargetPath(handle, path), $"look up the storage pool of {path}");

    /// <summary>The storage pool named <paramref name="name"/>, or null when there is none.</summary>
    internal StoragePoolHandle? FindPoolByName(string name) =>
        FoundPool(LibvirtNative.virStoragePoolLookupByName(handle, name), $"look up the storage pool '{name}'");

    /// <summary>Defines a persistent storage pool (not yet built or started).</summary>
    internal StoragePoolHandle DefinePool(string xml, string description)
    {
        var pool = LibvirtNative.virStoragePoolDefineXML(handle, xml, 0);
        if (pool.IsInvalid)
        {
            var error = LibvirtError.CaptureLast();
            pool.Dispose();
            throw error.ToException($"define {description}");
        }

        return pool;
    }

    /// <summary>Builds the pool (for a directory pool: creates the directory), marks it to start with libvirtd and starts it.</summary>
    internal static void BuildAndStartPool(StoragePoolHandle pool, string description)
    {
        if (LibvirtNative.virStoragePoolBuild(pool, 0) < 0)
        {
            throw LibvirtError.CaptureLast().ToException($"build {description}");
        }

        if (LibvirtNative.virStoragePoolSetAutostart(pool, 1) < 0)
        {
            throw LibvirtError.CaptureLast().ToException($"mark {description} to start with libvirtd");
        }

        StartPool(pool, description);
    }

    /// <summary>Removes the definition of an inactive pool; its folder and files stay.</summary>
    internal static void UndefinePool(StoragePoolHandle pool, string description)
    {
        if (LibvirtNative.virStoragePoolUndefine(pool) < 0)
        {
            throw LibvirtError.CaptureLast().ToException($"undefine {description}");
        }
    }

    /// <summary>Starts the pool unless it is active.</summary>
    internal static void StartPool(StoragePoolHandle pool, string description)
    {
        var active = LibvirtNative.virStoragePoolIsActive(pool);
        if (active < 0)
        {
            throw LibvirtError.CaptureLast().ToException($"read whether {description} is active");
        }

        if (active == 0 && LibvirtNative.virStoragePoolCreate(pool, 0) < 0)
        {
            throw LibvirtError.CaptureLast().ToException($"start {description}");
        }
    }

    /// <summary>Makes libvirt read the pool's volumes again, so files placed there by others become volumes.</summary>
    internal static void RefreshPool(StoragePoolHandle pool, string description)
    {
        if (LibvirtNative.virStoragePoolRefresh(pool, 0) < 0)
        {
            throw LibvirtError.CaptureLast().ToException($"refresh {description}");
        }
    }

    /// <summary>
    /// Calls <paramref name="onEvent"/> on libvirt's event-loop thread for every lifecycle event of any domain,
    /// until <see cref="DeregisterEvents"/>. Returns the callback id.
    /// </summary>
    internal int RegisterLifecycleEvents(Action<Guid, int, int> onEvent)
    {
        var state = GCHandle.Alloc(onEvent);
        delegate* unmanaged[Cdecl]<nint, nint, int, int, nint, void> callback = &OnLifecycleEvent;
        var id = LibvirtNative.virConnectDomainEventRegisterAny(
            handle, nint.Zero, LibvirtNative.DomainEventIdLifecycle, (nint)callback, GCHandle.ToIntPtr(state), &ReleaseEventState);
        if (id < 0)
        {
            var error = LibvirtError.CaptureLast();
            state.Free();
            throw error.ToException("watch domain events");
        }

        return id;
    }

    internal void DeregisterEvents(int callbackId)
    {
        if (LibvirtNative.virConnectDomainEventDeregisterAny(handle, callbackId) < 0)
        {
            throw LibvirtError.CaptureLast().ToException("stop watching domain events");
        }
    }

    public void Dispose() => handle.Dispose();

    [UnmanagedCallersOnly(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    private static void OnLifecycleEvent(nint connection, nint domain, int eventType, int detail, nint opaque)
    {
        // An exception must never cross back into libvirt's loop: the process would abort.
        try
        {
            var buffer = stackalloc byte[LibvirtNative.UuidStringBufferLength];
            if (LibvirtNative.virDomainGetUUIDStringBorrowed(domain, buffer) == 0
                && GCHandle.FromIntPtr(opaque).Target is Action<Guid, int, int> onEvent)
            {
                onEvent(Guid.Parse(Marshal.PtrToStringUTF8((nint)buffer)!), eventType, detail);
            }
        }
        catch (Exception)
        {
        }
    }

    // libvirt calls this once it holds the callback no more, after deregistration or when the connection closes.
    [UnmanagedCallersOnly(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    private static void ReleaseEventState(nint opaque) => GCHandle.FromIntPtr(opaque).Free();

    private static DomainHandle? Found(DomainHandle domain, string operation, bool throwWhenMissing)
    {
        if (!domain.IsInvalid)
        {
            return domain;
        }

        var error = LibvirtError.CaptureLast();
        domain.Dispose();
        return error.Code == LibvirtError.NoDomain && !throwWhenMissing ? null : throw error.ToException(operation);
    }

    private static StoragePoolHandle? FoundPool(StoragePoolHandle pool, string operation)
    {
        if (!pool.IsInvalid)
        {
            return pool;
        }

        var error = LibvirtError.CaptureLast();
        pool.Dispose();
        return error.Code == LibvirtError.NoStoragePool ? null : throw error.ToException(operation);
    }

    private static void RunEventLoop()
    {
        while (true)
        {
            if (LibvirtNative.virEventRunDefaultImpl() < 0)
            {
                // Errors here are transient (an interrupted poll); back off so a persistent one cannot spin a core.
                Thread.Sleep(100);
            }
        }
    }

    private static void EnsureInitialized()
    {
        lock (InitLock)
        {
            if (initialized)
            {
                return;
            }

            // virInitialize makes libvirt's global state safe for several threads; the handler keeps errors off stderr.
            if (LibvirtNative.virInitialize() < 0)
            {
                throw new HypervisorAdapterException(AdapterErrorCode.ConnectionFailed, "The libvirt library could not be initialised.");
            }

            LibvirtNative.virSetErrorFunc(nint.Zero, &LibvirtNative.IgnoreError);

            // Domain events need libvirt's event loop, registered before the first connection is opened and run
            // on a thread of its own for the life of the process.
            if (LibvirtNative.virEventRegisterDefaultImpl() < 0)
            {
                throw new HypervisorAdapterException(AdapterErrorCode.ConnectionFailed, "The libvirt event loop could not be set up.");
            }

            var loop = new Thread(RunEventLoop) { IsBackground = true, Name = "libvirt event loop" };
            loop.Start();
            initialized = true;
        }
    }
}
