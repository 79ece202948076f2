namespace VirtualCore.Modules.Infrastructure;

/// <summary>The rack servers this installation knows, from configuration ("RackServers").</summary>
public sealed class InfrastructureOptions
{
    public const string Section = "Infrastructure";

    public List<RackServerRegistration> RackServers { get; set; } = [];

    /// <summary>A node whose agent was silent this long counts as offline.</summary>
    public TimeSpan OfflineAfter { get; set; } = TimeSpan.FromSeconds(60);
}

public sealed class RackServerRegistration
{
    public string Name { get; set; } = "";

    public string Role { get; set; } = "compute";

    public int ReservedHostCores { get; set; }

    public long ReservedMemoryBytes { get; set; }
}
