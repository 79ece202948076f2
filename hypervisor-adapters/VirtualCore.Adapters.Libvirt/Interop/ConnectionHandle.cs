using System.Runtime.InteropServices;

namespace VirtualCore.Adapters.Libvirt.Interop;

/// <summary>An owned <c>virConnectPtr</c>, closed exactly once.</summary>
internal sealed class ConnectionHandle : SafeHandle
{
    /// <summary>Used by the interop marshaller for returned connections.</summary>
    public ConnectionHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == nint.Zero;

    // virConnectClose returns the references still held (domains keep one each), or -1 on failure.
    protected override bool ReleaseHandle() => LibvirtNative.virConnectClose(handle) >= 0;
}
