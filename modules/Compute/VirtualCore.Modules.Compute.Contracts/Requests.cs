using Mediator;

namespace VirtualCore.Modules.Compute.Contracts;

// Every command that queues a job takes an optional RequestId, the caller's idempotency key: the same key again
// from the same account answers with the first job instead of queuing a second one.

/// <summary>Creates a vServer: placed on a rack server with enough free dedicated cores and memory.</summary>
/// <param name="Name">DNS-safe, unique in the account.</param>
/// <param name="VCpus">1–8 dedicated cores.</param>
/// <param name="MemoryGiB">1–16 GiB.</param>
/// <param name="DiskGiB">10–2048 GiB.</param>
/// <param name="IsoName">An image from the ISO library to boot from, or null.</param>
/// <param name="RequestId">Optional client key: the same key again returns the first answer instead of a second VM.</param>
public sealed record CreateVm(string? Name, int VCpus, int MemoryGiB, int DiskGiB, string? IsoName, Guid? RequestId = null)
    : ICommand<JobAccepted>
{
    /// <summary>What cloud-init in the guest configures on the first boot, or null to give the guest no seed.</summary>
    public CloudInitOptions? CloudInit { get; init; }

    /// <summary>
    /// A cloud image (a qcow2 image of the library) the VM's disk is made from: a copy grown to the disk size, which
    /// must hold the image's virtual size. Null for an empty disk.
    /// </summary>
    public string? ImageName { get; init; }
}

/// <summary>
/// A new VM's first-boot configuration, delivered as a NoCloud seed (a CD-ROM labelled cidata) together with its
/// addresses from the IP pools as a static network configuration. Every part may be left out.
/// </summary>
/// <param name="Hostname">Host name or fully qualified name; the VM's name when left out.</param>
/// <param name="SshAuthorizedKeys">OpenSSH public keys for the image's default user.</param>
/// <param name="Password">A password for the default user (and SSH password log-in); hashed (SHA-512 crypt) before it leaves the portal.</param>
/// <param name="UserData">More user data: a cloud-config ("#cloud-config") or a script ("#!"), run after the portal's part.</param>
public sealed record CloudInitOptions(string? Hostname, IReadOnlyList<string>? SshAuthorizedKeys, string? Password, string? UserData);

public sealed record StartVm(Guid VmId, Guid? RequestId = null) : ICommand<JobAccepted>;

/// <summary>ACPI shutdown: the guest is asked to power down.</summary>
public sealed record ShutdownVm(Guid VmId, Guid? RequestId = null) : ICommand<JobAccepted>;

/// <summary>Cuts the power.</summary>
public sealed record PowerOffVm(Guid VmId, Guid? RequestId = null) : ICommand<JobAccepted>;

/// <summary>Asks the guest to restart (ACPI).</summary>
public sealed record RestartVm(Guid VmId, Guid? RequestId = null) : ICommand<JobAccepted>;

/// <summary>Hard reset, like the reset button.</summary>
public sealed record ResetVm(Guid VmId, Guid? RequestId = null) : ICommand<JobAccepted>;

/// <summary>Stops the vCPUs; the memory stays.</summary>
public sealed record PauseVm(Guid VmId, Guid? RequestId = null) : ICommand<JobAccepted>;

public sealed record ResumeVm(Guid VmId, Guid? RequestId = null) : ICommand<JobAccepted>;

/// <summary>Saves the VM's memory to disk and frees the rack server's RAM and dedicated cores for other VMs.</summary>
public sealed record ParkVm(Guid VmId, Guid? RequestId = null) : ICommand<JobAccepted>;

/// <summary>
/// Brings a parked VM back to where it was, on free dedicated cores of the same rack server; refused while that
/// server has not enough free cores or RAM.
/// </summary>
public sealed record UnparkVm(Guid VmId, Guid? RequestId = null) : ICommand<JobAccepted>;

/// <summary>A VM's recovery points, newest first.</summary>
public sealed record ListRecoveryPoints(Guid VmId) : IQuery<IReadOnlyList<RecoveryPointView>>;

