using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Events;
using VirtualCore.Framework.Leadership;
using VirtualCore.Framework.Localisation;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Modules;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Framework.Views;
using VirtualCore.Framework.Web;
using VirtualCore.Portal.Persistence;

namespace VirtualCore.Portal.Hosting;

/// <summary>
/// What the portal brings besides its modules: the request pipeline's shared services (tenant context, mediator with
/// its behaviours), the database of the configured provider, themed pages, anti-forgery, error answers and the
/// OpenAPI document.
/// </summary>
internal static class PortalServices
{
    public static IServiceCollection AddPortalCore(this IServiceCollection services, ModuleCatalog modules)
    {
        services.AddSingleton(modules);
        services.AddSingleton(TimeProvider.System);
        services.AddHttpContextAccessor();
        services.AddApiRateLimits();
        services.AddScoped<ScopedTenantContext>();
        services.AddScoped<ITenantContext>(sp => sp.GetRequiredService<ScopedTenantContext>());
        services.AddScoped<AfterCommitActions>();
        services.AddApiConditionalRequests();
        services.AddReadCommittedCommands();
        services.AddSingleton<RequestPermissions>();
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
        return services;
    }

    /// <summary>
    /// SQLite under the data folder by default, PostgreSQL by configuration; the schema comes from migrations. The leader
    /// lease follows the database: an advisory lock on PostgreSQL, this process on SQLite.
    /// </summary>
    public static IServiceCollection AddPortalDatabase(this IServiceCollection services, IConfiguration configuration, string provider, string dataDirectory)
    {
        if (IsPostgres(provider))
        {
            var connectionString = configuration["Database:ConnectionString"]
                ?? throw new InvalidOperationException("Database:ConnectionString is required for PostgreSQL.");
            services.AddDbContext<PostgresPortalDbContext>((sp, o) => o.UseNpgsql(connectionString).AddInterceptors(new TenantEventInterceptor(sp)));
            services.AddScoped<PortalDbContext>(sp => sp.GetRequiredService<PostgresPortalDbContext>());
            services.AddLeaderLease(configuration, connectionString);
        }
        else if (string.Equals(provider, "Sqlite", StringComparison.OrdinalIgnoreCase))
        {
            var connectionString = configuration["Database:ConnectionString"] ?? $"Data Source={Path.Combine(dataDirectory, "virtualcore.db")}";
            services.AddDbContext<SqlitePortalDbContext>((sp, o) => o.UseSqlite(connectionString).AddInterceptors(new SqliteConnectionSetup(), new TenantEventInterceptor(sp)));
            services.AddScoped<PortalDbContext>(sp => sp.GetRequiredService<SqlitePortalDbContext>());
            services.AddLeaderLease(configuration, postgresConnectionString: null);
        }
        else
        {
            throw new InvalidOperationException($"Database:Provider '{provider}' is unknown; use 'Sqlite' or 'PostgreSQL'.");
        }

        return services;
    }

    public static bool IsPostgres(string provider) => string.Equals(provider, "PostgreSQL", StringComparison.OrdinalIgnoreCase);

    /// <summary>Themed pages and their error pages, anti-forgery, problem details and the OpenAPI document.</summary>
    public static IServiceCollection AddPortalWeb(this IServiceCollection services, string themesRoot)
    {
        services.AddVirtualCoreViews(o => o.ThemesRoot = themesRoot);
        services.AddPageModel<ErrorPageModel>(HtmlErrorPages.Template);
        services.AddScoped<IPageRenderer, ThemedPageRenderer>();
        services.AddScoped<AntiforgeryFilter>();

        // Sessions and anti-forgery tokens stay valid across restarts and across portal instances: the keys are in the database.
        services.AddDataProtection()
            .SetApplicationName("VirtualCore.Portal")
            .PersistKeysToDbContext<PortalDbContext>();
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "vcore.csrf";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.FormFieldName = "__csrf";
            o.HeaderName = ApiAntiforgery.HeaderName;
        });
        // Problem documents speak the request's language (and a reseller's own texts), translated as they are written.
        services.AddSingleton<PortalTexts>();
        services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
            context.HttpContext.RequestServices.GetRequiredService<PortalTexts>().Translate(context));

        // Binding failures (no body, JSON of the wrong shape, a query value that is no number) become exceptions that
        // RequestExceptionHandler turns into problem details naming the field, instead of a bare 400.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddExceptionHandler<HtmlExceptionHandler>();
        services.AddExceptionHandler<RequestExceptionHandler>();
        services.AddOpenApi("v1", o => o.AddDocumentTransformer((document, context, _) =>
        {
            // A reseller's portal describes its API under the reseller's brand (white label); the provider's says VirtualCore.
            var reseller = context.ApplicationServices.GetRequiredService<IHttpContextAccessor>().HttpContext is { } http
                ? HostTenancy.ResellerOf(http)
                : null;
            document.Info.Title = reseller is { IsProvider: false } ? $"{reseller.BrandName} API" : "VirtualCore Platform API";
            document.Info.Version = "v1";
            document.Info.Description = "vServers, jobs and rack servers. Authenticate with an API token (Authorization: Bearer vct_…; "
                + "its scope — read ⊂ operate ⊂ manage — bounds what it can reach, see each operation's x-vcore-scope), HTTP Basic, "
                + "or the session cookie from POST /api/v1/session (then send unsafe methods with the anti-forgery header).";
            return Task.CompletedTask;
        }).AddDocumentTransformer(ApiDocumentConventions.DescribeDocumentAsync)
            .AddOperationTransformer(ApiScopeDocumentation.DescribeAsync)
            .AddOperationTransformer(ApiDocumentConventions.DescribeOperationAsync)
            .AddDocumentTransformer(ApiExamples.DescribeDocumentAsync));
        services.Configure<ForwardedHeadersOptions>(o => o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto);
        return services;
    }
}
