using System.Runtime.InteropServices;

namespace VirtualCore.Adapters.Libvirt.Interop;

/// <summary>An owned <c>virDomainSnapshotPtr</c>, freed exactly once.</summary>
internal sealed class SnapshotHandle : SafeHandle
{
    /// <summary>Used by the interop marshaller for returned snapshots.</summary>
    public SnapshotHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    /// <summary>Takes ownership of a pointer from an array libvirt allocated (virDomainListAllSnapshots).</summary>
    internal SnapshotHandle(nint snapshot)
        : base(nint.Zero, ownsHandle: true)
    {
        SetHandle(snapshot);
    }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle() => LibvirtNative.virDomainSnapshotFree(handle) == 0;
}
