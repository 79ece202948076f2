namespace VirtualCore.Modules.Infrastructure;

/// <summary>The rack servers this installation knows, from configuration ("RackServers").</summary>
public sealed class InfrastructureOptions
{
    public const string Section = "Infrastructure";

    public List<RackServerRegistration> RackServers { get; set; } = [];

    /// <summary>ISO images to put in the library besides the ones already there (matched by name).</summary>
    public List<IsoImageRegistration> IsoImages { get; set; } = [];

    /// <summary>A node whose agent was silent this long counts as offline.</summary>
    public TimeSpan OfflineAfter { get; set; } = TimeSpan.FromSeconds(60);
}

public sealed class RackServerRegistration
{
    public string Name { get; set; } = "";

    public string Role { get; set; } = "compute";

    public int ReservedHostCores { get; set; }

    public long ReservedMemoryBytes { get; set; }

    /// <summary>Nodes naming the same shared storage reach the same disk images; a VM moving between others has its disks copied.</summary>
    public string? SharedStorage { get; set; }
}

public sealed class IsoImageRegistration
{
    public string Name { get; set; } = "";

    public string Title { get; set; } = "";

    /// <summary>Where the image lies on the nodes' image storage.</summary>
    public string Path { get; set; } = "";

    public long SizeBytes { get; set; }
}
