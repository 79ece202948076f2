using MassTransit;

namespace VirtualCore.Node.Contracts.V1;

// Messages between the portal and the node agents. Each is named explicitly (never by CLR type name) so that
// renaming a class never breaks a running agent; a change of shape means a new version namespace.

/// <summary>A command for one node. The job id is the idempotency key: a repeated command does nothing twice.</summary>
public interface INodeCommand
{
    Guid JobId { get; }

    string NodeName { get; }

    Guid VmId { get; }
}

/// <summary>
/// A report an agent sends about its own node. On RabbitMQ the portal accepts it only from that node's bus account
/// (the broker-validated user id), so a compromised host cannot speak for another. It has no exchange of its own:
/// a report travels only on its concrete type's exchange, which is all an agent's account may write to.
/// </summary>
[ExcludeFromTopology]
[ExcludeFromImplementedTypes]
public interface INodeReport
{
    string NodeName { get; }
}

public sealed record DiskSpecV1(string Path, long CapacityBytes, string Bus)
{
    /// <summary>A qcow2 image (a cloud image) on the node the new disk is copied from, or null for an empty disk.</summary>
    public string? SourcePath { get; init; }
}

public sealed record NicSpecV1(string Network, string MacAddress, string Model);

/// <param name="VmId">The VM's id: the domain's UUID and the only thing the node names it by.</param>
/// <param name="Name">The VM's name as its customer chose it; the node shows it as the domain's title, never as its name.</param>
public sealed record DomainSpecV1(
    Guid VmId,
    string Name,
    int VCpus,
    long MemoryBytes,
    IReadOnlyList<int> PinnedCores,
    IReadOnlyList<DiskSpecV1> Disks,
    string? CdromPath,
    IReadOnlyList<NicSpecV1> Nics)
{
    /// <summary>What cloud-init reads on the first boot, or null. An agent that predates it ignores it.</summary>
    public CloudInitSeedV1? CloudInit { get; init; }
}

/// <summary>The files of a NoCloud seed, as the portal wrote them.</summary>
/// <param name="NetworkConfig">Network config version 2, or null to let the guest use DHCP.</param>
public sealed record CloudInitSeedV1(string MetaData, string UserData, string? NetworkConfig);

[MessageUrn("vcore:node:v1:define-domain", false)]
[EntityName("vcore.node.v1.define-domain")]
public sealed record DefineDomain(Guid JobId, string NodeName, Guid VmId, DomainSpecV1 Spec) : INodeCommand;

[MessageUrn("vcore:node:v1:start-domain", false)]
[EntityName("vcore.node.v1.start-domain")]
public sealed record StartDomain(Guid JobId, string NodeName, Guid VmId) : INodeCommand;

/// <summary>ACPI shutdown; the job completes when the guest is off or fails after the agent's shutdown timeout.</summary>
[MessageUrn("vcore:node:v1:shutdown-domain", false)]
[EntityName("vcore.node.v1.shutdown-domain")]
public sealed record ShutdownDomain(Guid JobId, string NodeName, Guid VmId) : INodeCommand;

[MessageUrn("vcore:node:v1:power-off-domain", false)]
[EntityName("vcore.node.v1.power-off-domain")]
public sealed record PowerOffDomain(Guid JobId, string NodeName, Guid VmId) : INodeCommand;

/// <summary>ACPI reboot: the guest restarts itself.</summary>
[MessageUrn("vcore:node:v1:reboot-domain", false)]
[EntityName("vcore.node.v1.reboot-domain")]
public sealed record RebootDomain(Guid JobId, string NodeName, Guid VmId) : INodeCommand;

/// <summary>Hard reset, like the reset button.</summary>
[MessageUrn("vcore:node:v1:reset-domain", false)]
[EntityName("vcore.node.v1.reset-domain")]
public sealed record ResetDomain(Guid JobId, string NodeName, Guid VmId) : INodeCommand;

[MessageUrn("vcore:node:v1:pause-domain", false)]
[EntityName("vcore.node.v1.pause-domain")]
public sealed record PauseDomain(Guid JobId, string NodeName, Guid VmId) : INodeCommand;

