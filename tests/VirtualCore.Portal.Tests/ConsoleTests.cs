using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Domain;
using VirtualCore.Modules.Identity.Domain;
using VirtualCore.Modules.Identity.Features.Users;

namespace VirtualCore.Portal.Tests;

/// <summary>
/// The VM console: a single-use ticket of one user, VM and host name opens a WebSocket that speaks RFB to the VM's
/// screen (here a simulated rack server's), from the portal's own origin only, and closes when the user's right ends.
/// </summary>
public sealed class ConsoleTests : IAsyncLifetime
{
    private readonly PortalFixture _portal = new(settings: new Dictionary<string, string> { ["Console:AccessCheckInterval"] = "00:00:00.200" });
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _admin = Basic("baecker", "baecker-pass-1");
        await Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task A_ticket_opens_the_screen_once_and_the_keys_typed_change_it()
    {
        var vm = await RunningVmAsync("console-1");
        var token = await _admin.TokenAsync("operate");
        var ticket = await TicketAsync(Bearer(token), vm);
        Assert.True(ticket.Simulated);
        var audited = await _portal.DbAsync(db => db.Set<AuditEntry>().Where(e => e.Action == "console.opened" && e.Target == "console-1").ToListAsync());
        Assert.Equal("baecker", Assert.Single(audited).Actor);
        Assert.InRange(ticket.ExpiresAt - DateTimeOffset.UtcNow, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));

        using (var socket = await ConnectAsync(ticket.SocketPath, token))
        {
            var rfb = new RfbClient(socket);
            var name = await rfb.HandshakeAsync();
            Assert.Contains("console-1", name, StringComparison.Ordinal);
            Assert.Contains("simulated", name, StringComparison.Ordinal);

            var before = await rfb.ScreenAsync(incremental: false);
            await rfb.TypeAsync("a");
            var after = await rfb.ScreenAsync(incremental: true);

            // The first typed key is a block at the top left of the text area.
            Assert.NotEqual(before.Pixel(8, 72), after.Pixel(8, 72));
            Assert.Equal(before.Pixel(600, 390), after.Pixel(600, 390));
        }

