using Microsoft.AspNetCore.Builder;
using VirtualCore.Framework.Tenancy;

namespace VirtualCore.Framework.Security;

/// <summary>
/// What an API token may do at most, following the permission levels: read ⊂ operate ⊂ manage. Every API endpoint
/// declares the scope it needs; an endpoint that declares none refuses tokens altogether.
/// </summary>
public static class ApiScopes
{
    public const string Read = "read";
    public const string Operate = "operate";
    public const string Manage = "manage";

    public static readonly IReadOnlyList<string> All = [Read, Operate, Manage];

    /// <summary>The claim that carries the id of the API token a caller came with.</summary>
    public const string TokenIdClaim = "vcore:token";

    /// <summary>The access level a scope stands for; null for an unknown word.</summary>
    public static AccessLevel? LevelOf(string scope) => scope switch
    {
        Read => AccessLevel.View,
        Operate => AccessLevel.Operate,
        Manage => AccessLevel.Manage,
        _ => null,
    };

    /// <summary>The scope a level needs.</summary>
    public static string Of(AccessLevel level) => level switch
    {
        AccessLevel.Manage => Manage,
        AccessLevel.Operate => Operate,
        _ => Read,
    };

    /// <summary>The endpoint can be called with an API token holding <paramref name="scope"/> or more.</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope)
        where TBuilder : IEndpointConventionBuilder
    {
        if (LevelOf(scope) is null)
        {
            throw new ArgumentException($"'{scope}' is not a scope; use read, operate or manage.", nameof(scope));
        }

        return builder.WithMetadata(new RequiredScope(scope));
    }

    /// <summary>The endpoint is for people only (their password, one-time password and tokens): API tokens are refused.</summary>
    public static TBuilder DenyApiTokens<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiredScope(null));
}

/// <summary>Endpoint metadata: the token scope the endpoint needs, or null when tokens are refused.</summary>
public sealed record RequiredScope(string? Scope)
{
    public AccessLevel? Level => Scope is null ? null : ApiScopes.LevelOf(Scope);
}
