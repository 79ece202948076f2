namespace VirtualCore.Plugins.Sdk;

/// <summary>What happened to a domain.</summary>
public enum DomainEventKind
{
    /// <summary>Anything the adapter does not name; read the state to learn more.</summary>
    Other = 0,
    Defined = 1,
    Undefined = 2,
    Started = 3,
    Paused = 4,
    Resumed = 5,
    Stopped = 6,
    /// <summary>Stopped with its memory saved (managed save).</summary>
    Parked = 7,
    ShuttingDown = 8,
    Crashed = 9,
}

/// <summary>A change of one domain, pushed by the hypervisor.</summary>
/// <param name="DomainId">The domain.</param>
/// <param name="Kind">What happened.</param>
/// <param name="ObservedAt">When the adapter received it.</param>
public sealed record DomainEvent(Guid DomainId, DomainEventKind Kind, DateTimeOffset ObservedAt);