[MessageUrn("vcore:node:v1:resume-domain", false)]
[EntityName("vcore.node.v1.resume-domain")]
public sealed record ResumeDomain(Guid JobId, string NodeName, Guid VmId) : INodeCommand;

/// <summary>Saves the domain's memory to disk and frees the host's cores and RAM (managed save).</summary>
[MessageUrn("vcore:node:v1:park-domain", false)]
[EntityName("vcore.node.v1.park-domain")]
public sealed record ParkDomain(Guid JobId, string NodeName, Guid VmId) : INodeCommand;

/// <summary>Restores a parked domain to where it was, its vCPUs pinned to <paramref name="PinnedCores"/>.</summary>
/// <param name="PinnedCores">The physical core per vCPU it runs on now (parked, it gave its cores back); empty keeps
/// the pinning it had.</param>
[MessageUrn("vcore:node:v1:unpark-domain", false)]
[EntityName("vcore.node.v1.unpark-domain")]
public sealed record UnparkDomain(Guid JobId, string NodeName, Guid VmId, IReadOnlyList<int>? PinnedCores = null) : INodeCommand;

/// <summary>Freezes the domain's disk state (and memory, when taken live) under <paramref name="Name"/>.</summary>
[MessageUrn("vcore:node:v1:create-recovery-point", false)]
[EntityName("vcore.node.v1.create-recovery-point")]
public sealed record CreateRecoveryPoint(Guid JobId, string NodeName, Guid VmId, string Name, string? Note) : INodeCommand;

[MessageUrn("vcore:node:v1:revert-recovery-point", false)]
[EntityName("vcore.node.v1.revert-recovery-point")]
public sealed record RevertRecoveryPoint(Guid JobId, string NodeName, Guid VmId, string Name) : INodeCommand;

[MessageUrn("vcore:node:v1:delete-recovery-point", false)]
[EntityName("vcore.node.v1.delete-recovery-point")]
public sealed record DeleteRecoveryPoint(Guid JobId, string NodeName, Guid VmId, string Name) : INodeCommand;

/// <summary>Removes the domain and its disks; a running domain is powered off first.</summary>
[MessageUrn("vcore:node:v1:delete-domain", false)]
[EntityName("vcore.node.v1.delete-domain")]
public sealed record DeleteDomain(Guid JobId, string NodeName, Guid VmId) : INodeCommand;

/// <summary>
/// Changes a domain's hardware; a null (or empty) member leaves that part as it is. What a running domain cannot
/// take at once is written to its definition and applies at its next boot; the job's completion says which.
/// </summary>
/// <param name="VCpus">The new number of vCPUs.</param>
/// <param name="PinnedCores">Physical core per vCPU after the change (dedicated cores); given with <paramref name="VCpus"/>.</param>
/// <param name="MemoryBytes">The new guest memory.</param>
/// <param name="DiskGrowths">Disks to grow (never shrunk).</param>
/// <param name="Cdrom">The ISO in the CD-ROM drive after the change, or null to leave the drive as it is.</param>
/// <param name="BootOrder">Devices to boot from, in order: "disk", "cdrom", "network".</param>
/// <param name="DiskBus">"virtio" or "sata", for every disk.</param>
/// <param name="NicModel">"virtio" or "e1000", for every network interface.</param>
[MessageUrn("vcore:node:v1:update-domain-hardware", false)]
[EntityName("vcore.node.v1.update-domain-hardware")]
public sealed record UpdateDomainHardware(
    Guid JobId,
    string NodeName,
    Guid VmId,
    int? VCpus,
    IReadOnlyList<int>? PinnedCores,
    long? MemoryBytes,
    IReadOnlyList<DiskGrowthV1> DiskGrowths,
    CdromChangeV1? Cdrom,
    IReadOnlyList<string>? BootOrder,
    string? DiskBus,
    string? NicModel) : INodeCommand;

/// <param name="Path">The disk's image file on the node.</param>
/// <param name="CapacityBytes">The new virtual size.</param>
public sealed record DiskGrowthV1(string Path, long CapacityBytes);

