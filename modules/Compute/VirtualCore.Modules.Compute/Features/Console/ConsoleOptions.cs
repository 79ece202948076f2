namespace VirtualCore.Modules.Compute.Features.Console;

/// <summary>The browser console's settings (section <c>Console</c>).</summary>
public sealed class ConsoleOptions
{
    /// <summary>How long a ticket opens a console once issued; at most 30 seconds.</summary>
    public TimeSpan TicketLifetime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// This portal instance's WebSocket address as the node agents on other hosts reach it (ws:// or wss://, no path),
    /// e.g. <c>wss://portal-1.internal:8443</c>: an agent dials out to it to connect a VM's screen. Not needed for
    /// agents inside the portal's process (the embedded default).
    /// </summary>
    public string? AgentCallbackUrl { get; set; }

    /// <summary>How long the portal waits for the rack server's agent to connect the screen.</summary>
    public TimeSpan OpenTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often an open console checks that its user still may operate the VM (revoked grant, disabled user).</summary>
    public TimeSpan AccessCheckInterval { get; set; } = TimeSpan.FromSeconds(5);
}
