using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Modules;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Views;
using VirtualCore.Framework.Web;
using VirtualCore.Modules.Billing.Contracts;
using VirtualCore.Modules.Billing.Domain;
using VirtualCore.Modules.Billing.Features;
using VirtualCore.Modules.Billing.Web;
using VirtualCore.Modules.Identity.Contracts;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Modules.Billing;

/// <summary>What is sold: the operator's catalogue of plans and add-ons, its wholesale prices and each reseller's retail prices.</summary>
public sealed class BillingModule : IModule
{
    public ModuleManifest Manifest { get; } = new("Billing", "Catalogue, prices and contracts", new Version(1, 0), ["Tenancy"], [PricesEndpoints.Template, ContractsEndpoints.Template, ContractsEndpoints.CancelTemplate]);

    public void ConfigureServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddPageModel<PricesModel>(PricesEndpoints.Template);
        services.AddScoped<IValidator<CreateProduct>, CreateProductValidator>();
        services.AddScoped<IValidator<SetWholesalePrice>, SetWholesalePriceValidator>();
        services.AddScoped<IValidator<SetRetailPrice>, SetRetailPriceValidator>();
        services.AddRequestPermission(Permissions.CatalogueRead, typeof(GetCatalogue));
        services.AddRequestPermission(Permissions.PriceManage, typeof(CreateProduct), typeof(SetWholesalePrice), typeof(SetRetailPrice));
        services.AddSingleton(new NavigationItem("Prices", "/admin/prices", 40, Permissions.CatalogueRead));
        services.AddScoped<ISeedData, BillingDemoData>();
        services.AddPageModel<ContractsModel>(ContractsEndpoints.Template);
        services.AddPageModel<CancelContractModel>(ContractsEndpoints.CancelTemplate);
        services.AddScoped<IValidator<OrderContract>, OrderContractValidator>();
        services.AddRequestPermission(Permissions.CatalogueRead, typeof(ListContracts), typeof(PreviewCancellation));
        services.AddRequestPermission(Permissions.ContractManage, typeof(OrderContract), typeof(CancelContract));
        services.AddSingleton(new NavigationItem("Contracts", "/admin/contracts", 41, Permissions.CatalogueRead));
    }

    public void ConfigureModel(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Product>(e =>
        {
            e.ToTable("Products");
            e.HasKey(x => x.Code);
            e.Property(x => x.Code).HasMaxLength(40);
            e.Property(x => x.Kind).HasMaxLength(20);
            e.Property(x => x.Name).HasMaxLength(80);
        });
        modelBuilder.Entity<RetailPrice>(e =>
        {
            e.ToTable("RetailPrices");
            e.HasKey(x => new { x.ResellerId, x.ProductCode });
            e.Property(x => x.ProductCode).HasMaxLength(40);
            e.HasOne<Product>().WithMany().HasForeignKey(x => x.ProductCode).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<Contract>(e =>
        {
            e.ToTable("Contracts");
            e.Property(x => x.ProductCode).HasMaxLength(40);
            e.Property(x => x.ProductName).HasMaxLength(80);
            e.Property(x => x.CreatedBy).HasMaxLength(200);
        });
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        PricesEndpoints.Map(endpoints);
        ContractsEndpoints.Map(endpoints);
    }
}

/// <summary>
/// The catalogue of the product the demo models, with its published prices as the provider's and Kamp's retail prices:
/// a vServer of 1 core, 1 GB and 50 GB for 75 EUR a month, 95 EUR with failover and recovery points, 4 cores, 8 GB and
/// 150 GB for 195 EUR, a vDataCenter of 2 × 6 cores, 48 GB, 300 GB, 13 addresses and 5 TB of traffic for about 2,000 EUR.
/// </summary>
internal sealed class BillingDemoData(PortalDbContext db) : ISeedData
{
    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        if (await db.Set<Product>().AnyAsync(cancellationToken))
        {
            return;
        }

        var position = 0;
        void Product(string code, string kind, string name, int? cores, int? memory, int? disk, int? ips, int? traffic, decimal wholesale, decimal retail, decimal? acme)
        {
            db.Add(new Product
            {
                Code = code,
                Kind = kind,
                Name = name,
                Cores = cores,
                MemoryGiB = memory,
                DiskGiB = disk,
                IpAddresses = ips,
                TrafficGiB = traffic,
                WholesaleCents = Money.Cents(wholesale),
                Position = position += 10,
            });
            db.Add(new RetailPrice { ResellerId = DemoTenants.ProviderId, ProductCode = code, Cents = Money.Cents(retail) });
            db.Add(new RetailPrice { ResellerId = DemoTenants.KampId, ProductCode = code, Cents = Money.Cents(retail) });
            if (acme is { } price)
            {
                db.Add(new RetailPrice { ResellerId = DemoTenants.AcmeId, ProductCode = code, Cents = Money.Cents(price) });
            }
        }

        Product("vserver-s", ProductKinds.VServer, "vServer S", 1, 1, 50, 1, 1024, 52.50m, 75m, 79m);
        Product("vserver-m", ProductKinds.VServer, "vServer M", 2, 4, 100, 1, 2048, 91m, 130m, 139m);
        Product("vserver-l", ProductKinds.VServer, "vServer L", 4, 8, 150, 1, 3072, 136.50m, 195m, null);
        Product("vdc-12", ProductKinds.VDataCenter, "vDataCenter 12", 12, 48, 300, 13, 5120, 1400m, 1990m, 2090m);
        Product("failover", ProductKinds.AddOn, "Failover protection", null, null, null, null, null, 8.40m, 12m, 15m);
        Product("recovery-points", ProductKinds.AddOn, "Recovery points", null, null, null, null, null, 5.60m, 8m, null);
        Product("extra-ip", ProductKinds.AddOn, "Extra IPv4 address", null, null, null, 1, null, 2.10m, 3m, 3.50m);
        Product("extra-traffic", ProductKinds.AddOn, "Extra traffic, 1 TB", null, null, null, null, 1024, 7m, 10m, 12m);
        await db.SaveChangesAsync(cancellationToken);
    }
}
