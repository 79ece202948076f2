namespace VirtualCore.Plugins.Sdk;

/// <summary>The file format of a disk export.</summary>
public enum DiskExportFormat
{
    /// <summary>A qcow2 image: only the written clusters take space; QEMU, Proxmox and OpenStack take it as it is.</summary>
    Qcow2,

    /// <summary>A raw image: every byte of the virtual disk, readable by anything (dd, a loop device, VirtualBox's converter).</summary>
    Raw,
}

/// <summary>What to export: the domain's first disk as it is now (the domain shut off) or as one of its recovery points holds it.</summary>
/// <param name="ExportId">The export's id, chosen by the caller; exporting the same id again returns the export already made.</param>
/// <param name="Format">The file format of the export.</param>
/// <param name="RecoveryPoint">The recovery point whose disk state is exported (the domain may then be running); null for the disk as it is now.</param>
public sealed record DiskExportRequest(Guid ExportId, DiskExportFormat Format, string? RecoveryPoint = null);

/// <summary>An export ready to be read.</summary>
/// <param name="ExportId">Its id.</param>
/// <param name="SizeBytes">The length of the export's file: what a download of it delivers.</param>
public sealed record DiskExportInfo(Guid ExportId, long SizeBytes);
