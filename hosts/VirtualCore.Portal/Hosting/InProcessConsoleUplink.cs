using VirtualCore.Modules.Compute.Features.Console;
using VirtualCore.Node.Contracts.V1;
using VirtualCore.NodeAgent;

namespace VirtualCore.Portal.Hosting;

/// <summary>
/// The console uplink of the node agents that run inside the portal's process (the embedded rack servers): the screen
/// is handed to the waiting session directly, with the same secret check as an agent dialling in over a WebSocket.
/// </summary>
internal sealed class InProcessConsoleUplink(ConsoleRendezvous rendezvous) : IConsoleUplink
{
    public async Task ConnectAsync(OpenConsole request, Stream console, CancellationToken cancellationToken)
    {
        if (rendezvous.Claim(request.SessionId, request.Secret) is not { } pending || !pending.Deliver(console))
        {
            // The session stopped waiting (or was never this process's): nobody else may have this screen.
            await console.DisposeAsync();
        }
    }

    public Task RefuseAsync(OpenConsole request, string reason, CancellationToken cancellationToken)
    {
        rendezvous.Claim(request.SessionId, request.Secret)?.Refuse(reason);
        return Task.CompletedTask;
    }
}
