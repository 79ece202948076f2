using VirtualCore.Modules.Compute.Features.Console;
using VirtualCore.NodeAgent;

namespace VirtualCore.Portal.Hosting;

/// <summary>
/// The console uplink of the node agents that run inside the portal's process (the embedded rack servers): the screen
/// is handed to the waiting session directly, with the same secret check as an agent dialling in over a WebSocket.
/// </summary>
internal sealed class InProcessConsoleUplink(ConsoleRendezvous rendezvous) : IConsoleUplink
{
    public async Task ConnectAsync(StreamSession session, Stream console, CancellationToken cancellationToken)
    {
        if (rendezvous.Claim(session.SessionId, session.Secret) is not { } pending || !pending.Deliver(console))
        {
            // The session stopped waiting (or was never this process's): nobody else may have this screen.
            await console.DisposeAsync();
        }
    }

    public Task RefuseAsync(StreamSession session, string reason, CancellationToken cancellationToken)
    {
        rendezvous.Claim(session.SessionId, session.Secret)?.Refuse(reason);
        return Task.CompletedTask;
    }
}