/// <summary>Freezes the VM's disk state now; while it runs only where its rack server can do so live.</summary>
public sealed record CreateRecoveryPoint(Guid VmId, string? Note, Guid? RequestId = null) : ICommand<JobAccepted>;

/// <summary>Returns the VM to a recovery point; everything after it is lost, so <paramref name="Confirm"/> must be true.</summary>
public sealed record RevertToRecoveryPoint(Guid VmId, Guid RecoveryPointId, bool Confirm, Guid? RequestId = null) : ICommand<JobAccepted>;

public sealed record DeleteRecoveryPoint(Guid VmId, Guid RecoveryPointId, Guid? RequestId = null) : ICommand<JobAccepted>;

/// <summary>The VM's disk exports, newest first.</summary>
public sealed record ListDiskExports(Guid VmId) : IQuery<IReadOnlyList<DiskExportView>>;

/// <summary>
/// Exports the VM's disk as a qcow2 or raw file to download: as it is now (the VM shut off), or as the recovery point
/// <paramref name="RecoveryPointId"/> holds it (the VM may run).
/// </summary>
/// <param name="Format">"qcow2" or "raw".</param>
public sealed record ExportVmDisk(Guid VmId, string? Format, Guid? RecoveryPointId, Guid? RequestId = null) : ICommand<JobAccepted>;

/// <summary>Deletes a disk export's file from its rack server.</summary>
public sealed record DeleteVmDiskExport(Guid VmId, Guid ExportId, Guid? RequestId = null) : ICommand<JobAccepted>;

/// <summary>Where a ready export is and what a download of it is called: for the download endpoint, after the VM's rights were checked.</summary>
public sealed record GetDiskExportDownload(Guid VmId, Guid ExportId) : IQuery<DiskExportDownload>;

/// <summary>Deletes the VM with its disks. <paramref name="ConfirmName"/> must repeat the VM's name.</summary>
public sealed record DeleteVm(Guid VmId, string? ConfirmName, Guid? RequestId = null) : ICommand<JobAccepted>;

/// <summary>
/// Changes a vServer's hardware; only the values given change. Limits as at creation; the disk only grows; extra
/// vCPUs get dedicated cores on the VM's own rack server. What the running guest cannot take at once applies at
/// its next boot.
/// </summary>
/// <param name="VCpus">1–8 dedicated cores.</param>
/// <param name="MemoryGiB">1–16 GiB.</param>
/// <param name="DiskGiB">Up to 2048 GiB, never less than now.</param>
/// <param name="IsoName">An image from the ISO library to put in the CD-ROM drive.</param>
/// <param name="DetachIso">True to empty the CD-ROM drive (not with <paramref name="IsoName"/>).</param>
/// <param name="BootOrder">Boot devices in order, each at most once: "disk", "cdrom", "network".</param>
/// <param name="DiskBus">"virtio", or "sata" for guests without virtio drivers.</param>
/// <param name="NicModel">"virtio", or "e1000" for guests without virtio drivers.</param>
public sealed record EditVmHardware(
    Guid VmId,
    int? VCpus = null,
    int? MemoryGiB = null,
    int? DiskGiB = null,
    string? IsoName = null,
    bool DetachIso = false,
    IReadOnlyList<string>? BootOrder = null,
    string? DiskBus = null,
    string? NicModel = null,
    Guid? RequestId = null) : ICommand<JobAccepted>;

/// <summary>The caller's VMs, filtered, sorted and paged in the database.</summary>
/// <param name="Search">Only VMs whose name contains this (case-insensitive).</param>
/// <param name="State">Only VMs in this state.</param>
/// <param name="Sort">One of <see cref="VmSorts.All"/>; a leading "-" sorts descending. By name when null.</param>
/// <param name="Limit">At most this many (1 to 1,000); every VM when null.</param>
/// <param name="Offset">Skip this many first.</param>
public sealed record ListVms(string? Search = null, string? State = null, string? Sort = null, int? Limit = null, int Offset = 0) : IQuery<IReadOnlyList<VmView>>;

