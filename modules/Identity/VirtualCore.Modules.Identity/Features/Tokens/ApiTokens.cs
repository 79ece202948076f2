using System.Security.Cryptography;
using System.Text;
using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Security;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Identity.Domain;

namespace VirtualCore.Modules.Identity.Features.Tokens;

public sealed record ApiTokenView(Guid Id, string Name, string Prefix, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt, string Status);

/// <summary>The token itself is in <paramref name="Token"/>, shown this once; only its hash is kept.</summary>
public sealed record CreatedApiToken(ApiTokenView Details, string Token);

/// <summary>The caller's own tokens.</summary>
public sealed record ListApiTokens : IQuery<IReadOnlyList<ApiTokenView>>;

/// <param name="Name">What the token is for, e.g. "backup script".</param>
/// <param name="Scopes">read, operate, manage — what the token may do at most; never more than its user.</param>
/// <param name="ExpiresInDays">1 to 365.</param>
/// <remarks>Needs a fresh proof: a stolen session alone cannot mint a token that outlives it.</remarks>
public sealed record CreateApiToken(string? Name, IReadOnlyList<string>? Scopes, int ExpiresInDays) : ICommand<CreatedApiToken>, IRequiresFreshProof;

public sealed record RevokeApiToken(Guid TokenId) : ICommand<bool>;

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

internal sealed class CreateApiTokenValidator : IValidator<CreateApiToken>
{
    public ValueTask<IReadOnlyList<FieldError>> ValidateAsync(CreateApiToken request, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Trim().Length > 60)
        {
            errors.Add(new("name", "Name the token (at most 60 characters)."));
        }

        if (request.Scopes is not { Count: > 0 } || request.Scopes.Any(s => !ApiTokenFormat.AllScopes.Contains(s)))
        {
            errors.Add(new("scopes", "Choose one or more of: read, operate, manage."));
        }

        if (request.ExpiresInDays is < 1 or > 365)
        {
            errors.Add(new("expiresInDays", "A token lives 1 to 365 days."));
        }

        return ValueTask.FromResult<IReadOnlyList<FieldError>>(errors);
    }
}

internal sealed class ApiTokenHandlers(PortalDbContext db, ITenantContext tenant, ISecurityAudit audit, TimeProvider clock) :
    IQueryHandler<ListApiTokens, IReadOnlyList<ApiTokenView>>,
    ICommandHandler<CreateApiToken, CreatedApiToken>,
    ICommandHandler<RevokeApiToken, bool>
{
    public async ValueTask<IReadOnlyList<ApiTokenView>> Handle(ListApiTokens query, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        return (await db.Set<ApiToken>().AsNoTracking().Where(t => t.UserId == tenant.UserId).ToListAsync(cancellationToken))
            .OrderByDescending(t => t.CreatedAt).Select(t => ApiTokenFormat.View(t, now)).ToArray();
    }

    public ValueTask<CreatedApiToken> Handle(CreateApiToken command, CancellationToken cancellationToken)
    {
        var token = ApiTokenFormat.NewToken();
        var now = clock.GetUtcNow();
        var entity = new ApiToken
        {
            Id = Guid.NewGuid(),
            ResellerId = tenant.ResellerId!.Value,
            CustomerId = tenant.CustomerId ?? Guid.Empty,
            UserId = tenant.UserId!.Value,
            Name = command.Name!.Trim(),
            Prefix = token[..(ApiTokenFormat.Prefix.Length + 6)],
            Hash = ApiTokenFormat.HashOf(token),
            Scopes = string.Join(',', ApiTokenFormat.AllScopes.Where(command.Scopes!.Contains)),
            CreatedAt = now,
            ExpiresAt = now.AddDays(command.ExpiresInDays),
        };
        db.Add(entity);
        audit.Record("token.created", entity.Name, $"scopes {entity.Scopes}, expires {entity.ExpiresAt:yyyy-MM-dd}");
        return ValueTask.FromResult(new CreatedApiToken(ApiTokenFormat.View(entity, now), token));
    }

    public async ValueTask<bool> Handle(RevokeApiToken command, CancellationToken cancellationToken)
    {
        var token = await db.Set<ApiToken>().SingleOrDefaultAsync(t => t.Id == command.TokenId && t.UserId == tenant.UserId, cancellationToken)
            ?? throw new NotFoundException("The token");
        token.RevokedAt ??= clock.GetUtcNow();
        audit.Record("token.revoked", token.Name);
        return true;
    }
}
