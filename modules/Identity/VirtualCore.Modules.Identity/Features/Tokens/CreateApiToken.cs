using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Security;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Identity.Domain;

namespace VirtualCore.Modules.Identity.Features.Tokens;

/// <param name="Name">What the token is for, e.g. "backup script".</param>
/// <param name="Scopes">read, operate, manage — what the token may do at most; never more than its user.</param>
/// <param name="ExpiresInDays">1 to 365.</param>
/// <remarks>Needs a fresh proof: a stolen session alone cannot mint a token that outlives it.</remarks>
public sealed record CreateApiToken(string? Name, IReadOnlyList<string>? Scopes, int ExpiresInDays) : ICommand<CreatedApiToken>, IRequiresFreshProof;

/// <summary>A token's name, scopes and lifetime.</summary>
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

/// <summary>Creates a token of the caller; only its hash is kept.</summary>
internal sealed class CreateApiTokenHandler(PortalDbContext db, ITenantContext tenant, ISecurityAudit audit, TimeProvider clock) : ICommandHandler<CreateApiToken, CreatedApiToken>
{
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
}
