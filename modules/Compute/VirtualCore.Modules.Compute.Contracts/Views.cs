namespace VirtualCore.Modules.Compute.Contracts;

/// <summary>A vServer as users see it.</summary>
/// <param name="BootOrder">Boot devices in order ("disk", "cdrom", "network").</param>
/// <param name="NextBootChanges">Hardware the running guest gets only at its next boot ("vcpus", "memory", "disk",
/// "cdrom", "boot-order", "disk-bus", "nic-model"); empty when it runs with what is shown.</param>
public sealed record VmView(
    Guid Id,
    string Name,
    int VCpus,
    int MemoryGiB,
    int DiskGiB,
    string? IsoName,
    string NodeName,
    IReadOnlyList<int> PinnedCores,
    string State,
    DateTimeOffset CreatedAt,
    Guid? OpenJobId,
    IReadOnlyList<string> Addresses,
    IReadOnlyList<string> BootOrder,
    string DiskBus,
    string NicModel,
    IReadOnlyList<string> NextBootChanges);

/// <summary>The choices for a vServer's devices, by the names the API uses.</summary>
public static class HardwareChoices
{
    public static IReadOnlyList<string> BootDevices { get; } = ["disk", "cdrom", "network"];

    public static IReadOnlyList<string> DiskBuses { get; } = ["virtio", "sata"];

    public static IReadOnlyList<string> NicModels { get; } = ["virtio", "e1000"];
}

/// <summary>One row of the job log: the seed's columns (type, name, action and user, start, end, status, info).</summary>
/// <param name="DowntimeMs">For a live migration: how long the guest was paused for the switch-over.</param>
public sealed record JobView(
    Guid Id,
    string Type,
    Guid TargetId,
    string Name,
    string Action,
    string UserName,
    string NodeName,
    DateTimeOffset QueuedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt,
    string Status,
    int Progress,
    string Info,
    long? DowntimeMs = null);

/// <summary>The answer to an action: the job that carries it out, and the VM it concerns.</summary>
public sealed record JobAccepted(Guid JobId, Guid VmId, string Status);

public static class JobStatuses
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";

    public static IReadOnlyList<string> All { get; } = [Queued, Running, Completed, Failed];
}

public static class VmStates
{
    /// <summary>Being created on its rack server.</summary>
    public const string Pending = "pending";
    public const string Running = "running";
    public const string Paused = "paused";
    public const string ShuttingDown = "shutting-down";
    public const string ShutOff = "shut-off";
    public const string Crashed = "crashed";
    /// <summary>Memory saved to disk; holds no RAM on its rack server.</summary>
    public const string Parked = "parked";
    /// <summary>Creation failed; holds no capacity.</summary>
    public const string Failed = "failed";
    /// <summary>The rack server no longer has the domain.</summary>
    public const string Missing = "missing";
    public const string Unknown = "unknown";
    /// <summary>Gone: deleted with its disks.</summary>
    public const string Deleted = "deleted";

    public static IReadOnlyList<string> All { get; } = [Pending, Running, Paused, ShuttingDown, ShutOff, Crashed, Parked, Failed, Missing, Unknown, Deleted];
}

/// <summary>A rack server's capacity and use. Counts every tenant's VMs: capacity is shared, the VMs are not shown.</summary>
public sealed record NodeUsageView(
    string Name,
    string Role,
    bool Online,
    DateTimeOffset? LastHeartbeatAt,
    string CpuModel,
    int PhysicalCores,
    int ReservedHostCores,
    int UsedCores,
    long MemoryBytes,
    long ReservedMemoryBytes,
    long UsedMemoryBytes)
{
    public int CoresForVms => Math.Max(0, PhysicalCores - ReservedHostCores);

    public long MemoryForVmsBytes => Math.Max(0, MemoryBytes - ReservedMemoryBytes);
}

/// <summary>A frozen disk state of a VM. "creating" until its rack server has taken it.</summary>
public sealed record RecoveryPointView(Guid Id, Guid VmId, string Name, string? Note, DateTimeOffset CreatedAt, string Status);

/// <summary>A disk export of a VM: "exporting" until its file is written, then "ready" to download until it expires.</summary>
/// <param name="RecoveryPointName">The recovery point it was made from; null for the disk as it was.</param>
/// <param name="SizeBytes">The file's length once ready.</param>
/// <param name="DownloadPath">Where to download it (with the same credentials; Range requests resume), once ready.</param>
public sealed record DiskExportView(
    Guid Id, Guid VmId, string Format, string? RecoveryPointName, string Status, long? SizeBytes, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, string? DownloadPath);

/// <summary>A ready export's rack server, length and the file name a download gets.</summary>
public sealed record DiskExportDownload(Guid ExportId, Guid VmId, string NodeName, long SizeBytes, string FileName);

/// <summary>One resource of a vDataCenter: its limit (null: no limit), what the customer's VMs use of it, and what is left.</summary>
public sealed record CapacityItem(int? Limit, int Used, int? Left);

/// <summary>
/// The caller's vDataCenter: dedicated cores, RAM and disk in GiB. Every VM counts that was not deleted and whose
/// creation did not fail, parked ones too (they come back with their cores, RAM and disk).
/// </summary>
public sealed record VdcCapacityView(CapacityItem Cores, CapacityItem MemoryGiB, CapacityItem DiskGiB);

/// <summary>A rack server a VM could move to.</summary>
/// <param name="Refusal">Why the VM cannot move there now; null when it can.</param>
public sealed record MigrationTargetView(string Name, int FreeCores, long FreeMemoryBytes, string? Refusal);

/// <summary>A console ticket: open a WebSocket to <paramref name="SocketPath"/> (same origin) before <paramref name="ExpiresAt"/>.</summary>
/// <param name="Ticket">The secret; once used or expired it opens nothing.</param>
/// <param name="SocketPath">The WebSocket's path and query, ticket included, on the host the ticket was asked on.</param>
/// <param name="ExpiresAt">When the ticket lapses unused.</param>
/// <param name="Simulated">The rack server is simulated: its screen shows typed keys as blocks, there is no guest.</param>
public sealed record ConsoleTicketView(string Ticket, string SocketPath, DateTimeOffset ExpiresAt, bool Simulated);
