namespace VirtualCore.Modules.Compute.Domain;

/// <summary>
/// A single-use ticket to one VM's screen, bound to the user who asked, the VM and the host name it was asked on.
/// Only the secret's SHA-256 is stored; redeeming sets <see cref="RedeemedAt"/> in the same statement that checks it.
/// </summary>
public sealed class ConsoleTicket
{
    public Guid Id { get; set; }

    /// <summary>Hex SHA-256 of the secret handed to the caller.</summary>
    public string SecretHash { get; set; } = "";

    public Guid UserId { get; set; }

    public Guid VmId { get; set; }

    /// <summary>"screen" or "serial" (ConsoleKinds).</summary>
    public string Kind { get; set; } = "screen";

    /// <summary>The host name (and port) the ticket was asked on; the WebSocket must come to the same.</summary>
    public string Host { get; set; } = "";

    public DateTimeOffset IssuedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset? RedeemedAt { get; set; }
}
