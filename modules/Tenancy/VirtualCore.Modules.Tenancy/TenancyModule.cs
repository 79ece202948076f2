using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using VirtualCore.Framework.Localisation;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Modules;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Framework.Views;
using VirtualCore.Framework.Web;
using VirtualCore.Modules.Identity.Contracts;
using VirtualCore.Modules.Tenancy.Contracts;
using VirtualCore.Modules.Tenancy.Domain;
using VirtualCore.Modules.Tenancy.Features;
using VirtualCore.Modules.Tenancy.Features.Customers;
using VirtualCore.Modules.Tenancy.Features.Resellers;
using VirtualCore.Modules.Tenancy.Features.Themes;
using VirtualCore.Modules.Tenancy.Web;
using VirtualCore.Modules.Tenancy.Web.Pages;

namespace VirtualCore.Modules.Tenancy;

/// <summary>Resellers, their host names and brands, their customers, and the one-time-password policies.</summary>
public sealed class TenancyModule : IModule
{
    public ModuleManifest Manifest { get; } = new(
        "Tenancy",
        "Resellers and customers",
        new Version(1, 0),
        [],
        ["Tenancy/Resellers.sbn-html", "Tenancy/Customers.sbn-html", ThemePage.Template]);

    public void ConfigureServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddPageModel<ResellersPageModel>("Tenancy/Resellers.sbn-html");
        services.AddPageModel<CustomersPageModel>("Tenancy/Customers.sbn-html");
        services.AddScoped<IHostTenantResolver, HostTenantResolver>();
        services.AddScoped<IThemeSelector, HostThemeSelector>();
        services.AddPageModel<ThemePageModel>(ThemePage.Template);
        services.Configure<ThemeStoreOptions>(configuration.GetSection(ThemeStoreOptions.Section));
        services.AddSingleton<ThemeVersionLoader>();
        services.AddSingleton<IResellerLanguages, ResellerLanguages>();
        services.AddScoped<ThemeStore>();
        services.AddScoped<IValidator<SaveThemeSettings>, SaveThemeSettingsValidator>();
        services.AddScoped<IValidator<SetPortalLanguage>, SetPortalLanguageValidator>();
        services.AddScoped<IValidator<SaveThemeTexts>, SaveThemeTextsValidator>();
        services.AddRequestPermission(Permissions.ThemeManage, typeof(GetTheme), typeof(SaveThemeSettings), typeof(UploadTheme), typeof(ActivateThemeVersion), typeof(RollBackTheme), typeof(GetThemePackage), typeof(SetPortalLanguage), typeof(SaveThemeTexts));
        services.AddSingleton(new NavigationItem("Theme", "/admin/theme", 62, Permissions.ThemeManage));
        services.Configure<ProviderOptions>(configuration.GetSection(ProviderOptions.Section));
        services.AddScoped<IRequiredData, ProviderReseller>();
        services.AddScoped<ISeedData, TenancyDemoData>();
        services.AddScoped<IValidator<CreateReseller>, CreateResellerValidator>();
        services.AddScoped<IValidator<CreateCustomer>, CreateCustomerValidator>();
        services.AddScoped<IValidator<SetCustomerCapacity>, SetCustomerCapacityValidator>();

        // Reading the policy is part of signing in, before anyone is signed in.
        services.AddAnonymousRequests(typeof(GetTenantPolicy));
        services.AddRequestPermission(Permissions.ResellerManage, typeof(ListResellers), typeof(CreateReseller), typeof(SetResellerOtpPolicy));
        services.AddRequestPermission(Permissions.CustomerManage, typeof(ListCustomers), typeof(GetCustomer), typeof(CreateCustomer), typeof(SetCustomerOtpPolicy), typeof(SetCustomerCapacity),
            typeof(SuspendCustomer), typeof(LiftCustomerSuspension));

        // Whoever sees a customer's VMs may know how much room its vDataCenter has; the handler checks which customer.
        services.AddRequestPermission(Permissions.VmRead, typeof(GetCustomerCapacity), typeof(GetCustomerSuspension));
        services.AddRequestPermission(Permissions.ContractManage, typeof(ChangeContractedCapacity));

