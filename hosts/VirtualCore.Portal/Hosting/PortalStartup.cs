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
    /// <summary>
    /// Checks the themes, upgrades the schema, adds the records every installation needs and, on the embedded
    /// default, the demo data, before the portal takes requests. A production configuration refuses to start
    /// (false, with the reason in the log) when it would serve demo logins.
    /// </summary>
    public static async Task<bool> PrepareAsync(WebApplication app, ModuleCatalog modules, string themesRoot, bool production, bool demoData)
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

        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("VirtualCore.Portal");
        var configuration = $"environment '{app.Environment.EnvironmentName}', database '{app.Configuration["Database:Provider"] ?? "Sqlite"}'";
        if (production && demoData)
        {
            logger.LogCritical(
                "Refusing to start: DemoData is switched on in a production configuration ({Configuration}). The demo logins have well-known passwords. "
                + "Remove the DemoData setting (or set DemoData=false); to try the portal with its demo data, start the embedded default with ./run.sh.",
                configuration);
            return false;
        }

        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        await db.Database.MigrateAsync();
        if (production)
        {
            foreach (var probe in scope.ServiceProvider.GetServices<IDemoDataProbe>())
            {
                if (await probe.FindAsync(CancellationToken.None) is { } found)
                {
                    logger.LogCritical(
                        "Refusing to start: the database holds {Found}, and this is a production configuration ({Configuration}). "
                        + "Start production on a new, empty database: the first operator is then set up with a one-time token at /setup. "
                        + "The demo data belongs to the embedded default (./run.sh) only.",
                        found, configuration);
                    return false;
                }
            }
        }

        foreach (var required in scope.ServiceProvider.GetServices<IRequiredData>())
        {
            await required.EnsureAsync(CancellationToken.None);
        }

        if (demoData)
        {
            foreach (var seed in scope.ServiceProvider.GetServices<ISeedData>())
            {
                await seed.SeedAsync(CancellationToken.None);
            }
        }

        return true;
    }

    /// <summary>Applies the migrations the database lacks and says which; 0 when the schema is current.</summary>
    public static async Task<int> MigrateAsync(WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("VirtualCore.Portal");
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var pending = (await db.Database.GetPendingMigrationsAsync()).ToArray();
        await db.Database.MigrateAsync();
        if (pending.Length == 0)
        {
            logger.LogInformation("The database schema is current ({Provider}); nothing to apply.", db.Database.ProviderName);
        }
        else
        {
            logger.LogInformation("Applied {Count} migrations ({Provider}): {Migrations}", pending.Length, db.Database.ProviderName, string.Join(", ", pending));
        }

        await app.DisposeAsync();
        return 0;
    }

    public static void PrintWelcome(WebApplication app, bool embedded, bool demoLogins)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var url = addresses.FirstOrDefault() ?? "http://localhost:5080";
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("VirtualCore.Portal");
        if (demoLogins)
        {
            logger.LogInformation(
                "VirtualCore Platform is running. Sign in at {Url}/login as 'demo' with password 'demo-pass-1' (customer admin of Demo GmbH); "
                + "'operator' / 'operator-pass-1' for the provider. API: {Url}/api/docs. Simulated rack servers: {Embedded}.",
                url, url, embedded);
        }
        else
        {
            logger.LogInformation("VirtualCore Platform is running at {Url}. API: {Url}/api/docs. Simulated rack servers: {Embedded}.", url, url, embedded);
        }
    }
}
