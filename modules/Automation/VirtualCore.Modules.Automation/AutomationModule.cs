using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SoapCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Modules;
using VirtualCore.Framework.Views;
using VirtualCore.Framework.Web;
using VirtualCore.Framework.Webhooks;
using VirtualCore.Modules.Automation.Contracts;
using VirtualCore.Modules.Automation.Domain;
using VirtualCore.Modules.Automation.Features;
using VirtualCore.Modules.Automation.Web;
using VirtualCore.Modules.Identity.Contracts;

namespace VirtualCore.Modules.Automation;

/// <summary>
/// Automation: signed webhooks (accounts subscribe URLs to the events other modules raise; deliveries are queued with the
/// change and retried for a day) and the VM lifecycle as a SOAP service.
/// </summary>
public sealed class AutomationModule : IModule
{
    public ModuleManifest Manifest { get; } = new("Automation", "Webhooks and the SOAP service", new Version(1, 0), ["Tenancy", "Identity"], [WebhookPages.ListTemplate, WebhookPages.DetailTemplate]);

    public void ConfigureServices(IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<WebhookOptions>(configuration.GetSection("Webhooks"));
        services.AddPageModel<WebhooksModel>(WebhookPages.ListTemplate);
        services.AddPageModel<WebhookModel>(WebhookPages.DetailTemplate);
        services.AddSingleton(new NavigationItem("Webhooks", "/admin/webhooks", 65, Permissions.WebhookManage));
        services.AddSoapCore();
        services.AddScoped<IVirtualCoreSoap, VirtualCoreSoap>();
        services.AddScoped<WebhookSender>();
        services.AddHostedService<WebhookDeliveryService>();
        services.AddHttpClient(WebhookSender.HttpClientName, (sp, client) => client.Timeout = sp.GetRequiredService<IOptions<WebhookOptions>>().Value.Timeout)
            .ConfigurePrimaryHttpMessageHandler(sp => WebhookAddressGuard.Handler(sp.GetRequiredService<IOptions<WebhookOptions>>().Value));
        services.AddScoped<IValidator<CreateWebhook>, WebhookValidator>();
        services.AddScoped<IValidator<UpdateWebhook>, WebhookValidator>();
        services.AddRequestPermission(
            Permissions.WebhookManage,
            typeof(ListWebhooks), typeof(GetWebhook), typeof(CreateWebhook), typeof(UpdateWebhook), typeof(DeleteWebhook), typeof(RotateWebhookSecret),
            typeof(PingWebhook), typeof(ListWebhookDeliveries), typeof(GetWebhookDelivery), typeof(RedeliverWebhook), typeof(ListWebhookEventTypes));
    }

    public void ConfigureModel(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<WebhookSubscription>(e =>
        {
            e.ToTable("WebhookSubscriptions");
            e.Property(x => x.Audience).HasMaxLength(10);
            e.Property(x => x.Url).HasMaxLength(WebhookAddressGuard.MaxUrlLength);
            e.Property(x => x.Events).HasMaxLength(1000);
            e.Property(x => x.Description).HasMaxLength(WebhookValidator.MaxDescription);
            e.Property(x => x.Secret).HasMaxLength(100);
            e.Property(x => x.PreviousSecret).HasMaxLength(100);
            e.Property(x => x.CreatedBy).HasMaxLength(200);
            e.Ignore(x => x.EventList);
            e.HasIndex(x => new { x.Audience, x.Enabled });
        });
        modelBuilder.Entity<WebhookDelivery>(e =>
        {
            e.ToTable("WebhookDeliveries");
            e.Property(x => x.Event).HasMaxLength(50);
            e.Property(x => x.LastError).HasMaxLength(500);
            e.HasOne<WebhookSubscription>().WithMany().HasForeignKey(x => x.SubscriptionId).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(x => x.AttemptLog).WithOne().HasForeignKey(a => a.DeliveryId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(x => new { x.SubscriptionId, x.Id });
            e.HasIndex(x => new { x.DeliveredAt, x.Abandoned, x.Id });
        });
        modelBuilder.Entity<WebhookAttempt>(e =>
        {
            e.ToTable("WebhookAttempts");
            e.Property(x => x.Error).HasMaxLength(500);
        });
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        WebhookEndpoints.Map(endpoints);
        SoapEndpoint.Map(endpoints);
        WebhookPages.Map(endpoints);
    }
}
