using MassTransit;
using VirtualCore.Framework.Localisation;
using VirtualCore.Framework.Messaging;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Framework.Web;
using VirtualCore.Portal;
using VirtualCore.Portal.Hosting;

var builder = WebApplication.CreateBuilder(args);
var configuration = builder.Configuration;
var dataDirectory = Path.GetFullPath(configuration["DataDirectory"] ?? Path.Combine(builder.Environment.ContentRootPath, "data"));
Directory.CreateDirectory(dataDirectory);
configuration["DataDirectory"] = dataDirectory;
var provider = configuration["Database:Provider"] ?? "Sqlite";
var themesRoot = configuration["Themes:Root"] ?? Path.Combine(AppContext.BaseDirectory, "themes");

// The embedded default (./run.sh, the tests) has demo tenants and logins; a production configuration never does.
// PostgreSQL is production's database: only the test harness's own environment may run demo tenants on it.
var production = builder.Environment.IsProduction() || (PortalServices.IsPostgres(provider) && !builder.Environment.IsEnvironment("Testing"));
var demoData = configuration.GetValue("DemoData", !production);

var modules = PortalModules.Catalog();
var services = builder.Services;
services.AddPortalCore(modules)
    .AddPortalDatabase(configuration, provider, dataDirectory)
    .AddPortalWeb(themesRoot)
    .AddPortalObservability();

foreach (var module in modules.Modules)
{
    module.ConfigureServices(services, configuration);
}

services.AddVirtualCoreBus(
    configuration,
    bus =>
    {
        foreach (var module in modules.Modules)
        {
            module.ConfigureBus(bus);
        }
    },
    (context, transport) => transport.UseConsumeFilter(typeof(NodeReportIdentityFilter<>), context));
var embedded = services.AddEmbeddedRackServers(configuration, dataDirectory);
if (demoData && configuration.GetValue("DemoVms", true))
{
    services.AddHostedService<DemoVms>();
}

var app = builder.Build();

// `VirtualCore.Portal migrate`: upgrade the database's schema and stop, before new instances start (see docs/operations).
if (args.Length > 0 && args[0] == "migrate")
{
    return await PortalStartup.MigrateAsync(app);
}

if (!await PortalStartup.PrepareAsync(app, modules, themesRoot, production, demoData))
{
    // Disposing flushes the console log, so the reason for the refusal is never lost with the process.
    await app.DisposeAsync();
    return 1;
}

app.UseServerTiming();
app.UseForwardedHeaders();
app.UseSecurityHeaders();
app.UseExceptionHandler();
app.UseHtmlStatusPages();
app.UseHostTenancy();
app.UseAuthentication();
app.UseRequestLanguage();
app.UseHostTenancyCheck();
app.UseApiRateLimits();
app.UseApiAntiforgery();
app.UseAuthorization();
app.UseRateLimiter();
app.UseApiConditionalRequests();

// The console's WebSockets (each checks its own Origin: same origin only, see ConsoleEndpoints).
app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(20) });
app.MapOpenApi("/openapi/{documentName}.json");
app.MapApiReference();
app.MapThemeAssets();
app.MapGet("/health", () => Results.Ok(new { status = "ok" })).ExcludeFromDescription();
app.MapPortalObservability();
foreach (var module in modules.Modules)
{
    module.MapEndpoints(app);
}

app.Lifetime.ApplicationStarted.Register(() => PortalStartup.PrintWelcome(app, embedded.Enabled, demoData && !production));
await app.RunAsync();
return 0;

/// <summary>The entry point, visible to the integration tests.</summary>
public partial class Program;
