using System.Security.Cryptography;
using System.Text;
using VirtualCore.Framework.Security;
using VirtualCore.Modules.Identity.Domain;

namespace VirtualCore.Modules.Identity.Features.Tokens;

public sealed record ApiTokenView(Guid Id, string Name, string Prefix, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt, string Status);

/// <summary>The token itself is in <paramref name="Token"/>, shown this once; only its hash is kept.</summary>
public sealed record CreatedApiToken(ApiTokenView Details, string Token);

/// <summary>What an API token looks like (prefix, random part), its stored hash, and its view.</summary>
internal static class ApiTokenFormat
{
    public const string Prefix = "vct_";

    public static readonly string[] AllScopes = [.. ApiScopes.All];

    public static string NewToken() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string HashOf(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public static ApiTokenView View(ApiToken t, DateTimeOffset now) => new(
        t.Id, t.Name, t.Prefix, t.Scopes.Split(',', StringSplitOptions.RemoveEmptyEntries), t.CreatedAt, t.ExpiresAt, t.RevokedAt, t.LastUsedAt,
        t.RevokedAt is not null ? "revoked" : t.ExpiresAt <= now ? "expired" : "active");
}
