using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;

namespace VirtualCore.Modules.Compute.Domain;

/// <summary>An action on a VM, carried out by a node agent: a row first, a bus message second.</summary>
internal sealed class Job : ITenantOwned, IVersioned
{
    public int Version { get; set; }

    public Guid Id { get; set; }

    public Guid ResellerId { get; set; }

    public Guid CustomerId { get; set; }

    public string TargetType { get; set; } = "vServer";

    public Guid TargetId { get; set; }

    public required string TargetName { get; set; }

    public required string Action { get; set; }

    public required string UserName { get; set; }

    public required string NodeName { get; set; }

    public required string Status { get; set; }

    public int Progress { get; set; }

    public string Info { get; set; } = "";

    public DateTimeOffset QueuedAt { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    /// <summary>The node command's message name; the outbox sends it until the agent answers.</summary>
    public required string CommandName { get; set; }

    public required string CommandJson { get; set; }

    public DateTimeOffset? DispatchedAt { get; set; }

    public int DispatchAttempts { get; set; }

    /// <summary>What the job is about besides its VM: one of <see cref="JobSubjects"/>, or null for the VM alone.</summary>
    public string? SubjectKind { get; set; }

    /// <summary>The id of the <see cref="SubjectKind"/> record: a recovery point or a hardware edit.</summary>
    public Guid? SubjectId { get; set; }

    /// <summary>The caller's idempotency key: the same key again from the same user answers with this job.</summary>
    public Guid? RequestId { get; set; }

    /// <summary>For a live migration: how long the guest was paused for the switch-over, as its hypervisor measured it.</summary>
    public long? DowntimeMs { get; set; }

    /// <summary>When the agent last said anything about this job.</summary>
    public DateTimeOffset? LastSignalAt { get; set; }

    public bool IsOpen => Status is Contracts.JobStatuses.Queued or Contracts.JobStatuses.Running;
}

/// <summary>The kinds of record a job can be about besides its VM.</summary>
internal static class JobSubjects
{
    /// <summary>A <see cref="RecoveryPointRecord"/>, taken, reverted to or deleted by the job.</summary>
    public const string RecoveryPoint = "recovery-point";

    /// <summary>A <see cref="HardwareEdit"/> the job carries out.</summary>
    public const string HardwareEdit = "hardware-edit";

    /// <summary>A <see cref="DiskExportRecord"/>, written or deleted by the job.</summary>
    public const string DiskExport = "disk-export";
}
