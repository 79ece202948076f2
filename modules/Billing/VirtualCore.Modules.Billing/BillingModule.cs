using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Framework.Events;
using VirtualCore.Framework.Mail;
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
    public ModuleManifest Manifest { get; } = new(
        "Billing", "Catalogue, prices, contracts and invoices", new Version(1, 0), ["Tenancy"],
        [PricesEndpoints.Template, ContractsEndpoints.Template, ContractsEndpoints.CancelTemplate, InvoicesEndpoints.ListTemplate, InvoicesEndpoints.InvoiceTemplate, InvoicesEndpoints.DetailsTemplate,
         ContractNoticeEndpoints.FormTemplate, ContractNoticeEndpoints.ListTemplate]);

    public void ConfigureServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddTenantEvents<InvoiceEvents>(InvoiceEvents.Types);
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
        services.AddRequestPermission(Permissions.ContractManage, typeof(OrderContract), typeof(CancelContract), typeof(UpgradeContract), typeof(GetUpgradeOptions), typeof(SettleContractedCapacity));
        services.AddPageModel<UpgradeContractModel>(ContractsEndpoints.UpgradeTemplate);
        services.AddSingleton<ContractDays>();
        services.AddHostedService<ContractDaysScheduler>();
        services.AddSingleton(new NavigationItem("Contracts", "/admin/contracts", 41, Permissions.CatalogueRead));
        services.AddPageModel<InvoicesModel>(InvoicesEndpoints.ListTemplate);
        services.AddPageModel<InvoicePage>(InvoicesEndpoints.InvoiceTemplate);
        services.AddPageModel<BillingDetailsModel>(InvoicesEndpoints.DetailsTemplate);
        services.AddScoped<IValidator<SetBillingDetails>, SetBillingDetailsValidator>();
        services.AddRequestPermission(Permissions.InvoiceRead, typeof(ListInvoices), typeof(GetInvoice), typeof(GetBillingDetails));
        services.AddRequestPermission(Permissions.ContractManage, typeof(SetBillingDetails));
        services.AddRequestPermission(Permissions.InvoiceIssue, typeof(RunInvoices), typeof(CancelInvoice), typeof(RecordPayment), typeof(RunDunning));
        services.Configure<DunningOptions>(configuration.GetSection(DunningOptions.Section));
        services.AddSingleton<Dunning>();
        services.AddSelfCommittingCommands(typeof(RunDunning));
        services.AddHostedService<DunningScheduler>();
        services.Configure<StripeOptions>(configuration.GetSection(StripeOptions.Section));
        services.AddSingleton<StripeCheckout>();
        services.AddRequestPermission(Permissions.InvoiceRead, typeof(PayInvoiceByCard));
        services.AddRequestPermission(Permissions.InvoiceIssue, typeof(GetRevenue));
        services.AddPageModel<RevenueModel>(InvoicesEndpoints.RevenueTemplate);
        services.AddSingleton(new NavigationItem("Revenue", "/admin/revenue", 44, Permissions.InvoiceIssue));
        services.AddSingleton(new NavigationItem("Invoices", "/admin/invoices", 42, Permissions.InvoiceRead));
        services.AddSingleton(new NavigationItem("Billing details", "/admin/billing-details", 43, Permissions.InvoiceRead));
        services.AddSingleton<InvoiceRun>();
        services.AddSelfCommittingCommands(typeof(RunInvoices));
        services.AddHostedService<InvoiceScheduler>();
        services.AddMailer(configuration);
        if (configuration["Billing:FontDirectory"] is { Length: > 0 } fonts)
        {
            InvoiceFonts.Directory = fonts;
        }

        services.AddPageModel<GiveNoticeModel>(ContractNoticeEndpoints.FormTemplate);
        services.AddPageModel<ContractNoticesModel>(ContractNoticeEndpoints.ListTemplate);
        services.AddScoped<IValidator<GiveNotice>, GiveNoticeValidator>();
        services.AddAnonymousRequests(typeof(GiveNotice));
        services.AddRequestPermission(Permissions.ContractManage, typeof(ListContractNotices), typeof(ApplyContractNotice), typeof(DismissContractNotice));
        services.AddSelfCommittingCommands(typeof(GiveNotice));
        ContractNoticeEndpoints.AddRateLimit(services);
        services.AddScoped<ISeedData, BillingDetailsDemoData>();
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
        modelBuilder.Entity<BillingDetails>(e =>
        {
            e.ToTable("BillingDetails");
            e.HasKey(x => x.PartyId);
            e.HasIndex(x => x.ResellerId);
            e.Property(x => x.LegalName).HasMaxLength(120);
            e.Property(x => x.Street).HasMaxLength(120);
            e.Property(x => x.PostalCode).HasMaxLength(16);
            e.Property(x => x.City).HasMaxLength(80);
            e.Property(x => x.CountryCode).HasMaxLength(2);
            e.Property(x => x.VatId).HasMaxLength(15);
            e.Property(x => x.Email).HasMaxLength(200);
            e.Property(x => x.TaxNumber).HasMaxLength(20);
            e.Property(x => x.Phone).HasMaxLength(30);
            e.Property(x => x.Iban).HasMaxLength(34);
        });
        modelBuilder.Entity<Invoice>(e =>
        {
            e.ToTable("Invoices");
            e.Ignore(x => x.Wholesale);
            e.Property(x => x.Kind).HasMaxLength(16);
            e.Property(x => x.Status).HasMaxLength(8);
            e.Property(x => x.Number).HasMaxLength(24);
            e.Property(x => x.VatTreatment).HasMaxLength(20);
            e.Property(x => x.Note).HasMaxLength(300);
            foreach (var name in new[] { nameof(Invoice.IssuerName), nameof(Invoice.IssuerStreet), nameof(Invoice.RecipientName), nameof(Invoice.RecipientStreet) })
            {
                e.Property(name).HasMaxLength(120);
            }

            foreach (var name in new[] { nameof(Invoice.IssuerCity), nameof(Invoice.RecipientCity) })
            {
                e.Property(name).HasMaxLength(80);
            }

            e.Property(x => x.IssuerPostalCode).HasMaxLength(16);
            e.Property(x => x.RecipientPostalCode).HasMaxLength(16);
            e.Property(x => x.IssuerCountry).HasMaxLength(2);
            e.Property(x => x.RecipientCountry).HasMaxLength(2);
            e.Property(x => x.IssuerVatId).HasMaxLength(15);
            e.Property(x => x.RecipientVatId).HasMaxLength(15);
            e.Property(x => x.IssuerEmail).HasMaxLength(200);
            e.Property(x => x.RecipientEmail).HasMaxLength(200);
            e.Property(x => x.IssuerTaxNumber).HasMaxLength(20);
            e.Property(x => x.IssuerPhone).HasMaxLength(30);
            e.Property(x => x.IssuerIban).HasMaxLength(34);

            // One regular invoice per issuer, recipient, month and revision: a second instance running the month adds nothing.
            e.HasIndex(x => new { x.IssuerId, x.RecipientId, x.PeriodStart, x.Kind, x.Revision }).IsUnique();

            // A number once per issuer; an invoice is cancelled once.
            e.HasIndex(x => new { x.IssuerId, x.Number }).IsUnique();
            e.HasIndex(x => x.CancelsId).IsUnique();
            e.HasIndex(x => new { x.Status, x.CreatedAt });
            e.HasMany(x => x.Lines).WithOne().HasForeignKey(x => x.InvoiceId).OnDelete(DeleteBehavior.Restrict);
        });
        modelBuilder.Entity<InvoiceLine>(e =>
        {
            e.ToTable("InvoiceLines");
            e.HasKey(x => new { x.InvoiceId, x.Position });
            e.Property(x => x.Description).HasMaxLength(InvoiceLine.MaxDescription);
            e.HasIndex(x => new { x.ContractId, x.From });
        });
        modelBuilder.Entity<InvoicePayment>(e =>
        {
            e.ToTable("InvoicePayments");
            e.Property(x => x.Method).HasMaxLength(16);
            e.Property(x => x.Reference).HasMaxLength(140);
            e.Property(x => x.RecordedBy).HasMaxLength(200);

            // A reference (a bank statement line) is recorded once per invoice, however often it is imported.
            e.HasIndex(x => new { x.InvoiceId, x.Reference }).IsUnique();
        });
        modelBuilder.Entity<DunningStep>(e =>
        {
            e.ToTable("DunningSteps");
            e.HasKey(x => new { x.InvoiceId, x.Level });
            e.Property(x => x.MailError).HasMaxLength(500);
        });
        modelBuilder.Entity<InvoiceSeries>(e =>
        {
            e.ToTable("InvoiceSeries");
            e.HasKey(x => new { x.IssuerId, x.Year });
        });
        modelBuilder.Entity<ContractNotice>(e =>
        {
            e.ToTable("ContractNotices");
            e.HasIndex(x => new { x.ResellerId, x.ReceivedAt });
            e.Property(x => x.Reference).HasMaxLength(16);
            e.Property(x => x.Name).HasMaxLength(200);
            e.Property(x => x.Email).HasMaxLength(200);
            e.Property(x => x.Account).HasMaxLength(200);
            e.Property(x => x.Contract).HasMaxLength(200);
            e.Property(x => x.Reason).HasMaxLength(2000);
            e.Property(x => x.Status).HasMaxLength(16);
            e.Property(x => x.HandledBy).HasMaxLength(200);
            e.Property(x => x.Note).HasMaxLength(200);
            e.Property(x => x.ConfirmationError).HasMaxLength(500);
        });
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        PricesEndpoints.Map(endpoints);
        ContractsEndpoints.Map(endpoints);
        InvoicesEndpoints.Map(endpoints);
        CardPaymentEndpoints.Map(endpoints);
        ContractNoticeEndpoints.Map(endpoints);
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

