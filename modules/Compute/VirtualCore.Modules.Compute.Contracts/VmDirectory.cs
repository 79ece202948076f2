namespace VirtualCore.Modules.Compute.Contracts;

/// <summary>Who owns VMs, for modules that keep data about VMs under their owner (usage history). Sees every tenant.</summary>
public interface IVmOwners
{
    /// <summary>The owners of those of <paramref name="vmIds"/> the portal knows (not deleted); unknown ids are left out.</summary>
    Task<IReadOnlyDictionary<Guid, VmOwner>> FindAsync(IReadOnlyCollection<Guid> vmIds, CancellationToken cancellationToken);
}

/// <param name="NodeName">The rack server the VM is on.</param>
public sealed record VmOwner(Guid VmId, Guid ResellerId, Guid CustomerId, string NodeName);

/// <summary>
/// Told when a deleted VM leaves the portal, in the unit of work that removes it: a module removes what it keeps about
/// the VM through the same database context, so both are saved together.
/// </summary>
public interface IVmRemovalParticipant
{
    Task RemoveAsync(Guid vmId, CancellationToken cancellationToken);
}

/// <summary>The VMs' names and power states, for watching them (alert rules).</summary>
public interface IVmFacts
{
    /// <summary>Every VM the portal knows (not deleted) among <paramref name="vmIds"/> and of the customers <paramref name="customerIds"/>.</summary>
    Task<IReadOnlyList<VmFact>> ListAsync(IReadOnlyCollection<Guid> vmIds, IReadOnlyCollection<Guid> customerIds, CancellationToken cancellationToken);
}

/// <param name="State">Its state (VmStates).</param>
/// <param name="StateChangedAt">Since when it is in that state.</param>
/// <param name="ShouldRun">
/// It is not running although nobody stopped it: it crashed or vanished from its rack server, or it is shut off while
/// the last power action on it was not a shutdown, power-off or park (its guest shut itself down).
/// </param>
public sealed record VmFact(Guid VmId, Guid ResellerId, Guid CustomerId, string Name, string NodeName, string State, DateTimeOffset StateChangedAt, bool ShouldRun);
