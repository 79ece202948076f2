using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Modules.Identity.Web;

namespace VirtualCore.Architecture.Tests.Fixtures;

/// <summary>A host that configures a module's web layer itself instead of leaving it to the module.</summary>
public static class RogueHost
{
    public static IServiceCollection Configure(IServiceCollection services) =>
        services.Configure<SessionPolicy>(policy => policy.ToString());
}

/// <summary>A host that sets up an authentication scheme, which is the Identity module's to register.</summary>
public static class RogueAuthenticationHost
{
    public static AuthenticationBuilder Configure(IServiceCollection services) =>
        services.AddAuthentication("rogue").AddCookie("rogue");
}
