using System.Runtime.InteropServices;

namespace VirtualCore.Adapters.Libvirt.Interop;

/// <summary>An owned <c>virStreamPtr</c>, freed exactly once.</summary>
internal sealed class StreamHandle : SafeHandle
{
    /// <summary>Used by the interop marshaller for returned streams.</summary>
    public StreamHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle() => LibvirtNative.virStreamFree(handle) == 0;
}
