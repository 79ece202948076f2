using Mediator;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Messaging;
using VirtualCore.Framework.Modules;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Framework.Views;
using VirtualCore.Framework.Web;
using VirtualCore.Modules.Identity;
using VirtualCore.Modules.Identity.Web;
using VirtualCore.Modules.Infrastructure;
using VirtualCore.NodeAgent;
using VirtualCore.Portal;
using VirtualCore.Portal.Hosting;
using VirtualCore.Portal.Persistence;

var builder = WebApplication.CreateBuilder(args);
var configuration = builder.Configuration;
var dataDirectory = Path.GetFullPath(configuration["DataDirectory"] ?? Path.Combine(builder.Environment.ContentRootPath, "data"));
Directory.CreateDirectory(dataDirectory);

var modules = PortalModules.Catalog();
var services = builder.Services;
services.AddSingleton(modules);
services.AddSingleton(TimeProvider.System);
services.AddHttpContextAccessor();
services.AddScoped<ScopedTenantContext>();
services.AddScoped<ITenantContext>(sp => sp.GetRequiredService<ScopedTenantContext>());
services.AddScoped<AfterCommitActions>();
services.AddSingleton<RequestPermissions>();

// Database: SQLite under the data folder by default, PostgreSQL by configuration; the schema comes from migrations.
var provider = configuration["Database:Provider"] ?? "Sqlite";
if (string.Equals(provider, "PostgreSQL", StringComparison.OrdinalIgnoreCase))
{
    var connectionString = configuration["Database:ConnectionString"]
        ?? throw new InvalidOperationException("Database:ConnectionString is required for PostgreSQL.");
    services.AddDbContext<PostgresPortalDbContext>(o => o.UseNpgsql(connectionString));
    services.AddScoped<PortalDbContext>(sp => sp.GetRequiredService<PostgresPortalDbContext>());
}
else if (string.Equals(provider, "Sqlite", StringComparison.OrdinalIgnoreCase))
{
    var connectionString = configuration["Database:ConnectionString"] ?? $"Data Source={Path.Combine(dataDirectory, "virtualcore.db")}";
    services.AddDbContext<SqlitePortalDbContext>(o => o.UseSqlite(connectionString));
    services.AddScoped<PortalDbContext>(sp => sp.GetRequiredService<SqlitePortalDbContext>());
}
else
{
    throw new InvalidOperationException($"Database:Provider '{provider}' is unknown; use 'Sqlite' or 'PostgreSQL'.");
}

services.AddMediator(options =>
{
    options.ServiceLifetime = ServiceLifetime.Scoped;
    options.PipelineBehaviors =
    [
        typeof(LoggingBehaviour<,>), typeof(AuthorisationBehaviour<,>), typeof(UnitOfWorkBehaviour<,>), typeof(ValidationBehaviour<,>),
    ];
});

// Embedded rack servers are registered with Infrastructure like any other.
var embedded = configuration.GetSection(EmbeddedRackServerOptions.Section).Get<EmbeddedRackServerOptions>() ?? new EmbeddedRackServerOptions();
services.PostConfigure<InfrastructureOptions>(o =>
{
    if (embedded.Enabled)
    {
        o.RackServers.AddRange(EmbeddedRackServers.Registrations(embedded).Where(r => o.RackServers.All(x => x.Name != r.Name)));
    }
});

foreach (var module in modules.Modules)
{
    module.ConfigureServices(services, configuration);
}

services.AddVirtualCoreBus(configuration, bus =>
{
    foreach (var module in modules.Modules)
    {
        module.ConfigureBus(bus);
    }
});
if (embedded.Enabled)
{
    services.AddNodeAgents(EmbeddedRackServers.AgentsFor(embedded, dataDirectory, configuration));
}

if (configuration.GetValue("DemoData", true) && configuration.GetValue("DemoVms", true))
{
    services.AddHostedService<DemoVms>();
}

var themesRoot = configuration["Themes:Root"] ?? Path.Combine(AppContext.BaseDirectory, "themes");
services.AddVirtualCoreViews(o => o.ThemesRoot = themesRoot);
services.AddScoped<IPageRenderer, ThemedPageRenderer>();
services.AddScoped<AntiforgeryFilter>();