/// <param name="IsoPath">Absolute path of the ISO on the node, or null to detach it.</param>
public sealed record CdromChangeV1(string? IsoPath);

/// <summary>
/// Moves the running domain live to <paramref name="TargetNode"/>; the agent of the node it runs on (<see cref="NodeName"/>)
/// carries it out and reports the outcome in <see cref="NodeJobCompleted.Migration"/>.
/// </summary>
/// <param name="TargetUri">The target's hypervisor address as the source's hypervisor reaches it.</param>
/// <param name="PinnedCores">The target's physical core per vCPU, in vCPU order.</param>
/// <param name="CopyStorage">The target does not reach the domain's disk images: they are copied while it runs.</param>
[MessageUrn("vcore:node:v1:migrate-domain", false)]
[EntityName("vcore.node.v1.migrate-domain")]
public sealed record MigrateDomain(
    Guid JobId, string NodeName, Guid VmId, string TargetNode, string TargetUri, IReadOnlyList<int> PinnedCores, bool CopyStorage) : INodeCommand;

/// <summary>A finished live migration as the hypervisor measured it.</summary>
/// <param name="DowntimeMs">How long the guest was paused for the switch-over.</param>
public sealed record MigrationOutcomeV1(string TargetNode, long DowntimeMs, long DurationMs, long TransferredBytes);

[MessageUrn("vcore:node:v1:job-started", false)]
[EntityName("vcore.node.v1.job-started")]
public sealed record NodeJobStarted(Guid JobId, string NodeName, DateTimeOffset At) : INodeReport;

/// <param name="Info">The result's code, for logs; agents before codes sent English text here.</param>
/// <param name="Result">What is happening as a code and its values; the portal words it.</param>
[MessageUrn("vcore:node:v1:job-progress", false)]
[EntityName("vcore.node.v1.job-progress")]
public sealed record NodeJobProgress(Guid JobId, string NodeName, int Percent, string Info, DateTimeOffset At, JobResultV1? Result = null) : INodeReport;

/// <summary>
/// A fact an agent reports about a job, as a stable code and its values (numbers and names, invariant culture), so
/// the portal words it in the user's language. Codes: defined (node, vcpus, memoryMiB), started (node), shut-down,
/// shutdown-waiting, powered-off, restart-requested, reset, paused, resumed, parked, unparked (cores, may be empty),
/// recovery-point-taken (live: true|false), recovery-point-reverted, recovery-point-deleted, hardware-changed (live,
/// nextBoot: comma-separated item names), deleted (node), already-gone, migrating (target, percent), migrated (target,
/// durationMs, downtimeMs, transferredBytes), arrived-earlier (target: a move repeated after the agent restarted had
/// already finished), disk-copying (percent: making a new disk from an image), disk-exporting (percent), disk-exported (bytes, format),
/// disk-export-deleted.
/// </summary>
public sealed record JobResultV1(string Code, IReadOnlyDictionary<string, string> Values);

/// <param name="DomainState">The domain's state once the job was done ("undefined" if it no longer exists), so the
/// portal shows the job and the VM consistently.</param>
/// <param name="NextBoot">What waits for the domain's next boot (hardware changes: "vcpus", "memory", "disk", "cdrom",
/// "boot-order", "disk-bus", "nic-model"); null when nothing does.</param>
/// <param name="Migration">For a <see cref="MigrateDomain"/> job: where the domain went and what it cost; null otherwise.</param>
/// <param name="Info">The result's code, for logs; agents before codes sent English text here.</param>
/// <param name="Result">What was done as a code and its values; the portal words it.</param>
/// <param name="StartedAt">When the agent began the job. An agent reports <see cref="NodeJobStarted"/> only for a job
/// that runs longer than a moment; the end then tells when it began. Null from agents that always reported the start.</param>
[MessageUrn("vcore:node:v1:job-completed", false)]
[EntityName("vcore.node.v1.job-completed")]
public sealed record NodeJobCompleted(
    Guid JobId,
    string NodeName,
    string Info,
    DateTimeOffset At,
    string? DomainState = null,
    IReadOnlyList<string>? NextBoot = null,
    MigrationOutcomeV1? Migration = null,
    JobResultV1? Result = null,
    DateTimeOffset? StartedAt = null) : INodeReport;

