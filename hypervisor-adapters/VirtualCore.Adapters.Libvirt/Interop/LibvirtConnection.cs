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

    /// <summary>The domain with that UUID, or null when there is none.</summary>
    internal DomainHandle? FindDomain(Guid id) =>
        Found(LibvirtNative.virDomainLookupByUUIDString(handle, id.ToString("D")), $"look up domain {id}", throwWhenMissing: false);

    /// <summary>The domain with that name, or null when there is none.</summary>
    internal DomainHandle? FindDomainByName(string name) =>
        Found(LibvirtNative.virDomainLookupByName(handle, name), $"look up domain '{name}'", throwWhenMissing: false);

    /// <summary>The domain with that UUID; throws <see cref="AdapterErrorCode.DomainNotFound"/> with libvirt's error when there is none.</summary>
    internal DomainHandle GetDomain(Guid id) =>
        Found(LibvirtNative.virDomainLookupByUUIDString(handle, id.ToString("D")), $"find domain {id}", throwWhenMissing: true)!;

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

    public void Dispose() => handle.Dispose();

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
            initialized = true;
        }
    }
}