        // Used once: the same ticket opens nothing again, and a new one shows the same screen (the guest kept it).
        var reused = await RefusedAsync(ticket.SocketPath, token);
        Assert.Equal(HttpStatusCode.Forbidden, reused);
        using (var again = await ConnectAsync((await TicketAsync(Bearer(token), vm)).SocketPath, token))
        {
            var rfb = new RfbClient(again);
            await rfb.HandshakeAsync();
            var screen = await rfb.ScreenAsync(incremental: false);
            Assert.NotEqual(0x101820u, screen.Pixel(8, 72) & 0xffffffu);
        }
    }

    [Fact]
    public async Task A_console_opens_only_from_the_same_origin_with_the_tickets_user_vm_host_and_time()
    {
        var vm = await RunningVmAsync("console-2");
        var other = await RunningVmAsync("console-3");
        var token = await _admin.TokenAsync("operate");
        var client = Bearer(token);

        // Cross-site WebSocket hijacking: the user's credentials, a foreign or missing Origin.
        Assert.Equal(HttpStatusCode.Forbidden, await RefusedAsync((await TicketAsync(client, vm)).SocketPath, token, origin: "http://evil.example"));
        Assert.Equal(HttpStatusCode.Forbidden, await RefusedAsync((await TicketAsync(client, vm)).SocketPath, token, origin: null));
        Assert.Equal(HttpStatusCode.Forbidden, await RefusedAsync((await TicketAsync(client, vm)).SocketPath, token, origin: "https://kamp.localhost"));

        // Another VM's path with this VM's ticket.
        var ticket = await TicketAsync(client, vm);
        Assert.Equal(HttpStatusCode.Forbidden, await RefusedAsync(ticket.SocketPath.Replace(vm.ToString(), other.ToString(), StringComparison.Ordinal), token));

        // Another user of the same customer, who may operate the VM, with the first user's ticket.
        var geselle = await GrantAsync(vm, "operate");
        var geselleToken = await Basic("geselle", "geselle-pass-1").TokenAsync("operate");
        Assert.Equal(HttpStatusCode.Forbidden, await RefusedAsync((await TicketAsync(client, vm)).SocketPath, geselleToken));
        Assert.NotEqual(Guid.Empty, geselle);

        // A ticket asked on one host name, used on another of the same reseller's portal.
        Assert.Contains(
            await RefusedAsync((await TicketAsync(client, vm)).SocketPath, token, host: "localhost", origin: "http://localhost"),
            new[] { HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden });

        // A ticket past its time.
        var late = await TicketAsync(client, vm);
        await _portal.DbAsync(db => db.Set<ConsoleTicket>().ExecuteUpdateAsync(s => s.SetProperty(t => t.ExpiresAt, DateTimeOffset.UtcNow.AddSeconds(-1))));
        Assert.Equal(HttpStatusCode.Forbidden, await RefusedAsync(late.SocketPath, token));

        // No ticket, a made-up one, and no credentials at all.
        Assert.Equal(HttpStatusCode.Forbidden, await RefusedAsync($"/vms/{vm}/console/socket", token));
        Assert.Equal(HttpStatusCode.Forbidden, await RefusedAsync($"/vms/{vm}/console/socket?ticket=made-up", token));
        var fresh = await TicketAsync(client, vm);
        Assert.Equal(HttpStatusCode.Unauthorized, await RefusedAsync(fresh.SocketPath, token: null));
    }

    [Fact]
    public async Task A_ticket_is_only_for_those_who_may_operate_a_running_vm()
    {
        var vm = await RunningVmAsync("console-4");

        // A user who may only look, a token without the operate scope, another customer.
        await GrantAsync(vm, "view");
        var viewer = Basic("geselle", "geselle-pass-1");
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsync($"/api/v1/vms/{vm}/console", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Bearer(await _admin.TokenAsync("read")).PostAsync($"/api/v1/vms/{vm}/console", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _portal.Demo().PostAsync($"/api/v1/vms/{vm}/console", null)).StatusCode);

        // A VM that is off has no screen: the answer says so.
        await _admin.CompleteAsync(_admin.ActAsync(vm, "power-off"));
        var off = await _admin.PostAsync($"/api/v1/vms/{vm}/console", null);
        Assert.Equal(HttpStatusCode.Conflict, off.StatusCode);
        Assert.Contains("start it", (await off.ProblemAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_open_console_closes_when_the_users_grant_is_revoked()
    {
        var vm = await RunningVmAsync("console-5");
        var grant = await GrantAsync(vm, "operate");
        var token = await Basic("geselle", "geselle-pass-1").TokenAsync("operate");
        using var socket = await ConnectAsync((await TicketAsync(Bearer(token), vm)).SocketPath, token);
        var rfb = new RfbClient(socket);
        await rfb.HandshakeAsync();

        var revoked = await _admin.DeleteAsync($"/api/v1/grants/{grant}");
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);

        var closed = await rfb.WaitForCloseAsync(TimeSpan.FromSeconds(30));
        Assert.Equal((WebSocketCloseStatus)4403, closed);
    }

    [Fact]
    public async Task A_serial_ticket_opens_the_vms_serial_port_and_an_unknown_kind_is_refused_on_its_field()
    {
        var vm = await RunningVmAsync("serial-1");
        var token = await _admin.TokenAsync("operate");
        var client = Bearer(token);

        var unknown = await client.PostAsync($"/api/v1/vms/{vm}/console?kind=telnet", null);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("kind", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var issued = await client.PostAsync($"/api/v1/vms/{vm}/console?kind=serial", null);
        Assert.True(issued.IsSuccessStatusCode, await issued.Content.ReadAsStringAsync());
        var ticket = (await issued.Content.ReadFromJsonAsync<ConsoleTicketView>(Api.Json))!;
        using var socket = await ConnectAsync(ticket.SocketPath, token);
        await socket.SendAsync("hello\r"u8.ToArray(), WebSocketMessageType.Binary, true, CancellationToken.None);

        // The simulated serial port greets, echoes and answers the line.
        var seen = new StringBuilder();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[4096];
        while (!seen.ToString().Contains("you typed: hello", StringComparison.Ordinal))
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            Assert.NotEqual(WebSocketMessageType.Close, result.MessageType);
            seen.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
        }

        Assert.Contains("serial-1 (simulated rack server)", seen.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_open_console_closes_when_its_user_is_disabled()
    {
        var vm = await RunningVmAsync("console-6");
        await GrantAsync(vm, "manage");
        var token = await Basic("geselle", "geselle-pass-1").TokenAsync("operate");
        using var socket = await ConnectAsync((await TicketAsync(Bearer(token), vm)).SocketPath, token);
        var rfb = new RfbClient(socket);
        await rfb.HandshakeAsync();

        var users = await _admin.GetAsync<UserView[]>("/api/v1/users");
        var disabled = await _admin.PostAsync($"/api/v1/users/{users.Single(u => u.UserName == "geselle").Id}/disable", null);
        Assert.True(disabled.IsSuccessStatusCode, await disabled.Content.ReadAsStringAsync());

        Assert.Equal((WebSocketCloseStatus)4403, await rfb.WaitForCloseAsync(TimeSpan.FromSeconds(30)));
    }

    private async Task<Guid> RunningVmAsync(string name)
    {
        var created = await _admin.CompleteAsync(_admin.CreateVmAsync(name));
        Assert.Equal(JobStatuses.Completed, created.Status);
        var started = await _admin.CompleteAsync(_admin.ActAsync(created.TargetId, "start"));
        Assert.Equal(JobStatuses.Completed, started.Status);
        return created.TargetId;
    }

    private static async Task<ConsoleTicketView> TicketAsync(HttpClient client, Guid vm)
    {
        var response = await client.PostAsync($"/api/v1/vms/{vm}/console", null);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<ConsoleTicketView>(Api.Json))!;
    }

    private async Task<Guid> GrantAsync(Guid vm, string level)
    {
        var users = await _admin.GetAsync<UserView[]>("/api/v1/users");
        var response = await _admin.PostAsJsonAsync($"/api/v1/users/{users.Single(u => u.UserName == "geselle").Id}/grants", new { vmId = vm, level });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }


    private HttpClient Basic(string user, string password)
    {
        var client = _portal.ApiClient(user, password);
        client.BaseAddress = new Uri("http://kamp.localhost");
        return client;
    }

    private HttpClient Bearer(string token)
    {
        var client = _portal.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://kamp.localhost") });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private async Task<WebSocket> ConnectAsync(string path, string token)
    {
        var client = WebSockets(token, "kamp.localhost", "http://kamp.localhost");
        return await client.ConnectAsync(new Uri($"ws://kamp.localhost{path}"), CancellationToken.None);
    }

    /// <summary>The status the handshake was refused with; fails the test if it was accepted.</summary>
    private async Task<HttpStatusCode> RefusedAsync(string path, string? token, string host = "kamp.localhost", string? origin = "http://kamp.localhost")
    {
        var client = WebSockets(token, host, origin);
        try
        {
            using var socket = await client.ConnectAsync(new Uri($"ws://{host}{path}"), CancellationToken.None);
        }
        catch (InvalidOperationException refused) when (refused.Message.Contains("status code", StringComparison.OrdinalIgnoreCase))
        {
            var digits = new string(refused.Message.Where(char.IsDigit).ToArray());
            return (HttpStatusCode)int.Parse(digits[^3..], System.Globalization.CultureInfo.InvariantCulture);
        }

        Assert.Fail($"The console at {path} opened for {host} from {origin ?? "no origin"}.");
        return HttpStatusCode.OK;
    }

    private Microsoft.AspNetCore.TestHost.WebSocketClient WebSockets(string? token, string host, string? origin)
    {
        var client = _portal.Server.CreateWebSocketClient();
        client.ConfigureRequest = request =>
        {
            request.Headers.Host = host;
            if (origin is not null)
            {
                request.Headers.Origin = origin;
            }

            if (token is not null)
            {
                request.Headers.Authorization = $"Bearer {token}";
            }
        };
        return client;
    }
}

/// <summary>The client side of RFB 3.8, enough to see a screen and type on it.</summary>
internal sealed class RfbClient(WebSocket socket)
{
    private readonly List<byte> _buffer = [];

    public async Task<string> HandshakeAsync()
    {
        var version = Encoding.ASCII.GetString(await ReadAsync(12));
        Assert.Equal("RFB 003.008\n", version);
        await SendAsync(Encoding.ASCII.GetBytes("RFB 003.008\n"));
        var types = await ReadAsync(2);
        Assert.Equal([1, 1], types);
        await SendAsync([1]);
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32BigEndian(await ReadAsync(4)));
        await SendAsync([1]);
        var init = await ReadAsync(24);
        Width = BinaryPrimitives.ReadUInt16BigEndian(init);
        Height = BinaryPrimitives.ReadUInt16BigEndian(init.AsSpan(2));
        return Encoding.UTF8.GetString(await ReadAsync((int)BinaryPrimitives.ReadUInt32BigEndian(init.AsSpan(20))));
    }

    public int Width { get; private set; }

    public int Height { get; private set; }

    /// <summary>Asks for the screen and reads one update of raw rectangles (32-bit, the server's own format).</summary>
    public async Task<Screen> ScreenAsync(bool incremental)
    {
        var request = new byte[10];
        request[0] = 3;
        request[1] = incremental ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(6), (ushort)Width);
        BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(8), (ushort)Height);
        await SendAsync(request);
        var header = await ReadAsync(4);
        Assert.Equal(0, header[0]);
        var pixels = new uint[Width * Height];
        for (var r = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2)); r > 0; r--)
        {
            var rect = await ReadAsync(12);
            int x = BinaryPrimitives.ReadUInt16BigEndian(rect), y = BinaryPrimitives.ReadUInt16BigEndian(rect.AsSpan(2));
            int w = BinaryPrimitives.ReadUInt16BigEndian(rect.AsSpan(4)), h = BinaryPrimitives.ReadUInt16BigEndian(rect.AsSpan(6));
            Assert.Equal(0, BinaryPrimitives.ReadInt32BigEndian(rect.AsSpan(8)));
            var data = await ReadAsync(w * h * 4);
            for (var row = 0; row < h; row++)
            {
                for (var col = 0; col < w; col++)
                {
                    pixels[((y + row) * Width) + x + col] = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(((row * w) + col) * 4));
                }
            }
        }

        return new Screen(pixels, Width);
    }

    public async Task TypeAsync(string text)
    {
        foreach (var c in text)
        {
            foreach (var down in new[] { true, false })
            {
                var key = new byte[8];
                key[0] = 4;
                key[1] = down ? (byte)1 : (byte)0;
                BinaryPrimitives.WriteUInt32BigEndian(key.AsSpan(4), c);
                await SendAsync(key);
            }
        }
    }

    /// <summary>Reads (and drops) whatever comes until the server closes; returns its close status.</summary>
    public async Task<WebSocketCloseStatus?> WaitForCloseAsync(TimeSpan patience)
    {
        using var timeout = new CancellationTokenSource(patience);
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return result.CloseStatus;
            }
        }
    }

    private Task SendAsync(byte[] bytes) => socket.SendAsync(bytes, WebSocketMessageType.Binary, true, CancellationToken.None);

    private async Task<byte[]> ReadAsync(int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var chunk = new byte[64 * 1024];
        while (_buffer.Count < count)
        {
            var result = await socket.ReceiveAsync(chunk, timeout.Token);
            Assert.NotEqual(WebSocketMessageType.Close, result.MessageType);
            _buffer.AddRange(chunk.AsSpan(0, result.Count));
        }

        var bytes = _buffer.GetRange(0, count).ToArray();
        _buffer.RemoveRange(0, count);
        return bytes;
    }

    public sealed record Screen(uint[] Pixels, int Width)
    {
        public uint Pixel(int x, int y) => Pixels[(y * Width) + x];
    }
}
