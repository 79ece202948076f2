using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Qmp;

/// <summary>
/// One short conversation with a QEMU process over its QMP socket: the greeting, <c>qmp_capabilities</c>, one command
/// and its answer. QEMU serves one QMP client at a time, so callers hold the domain's lock while they talk.
/// </summary>
internal static class QmpClient
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>Runs <paramref name="command"/> and returns its <c>return</c> value; a QMP error is an <see cref="HypervisorAdapterException"/>.</summary>
    internal static async Task<JsonNode?> ExecuteAsync(string socketPath, string command, JsonObject? arguments, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Patience);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), timeout.Token);
        }
        catch (SocketException ex)
        {
            throw new HypervisorAdapterException(AdapterErrorCode.ConnectionFailed, $"QEMU's QMP socket {socketPath} does not answer: {ex.Message}", ex.SocketErrorCode.ToString(), ex);
        }

        await using var stream = new NetworkStream(socket, ownsSocket: false);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        await ReadReplyAsync(reader, expectGreeting: true, timeout.Token);
        await SendAsync(stream, "qmp_capabilities", null, timeout.Token);
        await ReadReplyAsync(reader, expectGreeting: false, timeout.Token);
        await SendAsync(stream, command, arguments, timeout.Token);
        return await ReadReplyAsync(reader, expectGreeting: false, timeout.Token);
    }

    private static async Task SendAsync(Stream stream, string command, JsonObject? arguments, CancellationToken cancellationToken)
    {
        var message = new JsonObject { ["execute"] = command };
        if (arguments is not null)
        {
            message["arguments"] = arguments;
        }

        await stream.WriteAsync(Encoding.UTF8.GetBytes(message.ToJsonString() + "\n"), cancellationToken);
    }

    // Events arrive between replies at any time; they are skipped.
    private static async Task<JsonNode?> ReadReplyAsync(StreamReader reader, bool expectGreeting, CancellationToken cancellationToken)
    {
        while (true)
        {
            var line = await reader.ReadLineAsync(cancellationToken)
                ?? throw new HypervisorAdapterException(AdapterErrorCode.ConnectionFailed, "QEMU closed its QMP socket before it answered.");
            if (JsonNode.Parse(line) is not JsonObject reply)
            {
                continue;
            }

            if (expectGreeting && reply.ContainsKey("QMP"))
            {
                return reply;
            }

            if (reply["error"] is JsonObject error)
            {
                throw new HypervisorAdapterException(
                    AdapterErrorCode.OperationFailed,
                    $"QEMU refused the command: {error["desc"]?.GetValue<string>()}",
                    error["class"]?.GetValue<string>());
            }

            if (reply.ContainsKey("return"))
            {
                return reply["return"];
            }
        }
    }

    internal static string? Status(JsonNode? queryStatus) =>
        queryStatus is JsonObject status ? status["status"]?.GetValue<string>() : null;
}