/// <summary>What the VM list sorts by.</summary>
public static class VmSorts
{
    public static IReadOnlyList<string> All { get; } = ["name", "-name", "state", "-state", "node", "-node", "created", "-created"];
}

public sealed record GetVm(Guid VmId) : IQuery<VmView>;

/// <summary>The job log, newest first.</summary>
/// <param name="Status">Only this status.</param>
/// <param name="Action">Only this action.</param>
/// <param name="Search">Text in the name, user or info.</param>
/// <param name="VmId">Only jobs of this VM.</param>
/// <param name="Limit">At most this many rows (1–1000).</param>
/// <param name="Before">
/// A page's cursor: only jobs queued before it, as the previous page's last job gives it (<see cref="JobCursor"/>).
/// A page holds at least <paramref name="Limit"/> jobs when there may be more, and a few more when its last ones were
/// queued at the same moment, so that the next page misses none.
/// </param>
public sealed record ListJobs(string? Status = null, string? Action = null, string? Search = null, Guid? VmId = null, int Limit = 200, string? Before = null)
    : IQuery<IReadOnlyList<JobView>>;

/// <summary>The job log's keyset cursor: when a job was queued, in UTC ticks.</summary>
public static class JobCursor
{
    /// <summary>The cursor for the page after <paramref name="page"/>, or null when it was the last (shorter than its limit).</summary>
    public static string? After(IReadOnlyList<JobView> page, int limit) =>
        page.Count >= limit && page.Count > 0 ? page[^1].QueuedAt.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture) : null;

    /// <summary>The cursor's moment, or null when it is not one.</summary>
    public static DateTimeOffset? Parse(string? cursor) =>
        long.TryParse(cursor, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ticks)
            && ticks >= DateTimeOffset.MinValue.UtcTicks && ticks <= DateTimeOffset.MaxValue.UtcTicks
            ? new DateTimeOffset(ticks, TimeSpan.Zero)
            : null;
}

public sealed record GetJob(Guid JobId) : IQuery<JobView>;

/// <summary>The capacity of the caller's vDataCenter and what its VMs use of it.</summary>
public sealed record GetVdcCapacity : IQuery<VdcCapacityView>;

/// <summary>Rack servers with their capacity and what all VMs on them use of it.</summary>
public sealed record ListNodeUsage : IQuery<IReadOnlyList<NodeUsageView>>;

/// <summary>How many of the VMs the caller sees are in each state (states with none left out).</summary>
public sealed record CountVmsByState : IQuery<IReadOnlyDictionary<string, int>>;

/// <summary>Moves the running VM live to another rack server, where it gets dedicated cores of its own.</summary>
/// <param name="TargetNode">The rack server's name, e.g. "rack-2".</param>
public sealed record MigrateVm(Guid VmId, string? TargetNode, Guid? RequestId = null) : ICommand<JobAccepted>;

/// <summary>Every other rack server, and whether it could take the VM now (or why not).</summary>
public sealed record ListMigrationTargets(Guid VmId) : IQuery<IReadOnlyList<MigrationTargetView>>;

/// <summary>
/// A single-use ticket to the VM's screen (<paramref name="Kind"/> "screen", RFB) or its first serial port ("serial",
/// the terminal's bytes), valid for a few seconds, for the caller, this VM and the host name it was asked on. Needs
/// operate on the VM, and the VM running or paused on a rack server that offers that console.
/// </summary>
public sealed record OpenConsoleTicket(Guid VmId, string Kind = ConsoleKinds.Screen) : ICommand<ConsoleTicketView>;

public static class ConsoleKinds
{
    /// <summary>The screen, keyboard and mouse: RFB (VNC) over the WebSocket.</summary>
    public const string Screen = "screen";

    /// <summary>The first serial port: a terminal's bytes over the WebSocket.</summary>
    public const string Serial = "serial";
}
