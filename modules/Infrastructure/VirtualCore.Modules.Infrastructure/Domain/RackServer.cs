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

/// <summary>An installation image in the operator's library.</summary>
internal sealed class IsoImage
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    public required string Title { get; set; }

    public required string Path { get; set; }

    public long SizeBytes { get; set; }
}