services.AddAuthentication(o =>
    {
        o.DefaultScheme = "portal";
        o.DefaultChallengeScheme = "portal";
    })
    .AddPolicyScheme("portal", "Cookie, API token or Basic", o => o.ForwardDefaultSelector = http =>
        http.Request.Headers.Authorization.ToString() switch
        {
            var h when h.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) => ApiTokenAuthenticationHandler.SchemeName,
            var h when h.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase) => BasicAuthenticationHandler.SchemeName,
            _ => CookieAuthenticationDefaults.AuthenticationScheme,
        })
    .AddCookie(CookieAuthenticationDefaults.AuthenticationScheme, o =>
    {
        o.Cookie.Name = "vcore.session";
        o.Cookie.HttpOnly = true;
        o.Cookie.SameSite = SameSiteMode.Strict;
        o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        o.LoginPath = "/login";
        o.ExpireTimeSpan = TimeSpan.FromHours(8);
        o.SlidingExpiration = true;
        o.Events.OnRedirectToLogin = ctx => ApiAware(ctx, StatusCodes.Status401Unauthorized);
        o.Events.OnRedirectToAccessDenied = ctx => ApiAware(ctx, StatusCodes.Status403Forbidden);
    })
    .AddCookie(LoginSteps.PendingScheme, o =>
    {
        // Between the password and the one-time password: short-lived, and good for nothing but the next step.
        o.Cookie.Name = "vcore.pending";
        o.Cookie.HttpOnly = true;
        o.Cookie.SameSite = SameSiteMode.Strict;
        o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        o.ExpireTimeSpan = TimeSpan.FromMinutes(10);
        o.SlidingExpiration = false;
    })
    .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null)
    .AddScheme<AuthenticationSchemeOptions, BasicAuthenticationHandler>(BasicAuthenticationHandler.SchemeName, null);
services.AddAuthorization();

// Sessions and anti-forgery tokens stay valid across restarts and, in production, across portal instances sharing the folder.
services.AddDataProtection()
    .SetApplicationName("VirtualCore.Portal")
    .PersistKeysToFileSystem(new DirectoryInfo(configuration["DataProtection:KeysDirectory"] ?? Path.Combine(dataDirectory, "keys")));
services.AddAntiforgery(o =>
{
    o.Cookie.Name = "vcore.csrf";
    o.Cookie.SameSite = SameSiteMode.Strict;
    o.FormFieldName = "__csrf";
});
services.AddProblemDetails();
services.AddExceptionHandler<HtmlExceptionHandler>();
services.AddExceptionHandler<RequestExceptionHandler>();
services.AddOpenApi("v1", o => o.AddDocumentTransformer((document, _, _) =>
{
    document.Info.Title = "VirtualCore Platform API";
    document.Info.Version = "v1";
    document.Info.Description = "vServers, jobs and rack servers. Authenticate with HTTP Basic or the session cookie from POST /api/v1/session.";
    return Task.CompletedTask;
}));
services.Configure<ForwardedHeadersOptions>(o => o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto);

var app = builder.Build();

await PortalStartup.PrepareAsync(app, modules, themesRoot);

app.UseForwardedHeaders();
app.UseExceptionHandler();
app.UseHtmlStatusPages();
app.UseHostTenancy();
app.UseAuthentication();
app.UseHostTenancyCheck();
app.UseAuthorization();
app.MapOpenApi("/openapi/{documentName}.json");
app.MapGet("/themes/{theme}/assets/{**path}", (string theme, string path, ThemeRegistry themes) =>
    themes.TryGetAssetPath(theme, "assets/" + path, out var file) || themes.TryGetAssetPath(theme, path, out file)
        ? Results.File(file, ContentTypes.For(file))
        : Results.NotFound()).ExcludeFromDescription();
app.MapGet("/health", () => Results.Ok(new { status = "ok" })).ExcludeFromDescription();
foreach (var module in modules.Modules)
{
    module.MapEndpoints(app);
}

app.Lifetime.ApplicationStarted.Register(() => PortalStartup.PrintWelcome(app, embedded.Enabled));
await app.RunAsync();

static Task ApiAware(RedirectContext<CookieAuthenticationOptions> context, int status)
{
    if (context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/hubs"))
    {
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    }

    context.Response.Redirect(context.RedirectUri);
    return Task.CompletedTask;
}

/// <summary>The entry point, visible to the integration tests.</summary>
public partial class Program;