/// <summary>
/// Billing details of the demo's tenants: the provider and Kamp in Germany, Acme a small business (§ 19 UStG); Demo GmbH
/// and Bäckerei Kamp KG in Germany, Other AG in Austria with a VAT ID (reverse charge), Acme Widgets Ltd in the UK.
/// </summary>
internal sealed class BillingDetailsDemoData(PortalDbContext db, TimeProvider clock) : ISeedData
{
    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        if (await db.Set<BillingDetails>().AnyAsync(cancellationToken))
        {
            return;
        }

        void Party(Guid party, Guid reseller, bool customer, string name, string street, string postalCode, string city, string country, string? vatId, string email, bool smallBusiness = false, string? taxNumber = null, string? phone = null, string? iban = null) =>
            db.Add(new BillingDetails
            {
                PartyId = party,
                ResellerId = reseller,
                IsCustomer = customer,
                LegalName = name,
                Street = street,
                PostalCode = postalCode,
                City = city,
                CountryCode = country,
                VatId = vatId,
                Email = email,
                SmallBusiness = smallBusiness,
                TaxNumber = taxNumber,
                Phone = phone,
                Iban = iban,
                UpdatedAt = clock.GetUtcNow(),
            });

        Party(DemoTenants.ProviderId, DemoTenants.ProviderId, false, "VirtualCore Demo GmbH", "Friedrichstraße 100", "10117", "Berlin", "DE", "DE123456789", "billing@portal.localhost", phone: "+49 30 1234560", iban: "DE89370400440532013000");
        Party(DemoTenants.KampId, DemoTenants.KampId, false, "Kamp Hosting GmbH", "Hafenweg 12", "48155", "Münster", "DE", "DE987654321", "rechnung@kamp.localhost", phone: "+49 251 987650", iban: "DE02120300000000202051");
        Party(DemoTenants.AcmeId, DemoTenants.AcmeId, false, "Acme Hosting, Inh. Jana Acker", "Marktplatz 3", "35037", "Marburg", "DE", null, "billing@acme.localhost", smallBusiness: true, taxNumber: "026 123 45678", phone: "+49 6421 33333", iban: "DE02500105170137075030");
        Party(DemoTenants.DemoCustomerId, DemoTenants.ProviderId, true, "Demo GmbH", "Hohe Straße 5", "50667", "Köln", "DE", "DE111222333", "it@demo.localhost");
        Party(DemoTenants.OtherCustomerId, DemoTenants.ProviderId, true, "Other AG", "Kärntner Ring 1", "1010", "Wien", "AT", "ATU12345678", "office@other.localhost");
        Party(DemoTenants.KampCustomerId, DemoTenants.KampId, true, "Bäckerei Kamp KG", "Prinzipalmarkt 8", "48143", "Münster", "DE", null, "buero@baeckerei.localhost");
        Party(DemoTenants.AcmeCustomerId, DemoTenants.AcmeId, true, "Acme Widgets Ltd", "10 Fleet Street", "EC4Y 1AA", "London", "GB", "GB123456789", "accounts@widgets.localhost");
        await db.SaveChangesAsync(cancellationToken);
    }
}
