using System.Runtime.InteropServices;

namespace VirtualCore.Adapters.Libvirt.Interop;

/// <summary>An owned <c>virDomainPtr</c>, freed exactly once.</summary>
internal sealed class DomainHandle : SafeHandle
{
    /// <summary>Used by the interop marshaller for returned domains.</summary>
    public DomainHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    /// <summary>Takes ownership of a pointer from an array libvirt allocated (virConnectListAllDomains).</summary>
    internal DomainHandle(nint domain)
        : base(nint.Zero, ownsHandle: true)
    {
        SetHandle(domain);
    }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle() => LibvirtNative.virDomainFree(handle) == 0;
}
