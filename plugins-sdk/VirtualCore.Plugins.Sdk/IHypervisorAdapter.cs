namespace VirtualCore.Plugins.Sdk;

/// <summary>
/// One connection to one rack server's hypervisor. Version 1 of the adapter contract.
/// Every mutating call is idempotent: asking for a state the domain already has succeeds and does nothing.
/// Failures are reported as <see cref="HypervisorAdapterException"/> with an <see cref="AdapterErrorCode"/>.
/// </summary>
public interface IHypervisorAdapter : IAsyncDisposable
{
    /// <summary>What this adapter can do on this node; known after <see cref="ConnectAsync"/>.</summary>
    AdapterCapabilities Capabilities { get; }

    Task ConnectAsync(CancellationToken cancellationToken);

    Task<NodeCapacity> GetNodeCapacityAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<DomainInfo>> ListDomainsAsync(CancellationToken cancellationToken);

    /// <summary>Defines (persistently) a domain. Defining the same <see cref="DomainSpec.Id"/> again returns the existing domain.</summary>
    Task<DomainInfo> DefineDomainAsync(DomainSpec spec, CancellationToken cancellationToken);

    Task StartDomainAsync(Guid domainId, CancellationToken cancellationToken);

    /// <summary>Asks the guest to shut down (ACPI). Returns once the request was delivered; the guest may take a while.</summary>
    Task ShutdownDomainAsync(Guid domainId, CancellationToken cancellationToken);

    /// <summary>Cuts the power at once.</summary>
    Task PowerOffDomainAsync(Guid domainId, CancellationToken cancellationToken);

    Task<DomainState> GetDomainStateAsync(Guid domainId, CancellationToken cancellationToken);

    /// <summary>Removes the domain's definition (it must not be running). Removing an unknown domain succeeds.</summary>
    Task UndefineDomainAsync(Guid domainId, CancellationToken cancellationToken);
}
