using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using VirtualCore.Framework.Security;

namespace VirtualCore.Modules.Identity.Web;

/// <summary>
/// Part of the default policy of every endpoint that needs a signed-in caller: a caller with an API token passes only
/// where the endpoint declares a scope (<see cref="ApiScopes.RequireScope{TBuilder}"/>) and the token holds it or a
/// higher one. An endpoint that declares none refuses tokens, so whatever is added later is closed to them until it
/// says otherwise. People (cookie, Basic) are not affected.
/// </summary>
internal sealed class TokenScopeRequirement : AuthorizationHandler<TokenScopeRequirement>, IAuthorizationRequirement
{
    public static string? Refusal(HttpContext http)
    {
        if (RolePermissionChecker.TokenLevel(http.User) is not { } level)
        {
            return null;
        }

        var required = http.GetEndpoint()?.Metadata.GetMetadata<RequiredScope>();
        return required?.Level switch
        {
            null => "API tokens cannot be used here; sign in.",
            var needed when level < needed => $"This API token's scope does not allow this; it needs the scope '{required.Scope}'.",
            _ => null,
        };
    }

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, TokenScopeRequirement requirement)
    {
        if (context.Resource is HttpContext http && Refusal(http) is { } reason)
        {
            context.Fail(new AuthorizationFailureReason(this, reason));
        }
        else
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

/// <summary>API refusals by the authorisation middleware are problem documents that say why, like every other refusal.</summary>
internal sealed class ProblemAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden && context.Request.Path.StartsWithSegments("/api") && TokenScopeRequirement.Refusal(context) is { } reason)
        {
            await Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not allowed.", detail: reason).ExecuteAsync(context);
            return;
        }

        await _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
