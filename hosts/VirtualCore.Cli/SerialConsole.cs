using System.Diagnostics;
using System.Net.WebSockets;

namespace VirtualCore.Cli;

/// <summary>
/// A vServer's serial console in the terminal, like <c>virsh console</c>: a single-use ticket from the portal, then a
/// WebSocket to the portal's relay carrying the terminal's bytes both ways. On a terminal the keys go to the guest as
/// they are typed (raw mode, restored at the end) and Ctrl-] ends the session; from a pipe, what stdin holds is sent
/// and the session ends once the guest has been quiet for <see cref="QuietAfterInput"/> after it.
/// </summary>
public sealed class SerialConsole(PortalClient client, Stream input, Stream output, TextWriter messages, bool terminal)
{
    public const byte EscapeKey = 0x1d; // Ctrl-]

    /// <summary>How long a piped session waits for the guest's answer after the last input.</summary>
    public static readonly TimeSpan QuietAfterInput = TimeSpan.FromSeconds(2);

    public async Task<int> RunAsync(string vmId, string vmName, CancellationToken ct)
    {
        var ticket = await client.PostAsync($"api/v1/vms/{vmId}/console?kind=serial", null, ct);
        using var socket = await client.OpenWebSocketAsync(Output.Text(ticket, "socketPath"), ct);
        await messages.WriteLineAsync(terminal
            ? $"Connected to the serial console of {Output.Printable(vmName)}. Ctrl-] ends the session."
            : $"Connected to the serial console of {Output.Printable(vmName)}.");

        var saved = terminal ? Stty("-g") : null;
        if (saved is not null)
        {
            Stty("raw -echo");
        }

        using var done = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var lastTraffic = DateTimeOffset.UtcNow;
        var inputEnded = false;
        try
        {
            var receiving = Task.Run(
                async () =>
                {
                    var buffer = new byte[16 * 1024];
                    while (!done.IsCancellationRequested)
                    {
                        var received = await socket.ReceiveAsync(buffer, done.Token);
                        if (received.MessageType == WebSocketMessageType.Close)
                        {
                            return socket.CloseStatus;
                        }

                        await output.WriteAsync(buffer.AsMemory(0, received.Count), done.Token);
                        await output.FlushAsync(done.Token);
                        lastTraffic = DateTimeOffset.UtcNow;
                    }

                    return (WebSocketCloseStatus?)null;
                },
                done.Token);

            var sending = Task.Run(
                async () =>
                {
                    var buffer = new byte[4096];
                    while (!done.IsCancellationRequested)
                    {
                        var read = await input.ReadAsync(buffer, done.Token);
                        if (read == 0)
                        {
                            inputEnded = true;
                            return;
                        }

                        var escape = terminal ? Array.IndexOf(buffer, EscapeKey, 0, read) : -1;
                        if (escape >= 0)
                        {
                            await socket.SendAsync(buffer.AsMemory(0, escape), WebSocketMessageType.Binary, true, done.Token);
                            return;
                        }

                        await socket.SendAsync(buffer.AsMemory(0, read), WebSocketMessageType.Binary, true, done.Token);
                        lastTraffic = DateTimeOffset.UtcNow;
                    }
                },
                done.Token);

            while (true)
            {
                var ended = await Task.WhenAny(receiving, sending, Task.Delay(TimeSpan.FromMilliseconds(200), done.Token));
                if (ended == receiving)
                {
                    var status = await receiving;
                    return status == (WebSocketCloseStatus)4403
                        ? throw new CliException(ExitCodes.NotAllowed, "The portal ended the session: you may no longer use this vServer's console.")
                        : ExitCodes.Ok;
                }

                if (ended == sending && !inputEnded)
                {
                    break; // Ctrl-]
                }

                if (inputEnded && DateTimeOffset.UtcNow - lastTraffic >= QuietAfterInput)
                {
                    break;
                }
            }

            await done.CancelAsync();
            try
            {
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "ended", CancellationToken.None);
            }
            catch (WebSocketException)
            {
                // Already gone: nothing to end.
            }

            return ExitCodes.Ok;
        }
        finally
        {
            if (saved is not null)
            {
                Stty(saved);
                await messages.WriteLineAsync();
            }
        }
    }

    /// <summary>Runs stty on the terminal vcore runs in (its stdin); returns what it printed.</summary>
    private static string? Stty(string arguments)
    {
        var start = new ProcessStartInfo("stty") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            start.ArgumentList.Add(argument);
        }

        using var stty = Process.Start(start);
        if (stty is null)
        {
            return null;
        }

        var said = stty.StandardOutput.ReadToEnd().Trim();
        stty.WaitForExit();
        return stty.ExitCode == 0 ? said : null;
    }
}
