using System.Runtime.InteropServices;

namespace VirtualCore.Adapters.Libvirt.Interop;

/// <summary>An owned <c>virStorageVolPtr</c>, freed exactly once.</summary>
internal sealed class StorageVolumeHandle : SafeHandle
{
    /// <summary>Used by the interop marshaller for returned volumes.</summary>
    public StorageVolumeHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    /// <summary>Takes over a volume from an array libvirt returned.</summary>
    internal StorageVolumeHandle(nint existing)
        : base(nint.Zero, ownsHandle: true)
    {
        SetHandle(existing);
    }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle() => LibvirtNative.virStorageVolFree(handle) == 0;
}
