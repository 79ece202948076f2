using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace VirtualCore.Cli;

/// <summary>
/// The portal's REST API as vcore uses it: JSON in and out, and every refusal turned into a <see cref="CliException"/>
/// with the problem document's title and detail (and each field's reason) and the exit code its status means.
/// </summary>
public sealed class PortalClient : IDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly HttpClient _http;

    public PortalClient(Uri baseAddress, AuthenticationHeaderValue? credentials, CookieContainer? cookies = null)
    {
        _http = new HttpClient(Handler(cookies));
        _http.BaseAddress = baseAddress;
        _http.Timeout = TimeSpan.FromSeconds(100);
        _http.DefaultRequestHeaders.Authorization = credentials;
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("vcore", typeof(PortalClient).Assembly.GetName().Version?.ToString(3) ?? "0"));
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
    }

    public Uri BaseAddress => _http.BaseAddress!;

    /// <summary>
    /// Whether <paramref name="uri"/> names this machine: a loopback address, <c>localhost</c> or a name below it
    /// (RFC 6761: every <c>*.localhost</c> is this machine, as browsers resolve it for a reseller's portal such as
    /// <c>kamp.localhost</c>).
    /// </summary>
    public static bool IsThisMachine(Uri uri) =>
        uri.IsLoopback || uri.Host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase) || string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The connection handler: names below <c>localhost</c> connect to this machine's loopback address (the system's
    /// resolver knows only <c>localhost</c> itself), with the request still carrying the name — the portal tells its
    /// resellers apart by it.
    /// </summary>
    private static SocketsHttpHandler Handler(CookieContainer? cookies)
    {
        var handler = new SocketsHttpHandler { UseCookies = cookies is not null, CookieContainer = cookies ?? new CookieContainer() };
        handler.ConnectCallback = async (context, ct) =>
        {
            var host = context.DnsEndPoint.Host;
            var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
            try
            {
                if (host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
                {
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, context.DnsEndPoint.Port), ct);
                }
                else
                {
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                }

                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        };
        return handler;
    }

    /// <summary>
    /// A connection to the portal's live feed (<c>/hubs/live</c>, the SignalR hub the pages follow jobs on), with this
    /// client's token and its way to this machine's names; job changes arrive as <c>job</c> messages.
    /// </summary>
    public HubConnection LiveConnection()
    {
        var credentials = _http.DefaultRequestHeaders.Authorization?.ToString();
        return new HubConnectionBuilder()
            .WithUrl(new Uri(BaseAddress, "hubs/live"), o =>
            {
                if (credentials is not null)
                {
                    o.Headers["Authorization"] = credentials;
                }

                o.HttpMessageHandlerFactory = _ => Handler(null);
                o.WebSocketFactory = async (context, ct) =>
                {
                    var socket = new ClientWebSocket();
                    if (credentials is not null)
                    {
                        socket.Options.SetRequestHeader("Authorization", credentials);
                    }

                    try
                    {
                        // The invoker lives as long as the socket: the upgraded connection is its handler's.
                        await socket.ConnectAsync(context.Uri, new HttpMessageInvoker(Handler(null)), ct);
                        return socket;
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }
                };
            })
            .Build();
    }

    /// <summary>
    /// A WebSocket to a path of the portal (a console's relay), with this client's token and the portal's own origin,
    /// which the relay requires (browsers send theirs; this is not one, and says where it is connecting to).
    /// </summary>
    public async Task<ClientWebSocket> OpenWebSocketAsync(string path, CancellationToken ct)
    {
        var target = new UriBuilder(new Uri(BaseAddress, path.TrimStart('/'))) { Scheme = BaseAddress.Scheme == Uri.UriSchemeHttps ? "wss" : "ws" }.Uri;
        var socket = new ClientWebSocket();
        if (_http.DefaultRequestHeaders.Authorization is { } credentials)
        {
            socket.Options.SetRequestHeader("Authorization", credentials.ToString());
        }

        socket.Options.SetRequestHeader("Origin", BaseAddress.GetLeftPart(UriPartial.Authority));
        try
        {
            await socket.ConnectAsync(target, new HttpMessageInvoker(Handler(null)), ct);
            return socket;
        }
        catch (WebSocketException ex)
        {
            socket.Dispose();
            throw new CliException(ExitCodes.Unreachable, $"The portal did not open the console: {ex.Message}");
        }
    }

    /// <summary>Extra headers sent with every request from now on (the anti-forgery token of a session).</summary>
    public HttpRequestHeaders Headers => _http.DefaultRequestHeaders;

    public static PortalClient WithToken(string url, string token) =>
        new(ParseUrl(url), new AuthenticationHeaderValue("Bearer", token));

    public static Uri ParseUrl(string url)
    {
        if (!Uri.TryCreate(url.TrimEnd('/') + "/", UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new CliException(ExitCodes.Usage, $"'{url}' is not a portal address: give one like https://cloud.example.com.");
        }

        return uri;
    }

    public Task<JsonElement> GetAsync(string path, CancellationToken ct) => SendAsync(HttpMethod.Get, path, null, ct);

    public Task<JsonElement> PostAsync(string path, object? body, CancellationToken ct) => SendAsync(HttpMethod.Post, path, body, ct);

    public Task<JsonElement> DeleteAsync(string path, CancellationToken ct) => SendAsync(HttpMethod.Delete, path, null, ct);

    /// <summary>Sends a request as it is (headers, any body) and returns the answer when it succeeded; refusals as for JSON.</summary>
    public async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct);
        }
        catch (HttpRequestException ex)
        {
            throw new CliException(ExitCodes.Unreachable, $"Cannot reach the portal at {BaseAddress}: {ex.Message}");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new CliException(ExitCodes.Unreachable, $"The portal at {BaseAddress} did not answer within {_http.Timeout.TotalSeconds:0} s.");
        }

        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                throw Refusal(response.StatusCode, await response.Content.ReadAsStringAsync(ct));
            }
        }

        return response;
    }

    public async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: Json);
        }

        using (var response = await SendRawAsync(request, ct))
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            if (string.IsNullOrWhiteSpace(text) || response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.OrdinalIgnoreCase) != true)
            {
                return default;
            }

            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
    }

    /// <summary>The exit code a refusal's status means.</summary>
    public static int ExitCodeOf(HttpStatusCode status) => (int)status switch
    {
        401 => ExitCodes.NotSignedIn,
        403 => ExitCodes.NotAllowed,
        404 or 410 => ExitCodes.NotFound,
        >= 500 => ExitCodes.Unreachable,
        _ => ExitCodes.Refused,
    };

    private static CliException Refusal(HttpStatusCode status, string text)
    {
        var message = new StringBuilder();
        try
        {
            using var problem = JsonDocument.Parse(text);
            var root = problem.RootElement;
            var title = root.TryGetProperty("title", out var t) ? t.GetString() : null;
            var detail = root.TryGetProperty("detail", out var d) ? d.GetString() : null;
            message.Append(title ?? $"{(int)status} {status}");
            if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
            {
                foreach (var field in errors.EnumerateObject())
                {
                    foreach (var reason in field.Value.EnumerateArray())
                    {
                        message.Append('\n').Append("  ").Append(field.Name).Append(": ").Append(reason.GetString());
                    }
                }
            }
            else if (!string.IsNullOrEmpty(detail))
            {
                message.Append(' ').Append(detail);
            }
        }
        catch (JsonException)
        {
            message.Append((int)status).Append(' ').Append(status);
        }

        return new CliException(ExitCodeOf(status), message.ToString());
    }

    public void Dispose() => _http.Dispose();
}
