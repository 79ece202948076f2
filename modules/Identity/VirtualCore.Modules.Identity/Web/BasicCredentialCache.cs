using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;

namespace VirtualCore.Modules.Identity.Web;

/// <summary>Right Basic credentials of the last minute, by an HMAC of reseller and credentials under a key that never leaves the process.</summary>
internal sealed class BasicCredentialCache(TimeProvider clock)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, (ClaimsPrincipal Principal, DateTimeOffset Until)> _entries = new();

    public string KeyOf(Guid? resellerId, string credentials) =>
        Convert.ToHexString(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"{resellerId:N}\n{credentials}")));

    public ClaimsPrincipal? TryGet(string key) =>
        _entries.TryGetValue(key, out var entry) && entry.Until > clock.GetUtcNow() ? entry.Principal : null;

    public void Set(string key, ClaimsPrincipal principal)
    {
        if (_entries.Count > 10_000)
        {
            _entries.Clear();
        }

        _entries[key] = (principal, clock.GetUtcNow() + Lifetime);
    }

    public void Remove(string key) => _entries.TryRemove(key, out _);
}