/// <param name="StartedAt">When the agent began the job (see <see cref="NodeJobCompleted"/>); null from older agents.</param>
[MessageUrn("vcore:node:v1:job-failed", false)]
[EntityName("vcore.node.v1.job-failed")]
public sealed record NodeJobFailed(
    Guid JobId, string NodeName, string Error, string ErrorCode, DateTimeOffset At, string? DomainState = null, DateTimeOffset? StartedAt = null) : INodeReport;

/// <summary>A domain's state as the hypervisor reports it ("running", "shut-off", "paused", …).</summary>
[MessageUrn("vcore:node:v1:domain-state-changed", false)]
[EntityName("vcore.node.v1.domain-state-changed")]
public sealed record DomainStateChanged(string NodeName, Guid VmId, string State, DateTimeOffset At) : INodeReport;

/// <param name="Name">The domain's title (the VM's name when the portal defined it); the VM id is its identity.</param>
/// <param name="Addresses">The guest's IP addresses with prefix ("192.0.2.10/24"), as the node sees them (lease, ARP, agent).</param>
public sealed record NodeDomainV1(Guid VmId, string Name, string State, int VCpus, long MemoryBytes, IReadOnlyList<string>? Addresses = null);

/// <summary>Sent by an agent when it starts and now and then after: the node's capacity and every domain on it.</summary>
/// <param name="Capabilities">What the node's adapter can do, by the SDK's capability names ("LiveMigration", "DiskGrow", …).</param>
/// <param name="MigrationUri">The address another node's hypervisor uses to send a VM here, or null if none.</param>
[MessageUrn("vcore:node:v1:heartbeat", false)]
[EntityName("vcore.node.v1.heartbeat")]
public sealed record NodeHeartbeat(
    string NodeName,
    string AgentVersion,
    int Sockets,
    int CoresPerSocket,
    int ThreadsPerCore,
    long MemoryBytes,
    string CpuModel,
    IReadOnlyList<NodeDomainV1> Domains,
    DateTimeOffset At,
    IReadOnlyList<string>? Capabilities = null,
    string? MigrationUri = null) : INodeReport;

/// <summary>
/// Writes the VM's first disk to an export file on the node: as it is now (the VM shut off) or as
/// <paramref name="RecoveryPoint"/> holds it. The job's result "disk-exported" carries the file's length as "bytes".
/// </summary>
/// <param name="Format">"qcow2" or "raw".</param>
[MessageUrn("vcore:node:v1:export-disk", false)]
[EntityName("vcore.node.v1.export-disk")]
public sealed record ExportDisk(Guid JobId, string NodeName, Guid VmId, Guid ExportId, string Format, string? RecoveryPoint) : INodeCommand;

/// <summary>Deletes an export's file from the node.</summary>
[MessageUrn("vcore:node:v1:delete-disk-export", false)]
[EntityName("vcore.node.v1.delete-disk-export")]
public sealed record DeleteDiskExport(Guid JobId, string NodeName, Guid VmId, Guid ExportId) : INodeCommand;

/// <summary>
/// Asks a node's agent to stream an export's bytes from <paramref name="Offset"/> to the portal instance that asked,
/// the same way as a console (<see cref="OpenConsole"/>). Not a job: nothing changes on the node, and a request older
/// than <paramref name="ExpiresAt"/> is dropped.
/// </summary>
/// <param name="Length">How many bytes to send; null for all up to the export's end.</param>
[MessageUrn("vcore:node:v1:read-disk-export", false)]
public sealed record ReadDiskExport(
    Guid SessionId, string NodeName, Guid VmId, string Secret, string? CallbackUrl, DateTimeOffset ExpiresAt, Guid ExportId, long Offset, long? Length = null);

