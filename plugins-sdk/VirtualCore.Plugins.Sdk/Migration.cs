namespace VirtualCore.Plugins.Sdk;

/// <summary>The node a domain moves to.</summary>
/// <param name="NodeName">The target rack server's name in the portal.</param>
/// <param name="Uri">The target's hypervisor address, in the adapter's own form.</param>
public sealed record MigrationTarget(string NodeName, string Uri)
{
    /// <summary>
    /// The domain's disks lie on storage only the source node sees: the adapter copies them to the target while
    /// the domain runs (slower). False, the default, when both nodes reach the same disk images.
    /// </summary>
    public bool CopyStorage { get; init; }

    /// <summary>
    /// The target's physical cores for the domain's vCPUs, one per vCPU in vCPU order: the domain runs pinned to them on
    /// the target (and keeps them after its next boot there). Null keeps the pinning the domain had on the source.
    /// </summary>
    public IReadOnlyList<int>? PinnedCores { get; init; }
}

/// <summary>How far a migration has come.</summary>
/// <param name="Percent">0 to 100.</param>
/// <param name="RemainingBytes">Memory still to copy, when known.</param>
public sealed record MigrationProgress(int Percent, long? RemainingBytes);

/// <summary>A finished migration.</summary>
/// <param name="Downtime">How long the guest was paused for the switch-over (the hypervisor's completed-job statistics).</param>
/// <param name="Duration">How long the whole migration took.</param>
/// <param name="TransferredBytes">Data sent to the target.</param>
public sealed record MigrationResult(TimeSpan Downtime, TimeSpan Duration, long TransferredBytes);