        services.AddSingleton(new NavigationItem("Resellers", "/admin/resellers", 60, Permissions.ResellerManage));
        services.AddSingleton(new NavigationItem("Customers", "/admin/customers", 61, Permissions.CustomerManage));
    }

    public void ConfigureModel(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Reseller>(e =>
        {
            e.ToTable("Resellers");
            e.Property(x => x.Name).HasMaxLength(100);
            e.Property(x => x.BrandName).HasMaxLength(60);
            e.Property(x => x.ThemeName).HasMaxLength(60);
            e.Property(x => x.Language).HasMaxLength(8).HasDefaultValue("en");
            e.HasMany(x => x.HostNames).WithOne().HasForeignKey(h => h.ResellerId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<ThemeVersion>(e =>
        {
            e.ToTable("ThemeVersions");
            e.Property(x => x.Source).HasMaxLength(10);
            e.Property(x => x.Name).HasMaxLength(64);
            e.Property(x => x.Label).HasMaxLength(64);
            e.Property(x => x.BaseTheme).HasMaxLength(64);
            e.Property(x => x.Sha256).HasMaxLength(64);
            e.Property(x => x.CreatedBy).HasMaxLength(100);
            e.HasIndex(x => new { x.ResellerId, x.Number }).IsUnique();
        });
        modelBuilder.Entity<ThemeActivation>(e =>
        {
            e.ToTable("ThemeActivations");
            e.Property(x => x.By).HasMaxLength(100);
            e.HasIndex(x => new { x.ResellerId, x.Id });
        });
        modelBuilder.Entity<ResellerHostName>(e =>
        {
            e.ToTable("ResellerHostNames");
            e.HasKey(x => x.HostName);
            e.Property(x => x.HostName).HasMaxLength(253);
        });
        modelBuilder.Entity<Customer>(e =>
        {
            e.ToTable("Customers");
            e.Property(x => x.Name).HasMaxLength(100);
            e.Property(x => x.SuspendedBy).HasMaxLength(200);
            e.Property(x => x.SuspensionReason).HasMaxLength(300);
            e.HasIndex(x => x.ResellerId);
        });
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        TenancyPages.Map(endpoints);
        TenancyApi.Map(endpoints);
    }
}

/// <summary>
/// The theme of the reseller whose host name the request used: its active theme version, else its installed theme. A
/// signed-in theme manager of that reseller may look at any of its versions with <c>?theme-preview={id}</c>.
/// </summary>
internal sealed class HostThemeSelector(ThemeRegistry registry, ThemeVersionLoader loader, ITenantContext tenant, IPermissionChecker permissions) : IThemeSelector
{
    public const string PreviewParameter = "theme-preview";

    public async ValueTask<string> ThemeForAsync(HttpContext httpContext)
    {
        var reseller = HostTenancy.ResellerOf(httpContext);
        if (reseller is null)
        {
            return ThemeRegistry.DefaultTheme;
        }

        var wanted = httpContext.Request.Query[PreviewParameter].ToString();
        var manager = wanted.Length > 0 && tenant.UserId is not null && tenant.ResellerId == reseller.Id && permissions.Has(Permissions.ThemeManage);
        if (manager && Guid.TryParse(wanted, out var preview) && await loader.EnsureLoadedAsync(preview, reseller.Id, httpContext.RequestAborted))
        {
            ThemePreview.Mark(httpContext);
            return ThemeVersionKeys.Of(preview);
        }

        // "current": the theme in use, shown as a preview (framed by the editor, the sign-in page signed out).
        if (manager && wanted == "current")
        {
            ThemePreview.Mark(httpContext);
        }

        return await LoadedAsync(httpContext, reseller) ? reseller.ThemeName : ThemeRegistry.DefaultTheme;
    }

    public async ValueTask<bool> MayServeAsync(HttpContext httpContext, string themeName)
    {
        var reseller = HostTenancy.ResellerOf(httpContext);
        if (reseller is not null && ThemeVersionKeys.TryParse(themeName, out var versionId))
        {
            // Any of the host's reseller's own versions (a preview's files too); never another reseller's.
            return await loader.EnsureLoadedAsync(versionId, reseller.Id, httpContext.RequestAborted);
        }

        return (reseller is null || await LoadedAsync(httpContext, reseller)) && ThemeAssets.ServedOn(httpContext, themeName, registry);
    }

    private async ValueTask<bool> LoadedAsync(HttpContext httpContext, RequestReseller reseller) =>
        ThemeVersionKeys.TryParse(reseller.ThemeName, out var active)
            ? await loader.EnsureLoadedAsync(active, reseller.Id, httpContext.RequestAborted)
            : registry.IsLoaded(reseller.ThemeName);
}

/// <summary>The provider's own portal: its name, brand and the host names it answers on.</summary>
internal sealed class ProviderOptions
{
    public const string Section = "Provider";

    public string Name { get; set; } = "VirtualCore Hosting";

    public string BrandName { get; set; } = "VirtualCore";

    /// <summary>Host names of the provider's portal, where the operator signs in; without any, this machine's.</summary>
    public List<string> HostNames { get; set; } = [];

    public static readonly string[] LocalHostNames = ["localhost", "127.0.0.1", "portal.localhost"];
}

/// <summary>
/// The provider itself, which every installation needs: its portal is where the first operator is set up. Host
/// names configured later are added at the next start, unless another reseller already has them.
/// </summary>
internal sealed class ProviderReseller(PortalDbContext db, IOptions<ProviderOptions> options, TimeProvider clock) : IRequiredData
{
    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        var configured = options.Value.HostNames.Count > 0 ? options.Value.HostNames : [.. ProviderOptions.LocalHostNames];
        var hosts = configured.Select(TenancyRules.NormaliseHost).Where(h => h.Length > 0).Distinct().ToArray();
        var invalid = hosts.Where(h => !TenancyRules.HostName().IsMatch(h)).ToArray();
        if (invalid.Length > 0)
        {
            throw new InvalidOperationException($"Provider:HostNames holds what is not a host name: {string.Join(", ", invalid)}.");
        }

        var provider = await db.Set<Reseller>().Include(r => r.HostNames).FirstOrDefaultAsync(r => r.IsProvider, cancellationToken);
        if (provider is null)
        {
            provider = new Reseller
            {
                Id = DemoTenants.ProviderId,
                Name = options.Value.Name,
                BrandName = options.Value.BrandName,
                IsProvider = true,
                CreatedAt = clock.GetUtcNow(),
            };
            db.Add(provider);
        }

        var taken = await db.Set<ResellerHostName>().Where(h => hosts.Contains(h.HostName)).Select(h => h.HostName).ToListAsync(cancellationToken);
        provider.HostNames.AddRange(hosts.Except(taken).Select(h => new ResellerHostName { HostName = h, ResellerId = provider.Id }));
        await db.SaveChangesAsync(cancellationToken);
    }
}

/// <summary>The demo resellers with their own host names and brands, and a customer or two each.</summary>
internal sealed class TenancyDemoData(PortalDbContext db, TimeProvider clock) : ISeedData
{
    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        if (await db.Set<Reseller>().AnyAsync(r => !r.IsProvider, cancellationToken) || await db.Set<Customer>().AnyAsync(cancellationToken))
        {
            return;
        }

        var now = clock.GetUtcNow();
        void Reseller(Guid id, string name, string brand, params string[] hosts)
        {
            var reseller = new Reseller { Id = id, Name = name, BrandName = brand, CreatedAt = now };
            reseller.HostNames.AddRange(hosts.Select(h => new ResellerHostName { HostName = h, ResellerId = id }));
            db.Add(reseller);
        }

        Reseller(DemoTenants.KampId, "Kamp Hosting", "Kamp Cloud", "kamp.localhost");
        Reseller(DemoTenants.AcmeId, "Acme Hosting", "Acme Cloud", "acme.localhost");
        // Each demo customer has a vDataCenter with room for its demo VMs and a few more.
        void Customer(Guid id, Guid resellerId, string name, int cores, int memoryGiB, int diskGiB) =>
            db.Add(new Customer { Id = id, ResellerId = resellerId, Name = name, CoreLimit = cores, MemoryLimitGiB = memoryGiB, DiskLimitGiB = diskGiB, CreatedAt = now });

        Customer(DemoTenants.DemoCustomerId, DemoTenants.ProviderId, "Demo GmbH", 16, 32, 1000);
        Customer(DemoTenants.OtherCustomerId, DemoTenants.ProviderId, "Other AG", 8, 16, 500);
        Customer(DemoTenants.KampCustomerId, DemoTenants.KampId, "Bäckerei Kamp KG", 8, 16, 500);
        Customer(DemoTenants.AcmeCustomerId, DemoTenants.AcmeId, "Acme Widgets Ltd", 4, 8, 200);
        await db.SaveChangesAsync(cancellationToken);
    }
}
