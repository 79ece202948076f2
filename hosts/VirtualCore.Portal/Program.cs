using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Messaging;
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
        typeof(LoggingBehaviour<,>),
        typeof(AuthorisationBehaviour<,>),
        typeof(UnitOfWorkBehaviour<,>),
        typeof(ValidationBehaviour<,>),
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

// The embedded default (./run.sh, the tests) has demo tenants and logins; a production configuration never does.
// PostgreSQL is production's database: only the test harness's own environment may run demo tenants on it.
var production = builder.Environment.IsProduction()
    || (string.Equals(provider, "PostgreSQL", StringComparison.OrdinalIgnoreCase) && !builder.Environment.IsEnvironment("Testing"));
var demoData = configuration.GetValue("DemoData", !production);
if (demoData && configuration.GetValue("DemoVms", true))
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
    // Tokens and Basic are for the API (tokens also for the live feed); pages know only the session cookie.
    .AddPolicyScheme("portal", "Cookie, API token or Basic", o => o.ForwardDefaultSelector = http =>
        http.Request.Headers.Authorization.ToString() switch
        {
            var h when h.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                && (http.Request.Path.StartsWithSegments("/api") || http.Request.Path.StartsWithSegments("/hubs")) => ApiTokenAuthenticationHandler.SchemeName,
            var h when h.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase) && http.Request.Path.StartsWithSegments("/api") => BasicAuthenticationHandler.SchemeName,
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
    o.HeaderName = ApiAntiforgery.HeaderName;
});
services.AddProblemDetails();

// Binding failures (no body, JSON of the wrong shape, a query value that is no number) become exceptions that
// RequestExceptionHandler turns into problem details naming the field, instead of a bare 400.
services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
services.AddExceptionHandler<HtmlExceptionHandler>();
services.AddExceptionHandler<RequestExceptionHandler>();
services.AddOpenApi("v1", o => o.AddDocumentTransformer((document, _, _) =>
{
    document.Info.Title = "VirtualCore Platform API";
    document.Info.Version = "v1";
    document.Info.Description = "vServers, jobs and rack servers. Authenticate with an API token (Authorization: Bearer vct_…; "
        + "its scope — read ⊂ operate ⊂ manage — bounds what it can reach, see each operation's x-vcore-scope), HTTP Basic, "
        + "or the session cookie from POST /api/v1/session (then send unsafe methods with the anti-forgery header).";
    return Task.CompletedTask;
}).AddOperationTransformer(ApiScopeDocumentation.DescribeAsync));
services.Configure<ForwardedHeadersOptions>(o => o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto);

var app = builder.Build();

if (!await PortalStartup.PrepareAsync(app, modules, themesRoot, production, demoData))
{
    // Disposing flushes the console log, so the reason for the refusal is never lost with the process.
    await app.DisposeAsync();
    return 1;
}

app.UseForwardedHeaders();
app.UseSecurityHeaders();
app.UseExceptionHandler();
app.UseHtmlStatusPages();
app.UseHostTenancy();
app.UseAuthentication();
app.UseHostTenancyCheck();
app.UseApiAntiforgery();
app.UseAuthorization();
app.UseRateLimiter();
app.MapOpenApi("/openapi/{documentName}.json");
app.MapThemeAssets();
app.MapGet("/health", () => Results.Ok(new { status = "ok" })).ExcludeFromDescription();
foreach (var module in modules.Modules)
{
    module.MapEndpoints(app);
}

app.Lifetime.ApplicationStarted.Register(() => PortalStartup.PrintWelcome(app, embedded.Enabled, demoData && !production));
await app.RunAsync();
return 0;

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
