using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Modules;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Views;
using VirtualCore.Framework.Web;

namespace VirtualCore.Portal.Hosting;

internal static class PortalStartup
{
    /// <summary>Checks the themes, upgrades the schema and adds the demo data, before the portal takes requests.</summary>
    public static async Task PrepareAsync(WebApplication app, ModuleCatalog modules, string themesRoot)
    {
        var themes = app.Services.GetRequiredService<ThemeRegistry>();
        var missing = modules.Modules.SelectMany(m => m.Manifest.Templates.Select(t => (Module: m.Manifest.Id, Template: t)))
            .Append((Module: "Portal", Template: "Layout.sbn-html"))
            .Append((Module: "Portal", Template: HtmlErrorPages.Template))
            .Where(x => !themes.TryGetTemplateText("Default", x.Template, out _))
            .ToArray();
        if (missing.Length > 0)
        {
            throw new InvalidOperationException(
                $"The Default theme under '{themesRoot}' lacks templates: " + string.Join(", ", missing.Select(m => $"{m.Template} ({m.Module})")));
        }

        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        await db.Database.MigrateAsync();
        if (app.Configuration.GetValue("DemoData", true))
        {
            foreach (var seed in scope.ServiceProvider.GetServices<ISeedData>())
            {
                await seed.SeedAsync(CancellationToken.None);
            }
        }
    }

    public static void PrintWelcome(WebApplication app, bool embedded)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var url = addresses.FirstOrDefault() ?? "http://localhost:5080";
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("VirtualCore.Portal");
        logger.LogInformation(
            "VirtualCore Platform is running. Sign in at {Url}/login as 'demo' with password 'demo-pass-1' (customer admin of Demo GmbH); "
            + "'operator' / 'operator-pass-1' for the provider. API: {Url}/openapi/v1.json. Simulated rack servers: {Embedded}.",
            url, url, embedded);
    }
}
