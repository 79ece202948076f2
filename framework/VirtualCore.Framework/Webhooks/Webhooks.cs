using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace VirtualCore.Framework.Webhooks;

/// <summary>
/// Where the portal may send webhooks. By default only https to public addresses: never loopback, link-local (cloud
/// metadata at 169.254.169.254), private, shared, multicast or reserved ranges, so a customer cannot make the portal
/// reach the provider's own network (server-side request forgery). The operator may allow private addresses and plain
/// http for an internal receiver (<c>Webhooks:AllowPrivateAddresses</c>, <c>Webhooks:AllowHttp</c>).
/// </summary>
public sealed class WebhookOptions
{
    public bool AllowPrivateAddresses { get; set; }

    public bool AllowHttp { get; set; }

    /// <summary>How long one delivery may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The pause after the first failed attempt; each further one doubles it, up to an hour, for 24 hours.</summary>
    public TimeSpan FirstRetryAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How many webhook subscriptions one account (customer, reseller, the provider) may have.</summary>
    public int MaxSubscriptions { get; set; } = 25;

    /// <summary>The pause before attempt number <paramref name="attempts"/> + 1 after <paramref name="attempts"/> failed ones.</summary>
    public TimeSpan RetryPause(int attempts) =>
        TimeSpan.FromSeconds(Math.Min(3_600, FirstRetryAfter.TotalSeconds * Math.Pow(2, Math.Min(Math.Max(attempts - 1, 0), 20))));
}

/// <summary>Checks webhook URLs and the addresses they resolve to, when a URL is saved and again at every connection.</summary>
public static class WebhookAddressGuard
{
    public const int MaxUrlLength = 2000;

    /// <summary>Why the URL cannot take webhooks, or null when it can (its host name is resolved at delivery).</summary>
    public static string? Refusal(string? url, WebhookOptions options)
    {
        if (string.IsNullOrWhiteSpace(url) || url.Length > MaxUrlLength)
        {
            return $"Give an absolute URL of at most {MaxUrlLength} characters.";
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || string.IsNullOrEmpty(uri.Host))
        {
            return "Give an absolute https URL.";
        }

        if (uri.Scheme == "http" && !options.AllowHttp)
        {
            return "Webhooks go to https URLs only.";
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            return "A webhook URL carries no user name or password; the signature authenticates the portal.";
        }

        if (!options.AllowPrivateAddresses)
        {
            var host = uri.IdnHost.TrimEnd('.');
            if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
                || host.EndsWith(".internal", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".local", StringComparison.OrdinalIgnoreCase))
            {
                return "Webhooks go to public addresses only, not to this network's names.";
            }

            if (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var literal) && !IsPublic(literal))
            {
                return "Webhooks go to public addresses only, not to loopback, private, link-local or reserved ones.";
            }
        }

        return null;
    }

    /// <summary>Whether an address is on the public internet (unicast, routable, not reserved for special use).</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address))
        {
            return false;
        }

        var b = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return !(b[0] == 0 || b[0] == 10 || b[0] == 127 || b[0] >= 224
                || (b[0] == 100 && b[1] >= 64 && b[1] < 128)      // shared address space (carrier-grade NAT)
                || (b[0] == 169 && b[1] == 254)                   // link-local, cloud metadata
                || (b[0] == 172 && b[1] >= 16 && b[1] < 32)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 192 && b[1] == 0 && b[2] is 0 or 2)   // IETF protocol assignments, TEST-NET-1
                || (b[0] == 198 && b[1] is 18 or 19)              // benchmarking
                || (b[0] == 198 && b[1] == 51 && b[2] == 100)     // TEST-NET-2
                || (b[0] == 203 && b[1] == 0 && b[2] == 113));    // TEST-NET-3
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            return !(address.Equals(IPAddress.IPv6Any) || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast
                || (b[0] & 0xfe) == 0xfc                          // unique local
                || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) // documentation
                || (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b) // NAT64, may reach private IPv4
                || (b[0] == 0x20 && b[1] == 0x02)                 // 6to4, may embed any IPv4
                || (b[0] & 0xe0) != 0x20);                        // outside the global unicast block
        }

        return false;
    }

    /// <summary>
    /// An HTTP handler for webhooks: it connects only to addresses the options allow, checked after resolving the name
    /// at connection time (a name that resolves to a public address when saved and to a private one later is refused
    /// then), and follows no redirects.
    /// </summary>
    public static SocketsHttpHandler Handler(WebhookOptions options) => new()
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        UseProxy = false,
        ConnectTimeout = options.Timeout,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectCallback = async (context, cancellationToken) =>
        {
            var addresses = await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, cancellationToken);
            var allowed = addresses.Where(a => options.AllowPrivateAddresses || IsPublic(a)).ToList();
            if (allowed.Count == 0)
            {
                throw new HttpRequestException($"'{context.DnsEndPoint.Host}' resolves to no address webhooks may go to.");
            }

            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(allowed.ToArray(), context.DnsEndPoint.Port, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };
}

/// <summary>
/// Signs webhook bodies as Stripe and GitHub do: <c>VirtualCore-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex&gt;</c>, where the
/// hex is HMAC-SHA256 with the subscription's secret over "&lt;t&gt;.&lt;body&gt;". A receiver recomputes it, compares in
/// constant time and refuses a timestamp older than a few minutes (replay).
/// </summary>
public static class WebhookSignature
{
    public const string Header = "VirtualCore-Signature";

    public const string SecretPrefix = "whsec_";

    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string Sign(string secret, long timestamp, string body)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + "." + body));
        return $"t={timestamp.ToString(CultureInfo.InvariantCulture)},v1={Convert.ToHexStringLower(mac)}";
    }

    /// <summary>What a receiver does: true when the header signs the body with the secret and is at most <paramref name="tolerance"/> old.</summary>
    public static bool Verify(string secret, string header, string body, DateTimeOffset now, TimeSpan tolerance)
    {
        var parts = header.Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToList();
        if (parts.FirstOrDefault(p => p[0] == "t") is not { } t || !long.TryParse(t[1], NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp)
            || Math.Abs(now.ToUnixTimeSeconds() - timestamp) > tolerance.TotalSeconds)
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Sign(secret, timestamp, body).Split("v1=")[1]);
        return parts.Where(p => p[0] == "v1").Any(p => CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(p[1])));
    }
}
