using System.Runtime.InteropServices;

namespace VirtualCore.Adapters.Libvirt.Interop;

/// <summary>An owned <c>virStoragePoolPtr</c>, freed exactly once.</summary>
internal sealed class StoragePoolHandle : SafeHandle
{
    /// <summary>Used by the interop marshaller for returned pools.</summary>
    public StoragePoolHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle() => LibvirtNative.virStoragePoolFree(handle) == 0;
}
