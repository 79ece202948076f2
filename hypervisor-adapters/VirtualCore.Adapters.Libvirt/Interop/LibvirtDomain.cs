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

    internal static DomainState GetState(DomainHandle domain) => ToDomainState(GetNativeState(domain));

    /// <summary>The libvirt state number (virDomainState) as libvirt reports it.</summary>
    internal static int GetNativeState(DomainHandle domain) =>
        LibvirtNative.virDomainGetState(domain, out var state, out _, 0) < 0
            ? throw LibvirtError.CaptureLast().ToException("read a domain's state")
            : state;

    internal static DomainInfo GetInfo(DomainHandle domain)
    {
        var id = GetId(domain);
        var name = GetName(domain);
        if (LibvirtNative.virDomainGetInfo(domain, out var info) < 0)
        {
            throw LibvirtError.CaptureLast().ToException($"read domain {id}");
        }

        return new DomainInfo(id, name, ToDomainState(info.State), info.VirtualCpus, checked((long)info.MaxMemoryKiB * 1024));
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

    /// <summary>Removes the definition together with a managed-save image and snapshot metadata, which would otherwise block it.</summary>
    internal static void Undefine(DomainHandle domain, Guid id) =>
        Check(
            LibvirtNative.virDomainUndefineFlags(domain, LibvirtNative.DomainUndefineManagedSave | LibvirtNative.DomainUndefineSnapshotsMetadata),
            $"undefine domain {id}");

    /// <summary>virDomainState numbers and the SDK's states share their values by design; anything newer is unknown.</summary>
    internal static DomainState ToDomainState(int state) =>
        state is >= (int)DomainState.Unknown and <= (int)DomainState.Suspended ? (DomainState)state : DomainState.Unknown;

    private static void Check(int result, string operation)
    {
        if (result < 0)
        {
            throw LibvirtError.CaptureLast().ToException(operation);
        }
    }
}
