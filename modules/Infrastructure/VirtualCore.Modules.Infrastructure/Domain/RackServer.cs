using VirtualCore.Framework.Persistence;

namespace VirtualCore.Modules.Infrastructure.Domain;

/// <summary>A KVM host. Its capacity is what its node agent last reported.</summary>
internal sealed class RackServer
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    public string Role { get; set; } = "compute";

    public int Sockets { get; set; }

    public int CoresPerSocket { get; set; }

    public int ThreadsPerCore { get; set; }

    public long MemoryBytes { get; set; }

    public int ReservedHostCores { get; set; }

    public long ReservedMemoryBytes { get; set; }

    public string CpuModel { get; set; } = "";

    public string AgentVersion { get; set; } = "";

    public DateTimeOffset? LastHeartbeatAt { get; set; }

    /// <summary>What its adapter can do, comma-separated capability names, as its agent last reported.</summary>
    public string Capabilities { get; set; } = "";

    /// <summary>Where other nodes send a VM that moves here, as its agent last reported.</summary>
    public string? MigrationUri { get; set; }

    /// <summary>Nodes with the same name here reach the same disk images; between others disks are copied when a VM moves.</summary>
    public string? SharedStorage { get; set; }
}

/// <summary>
/// An installation image: in the operator's library (no customer: every customer sees it) or uploaded by a customer
/// (only that customer sees it). An upload is a row in state <see cref="IsoStates.Uploading"/> until its last byte
/// arrived and it proved to be an ISO 9660 or UDF image.
/// </summary>
internal sealed class IsoImage : IVersioned
{
    public int Version { get; set; }

    public Guid Id { get; set; }

    public required string Name { get; set; }

    public required string Title { get; set; }

    public required string Path { get; set; }

    public long SizeBytes { get; set; }

    /// <summary>The reseller of the customer it belongs to; null in the operator's library.</summary>
    public Guid? ResellerId { get; set; }

    /// <summary>The customer it belongs to; null in the operator's library.</summary>
    public Guid? CustomerId { get; set; }

    public string State { get; set; } = IsoStates.Ready;

    /// <summary>"iso" (a CD-ROM image), or "qcow2", "vmdk" or "raw" (a disk image a VM's disk is made from); known once ready.</summary>
    public string Format { get; set; } = "iso";

    /// <summary>A disk image's virtual size: the smallest disk a VM made from it can have.</summary>
    public long? VirtualSizeBytes { get; set; }

    /// <summary>The vCPUs an appliance's OVF descriptor asks for; null for images that came without one.</summary>
    public int? ApplianceVCpus { get; set; }

    /// <summary>The memory an appliance's OVF descriptor asks for, in MiB.</summary>
    public long? ApplianceMemoryMiB { get; set; }

    /// <summary>How many bytes of an upload arrived (tus's Upload-Offset); <see cref="SizeBytes"/> once ready.</summary>
    public long UploadOffset { get; set; }

    /// <summary>The SHA-256 of the file (lower-case hex), computed by the portal; null for registered images it cannot read.</summary>
    public string? Sha256 { get; set; }

    /// <summary>The SHA-256 the uploader said the file has; the upload is refused when the file's differs.</summary>
    public string? ExpectedSha256 { get; set; }

    public string? CreatedBy { get; set; }

    public Guid? CreatedByUserId { get; set; }

    public DateTimeOffset? CreatedAt { get; set; }

    /// <summary>Where the provider had the portal fetch it from (state <see cref="IsoStates.Fetching"/> until it arrived).</summary>
    public string? SourceUrl { get; set; }

    /// <summary>A portal instance fetches it until then and renews this while it does; afterwards another may take over.</summary>
    public DateTimeOffset? ClaimedUntil { get; set; }

    /// <summary>Why a fetch failed (state <see cref="IsoStates.Failed"/>).</summary>
    public string? Problem { get; set; }
}

internal static class IsoStates
{
    public const string Uploading = "uploading";
    public const string Fetching = "fetching";
    public const string Failed = "failed";
    public const string Ready = "ready";
}
