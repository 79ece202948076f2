namespace VirtualCore.Modules.Infrastructure.Domain;

/// <summary>
/// A bus message that could not be handled and now lies in an error queue (<see cref="Queue"/> + <c>_error</c>), as the
/// operator sees it: what it was, where, why, and from which process.
/// </summary>
internal sealed class DeadLetter
{
    public Guid Id { get; set; }

    /// <summary>MassTransit's id of the fault, so that a fault heard twice is kept once.</summary>
    public Guid FaultId { get; set; }

    public DateTimeOffset At { get; set; }

    public required string MessageType { get; set; }

    /// <summary>The queue whose consumer gave up on it.</summary>
    public required string Queue { get; set; }

    public required string ExceptionType { get; set; }

    public required string Reason { get; set; }

    /// <summary>The process that gave up, as machine/process.</summary>
    public required string Host { get; set; }

    /// <summary>The message as JSON, cut at 4,000 characters.</summary>
    public required string Message { get; set; }
}
