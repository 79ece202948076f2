namespace VirtualCore.Plugins.Sdk;

/// <summary>A recovery point of a domain (a hypervisor snapshot).</summary>
/// <param name="Name">Its id, unique per domain.</param>
/// <param name="CreatedAt">When it was taken, to the second.</param>
/// <param name="Note">The customer's note, or null.</param>
/// <param name="TakenLive">True when the domain was running: memory was recorded too, and reverting resumes it.</param>
public sealed record RecoveryPoint(string Name, DateTimeOffset CreatedAt, string? Note, bool TakenLive);
