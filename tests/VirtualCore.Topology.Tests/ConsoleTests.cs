using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using VirtualCore.Modules.Compute.Contracts;

namespace VirtualCore.Topology.Tests;

/// <summary>
/// The console in production: the browser's WebSocket ends at one portal instance, the rack server's agent (its own
/// process, commanded over RabbitMQ) dials that instance's WebSocket to deliver the screen, and the guest's QEMU
/// speaks RFB through both — no VNC port anywhere, and the portal never connects to the rack server.
/// </summary>
[Collection(TopologyCollection.Name)]
public sealed class ConsoleTests(TopologyFixture topology)
{
    [Fact]
    public async Task A_console_on_instance_B_reaches_the_guest_on_a_remote_rack_server_through_its_agents_outbound_websocket()
    {
        using var a = topology.Api(0);
        using var b = topology.Api(1);
        var created = await a.CreateVmAsync("console");
        await a.CompletedAsync(created.JobId, LifecycleTests.JobTimeout, () => topology.Logs());
        await a.CompletedAsync((await a.ActAsync(created.VmId, "start")).JobId, LifecycleTests.JobTimeout, () => topology.Logs());

        var token = await TokenAsync(b);
        b.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var issued = await b.PostAsync($"/api/v1/vms/{created.VmId}/console", null);
        Assert.True(issued.IsSuccessStatusCode, await issued.Content.ReadAsStringAsync());
        var ticket = (await issued.Content.ReadFromJsonAsync<ConsoleTicketView>(Api.Json))!;
        Assert.False(ticket.Simulated);

        var origin = topology.PortalAddresses[1];
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Origin", $"{origin.Scheme}://{origin.Authority}");
        socket.Options.SetRequestHeader("Authorization", $"Bearer {token}");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await socket.ConnectAsync(new Uri($"ws://{origin.Authority}{ticket.SocketPath}"), timeout.Token);
        await using var rfb = WebSocketStream.Create(socket, WebSocketMessageType.Binary, ownsWebSocket: false);

        // QEMU's own greeting and its desktop, after the security handshake libvirt told it to skip.
        var version = new byte[12];
        await rfb.ReadExactlyAsync(version, timeout.Token);
        Assert.StartsWith("RFB 003.00", Encoding.ASCII.GetString(version), StringComparison.Ordinal);
        await rfb.WriteAsync("RFB 003.008\n"u8.ToArray(), timeout.Token);
        var count = new byte[1];
        await rfb.ReadExactlyAsync(count, timeout.Token);
        var types = new byte[count[0]];
        await rfb.ReadExactlyAsync(types, timeout.Token);
        Assert.Contains((byte)1, types);
        await rfb.WriteAsync(new byte[] { 1 }, timeout.Token);
        var result = new byte[4];
        await rfb.ReadExactlyAsync(result, timeout.Token);
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32BigEndian(result));
        await rfb.WriteAsync(new byte[] { 1 }, timeout.Token);
        var init = new byte[24];
        await rfb.ReadExactlyAsync(init, timeout.Token);
        Assert.InRange(BinaryPrimitives.ReadUInt16BigEndian(init), 320, 4096);
        var name = new byte[BinaryPrimitives.ReadUInt32BigEndian(init.AsSpan(20))];
        await rfb.ReadExactlyAsync(name, timeout.Token);
        Assert.Contains("QEMU", Encoding.UTF8.GetString(name), StringComparison.Ordinal);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);

        var vm = await a.GetAsync<VmView>($"/api/v1/vms/{created.VmId}");
        await a.CompletedAsync((await a.DeleteVmAsync(vm)).JobId, LifecycleTests.JobTimeout, () => topology.Logs());
    }

    private static async Task<string> TokenAsync(HttpClient client)
    {
        var response = await client.PostAsJsonAsync("/api/v1/tokens", new { name = $"console {Guid.NewGuid():N}", scopes = new[] { "operate" }, expiresInDays = 1 });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }
}
