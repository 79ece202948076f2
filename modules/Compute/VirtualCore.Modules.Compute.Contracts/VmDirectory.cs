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