/// <summary>
/// Asks a node's agent to connect the VM's screen (RFB) or serial port to the portal for one console session: the
/// agent opens the domain's console through its adapter and connects it to the portal instance that asked, at
/// <paramref name="CallbackUrl"/> (a WebSocket the agent dials out to, presenting <paramref name="Secret"/>), or
/// in-process when the agent runs inside that portal. Not a job: nothing changes on the node, and a request older
/// than <paramref name="ExpiresAt"/> is dropped.
/// </summary>
/// <param name="Kind">"screen" (RFB) or "serial" (the first serial port's bytes).</param>
[MessageUrn("vcore:node:v1:open-console", false)]
public sealed record OpenConsole(
    Guid SessionId, string NodeName, Guid VmId, string Secret, string? CallbackUrl, DateTimeOffset ExpiresAt, string Kind = "screen");

public static class NodeQueues
{
    /// <summary>The queue a node's agent consumes its commands from.</summary>
    public static string For(string nodeName) => $"vcore-node-{nodeName}";

    /// <summary>The command types by their message name, for the portal's job outbox.</summary>
    public static IReadOnlyDictionary<string, Type> CommandTypes { get; } = new Dictionary<string, Type>(StringComparer.Ordinal)
    {
        ["define-domain"] = typeof(DefineDomain),
        ["start-domain"] = typeof(StartDomain),
        ["shutdown-domain"] = typeof(ShutdownDomain),
        ["power-off-domain"] = typeof(PowerOffDomain),
        ["reboot-domain"] = typeof(RebootDomain),
        ["reset-domain"] = typeof(ResetDomain),
        ["pause-domain"] = typeof(PauseDomain),
        ["resume-domain"] = typeof(ResumeDomain),
        ["delete-domain"] = typeof(DeleteDomain),
        ["park-domain"] = typeof(ParkDomain),
        ["unpark-domain"] = typeof(UnparkDomain),
        ["create-recovery-point"] = typeof(CreateRecoveryPoint),
        ["revert-recovery-point"] = typeof(RevertRecoveryPoint),
        ["delete-recovery-point"] = typeof(DeleteRecoveryPoint),
        ["update-domain-hardware"] = typeof(UpdateDomainHardware),
        ["migrate-domain"] = typeof(MigrateDomain),
        ["export-disk"] = typeof(ExportDisk),
        ["delete-disk-export"] = typeof(DeleteDiskExport),
    };

    public static string NameOf(INodeCommand command) =>
        CommandTypes.First(pair => pair.Value == command.GetType()).Key;
}

/// <summary>
/// What a node and its running VMs used over the last <paramref name="IntervalSeconds"/> (one message per node per
/// interval, every VM in it), as rates: the agent divides its adapter's counts by the time between two samples.
/// </summary>
/// <param name="At">When the counts were read.</param>
/// <param name="Simulated">The figures are made up by a simulated node (the adapter says so), not measured.</param>
[MessageUrn("vcore:node:v1:usage", false)]
[EntityName("vcore.node.v1.usage")]
public sealed record UsageReported(string NodeName, DateTimeOffset At, double IntervalSeconds, bool Simulated, NodeUsageV1 Node, IReadOnlyList<VmUsageV1> Vms) : INodeReport;

/// <param name="CpuPercent">Busy share of all the node's cores, 0–100.</param>
/// <param name="LoadAverage">One-minute load average, or null where unknown.</param>
public sealed record NodeUsageV1(double CpuPercent, long MemoryUsedBytes, long MemoryTotalBytes, double? LoadAverage);

/// <summary>A running VM's use; "in" is what the guest received, "out" what it sent. Disk and network figures are the sums over its disks and interfaces.</summary>
/// <param name="CpuPercent">Share of its vCPUs it kept busy, 0–100.</param>
/// <param name="MemoryUsedBytes">Memory the guest uses, or null where unknown.</param>
/// <param name="MemoryBytes">Memory the guest has.</param>
public sealed record VmUsageV1(
    Guid VmId,
    double CpuPercent,
    long? MemoryUsedBytes,
    long MemoryBytes,
    double DiskReadBytesPerSecond,
    double DiskWriteBytesPerSecond,
    double DiskReadsPerSecond,
    double DiskWritesPerSecond,
    double NetInBytesPerSecond,
    double NetOutBytesPerSecond,
    double NetInPacketsPerSecond,
    double NetOutPacketsPerSecond);
