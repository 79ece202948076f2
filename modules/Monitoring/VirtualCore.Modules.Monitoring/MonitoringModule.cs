using MassTransit;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using VirtualCore.Framework.Events;
using VirtualCore.Framework.Mail;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Modules;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Framework.Views;
using VirtualCore.Framework.Web;
using VirtualCore.Framework.Webhooks;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Identity.Contracts;
using VirtualCore.Modules.Monitoring.Contracts;
using VirtualCore.Modules.Monitoring.Domain;
using VirtualCore.Modules.Monitoring.Features;
using VirtualCore.Modules.Monitoring.Web;

namespace VirtualCore.Modules.Monitoring;

/// <summary>Usage history of VMs and rack servers: samples from the agents, rolled up into fixed-size rings, graphs and traffic per month.</summary>
public sealed class MonitoringModule : IModule
{
    public ModuleManifest Manifest { get; } = new(
        "Monitoring",
        "Usage graphs",
        new Version(1, 0),
        ["Infrastructure", "Compute"],
        [MetricsEndpoints.NodeTemplate, AlertEndpoints.Template, OverviewPage.Template]);

    public void ConfigureServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddPageModel<NodeUsageModel>(MetricsEndpoints.NodeTemplate);
        services.AddPageModel<AlertsModel>(AlertEndpoints.Template);
        services.AddPageModel<OverviewModel>(OverviewPage.Template);
        services.AddSingleton(new NavigationItem("Overview", "/overview", 5, Permissions.VmRead));
        services.AddScoped<MetricStore>();
        services.AddScoped<UsageIngest>();
        services.AddScoped<IVmRemovalParticipant, UsageHistoryRemoval>();
        services.AddHostedService<MetricRollups>();
        services.AddSingleton<UsageGauges>();
        services.AddSingleton<IPortalMetrics>(sp => sp.GetRequiredService<UsageGauges>());
        services.AddRequestPermission(Permissions.VmRead, typeof(GetVmMetrics), typeof(GetVmTraffic), typeof(GetVdcMetrics));
        services.AddVmRequest<GetVmMetrics>(AccessLevel.View, r => r.VmId);
        services.AddVmRequest<GetVmTraffic>(AccessLevel.View, r => r.VmId);
        services.AddRequestPermission(Permissions.OperationsRead, typeof(GetNodeMetrics));

        services.Configure<AlertOptions>(configuration.GetSection("Alerts"));
        services.AddMailer(configuration);
        services.Configure<WebhookOptions>(configuration.GetSection("Webhooks"));
        services.AddTenantEvents<AlertEventSource>(AlertEventSource.Types);
        services.AddScoped<AlertEngine>();
        services.AddScoped<AlertNotifications>();
        services.AddScoped<AlertSender>();
        services.AddHostedService<AlertEvaluator>();
        services.AddHostedService<AlertDeliveryService>();
        services.AddHttpClient(AlertSender.HttpClientName, (sp, client) => client.Timeout = sp.GetRequiredService<IOptions<WebhookOptions>>().Value.Timeout)
            .ConfigurePrimaryHttpMessageHandler(sp => WebhookAddressGuard.Handler(sp.GetRequiredService<IOptions<WebhookOptions>>().Value));
        services.AddScoped<IValidator<CreateAlertRule>, CreateAlertRuleValidator>();
        services.AddScoped<IValidator<ListAlerts>, ListAlertsValidator>();
        services.AddRequestPermission(Permissions.AlertRead, typeof(ListAlerts), typeof(ListAlertRules));
        services.AddRequestPermission(Permissions.AlertManage, typeof(CreateAlertRule), typeof(SetAlertRuleEnabled), typeof(DeleteAlertRule), typeof(AcknowledgeAlert));
        services.AddSingleton(new NavigationItem("Alerts", "/alerts", 32, Permissions.AlertRead));
    }

    public void ConfigureModel(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<MetricSeries>(e =>
        {
            e.ToTable("MetricSeries");
            e.Property(x => x.Kind).HasMaxLength(10);
            e.Property(x => x.Subject).HasMaxLength(63);
            e.HasIndex(x => new { x.Subject, x.Kind }).IsUnique();
            e.HasMany(x => x.Points).WithOne().HasForeignKey(p => p.SeriesId).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(x => x.Traffic).WithOne().HasForeignKey(t => t.SeriesId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<MetricPoint>(e =>
        {
            e.ToTable("MetricPoints");
            e.HasKey(x => new { x.SeriesId, x.Tier, x.Slot });
            e.Property(x => x.Data).HasMaxLength(MetricData.Count * 12);
            e.HasIndex(x => new { x.Tier, x.BucketStart });
        });
        modelBuilder.Entity<MetricRollupMark>(e =>
        {
            e.ToTable("MetricRollupMarks");
            e.HasKey(x => x.Tier);
            e.Property(x => x.Tier).ValueGeneratedNever();
        });
        modelBuilder.Entity<TrafficMonth>(e =>
        {
            e.ToTable("TrafficMonths");
            e.HasKey(x => new { x.SeriesId, x.Month });
        });
        modelBuilder.Entity<AlertRule>(e =>
        {
            e.ToTable("AlertRules");
            e.Property(x => x.Name).HasMaxLength(80);
            e.Property(x => x.Scope).HasMaxLength(10);
            e.Property(x => x.Subject).HasMaxLength(63);
            e.Property(x => x.Condition).HasMaxLength(20);
            e.Property(x => x.Emails).HasMaxLength(1300);
            e.Property(x => x.WebhookUrl).HasMaxLength(WebhookAddressGuard.MaxUrlLength);
            e.Property(x => x.WebhookSecret).HasMaxLength(100);
            e.Property(x => x.CreatedBy).HasMaxLength(200);
            e.Ignore(x => x.EmailList);
        });
        modelBuilder.Entity<Alert>(e =>
        {
            e.ToTable("Alerts");
            e.Property(x => x.RuleName).HasMaxLength(80);
            e.Property(x => x.Condition).HasMaxLength(20);
            e.Property(x => x.Subject).HasMaxLength(63);
            e.Property(x => x.SubjectName).HasMaxLength(200);
            e.Property(x => x.State).HasMaxLength(20);
            e.Property(x => x.AcknowledgedBy).HasMaxLength(200);
            e.Property(x => x.Resolution).HasMaxLength(300);
            e.HasIndex(x => new { x.State, x.FiredAt });
            e.HasIndex(x => new { x.RuleId, x.Subject });
        });
        modelBuilder.Entity<AlertDelivery>(e =>
        {
            e.ToTable("AlertDeliveries");
            e.Property(x => x.Channel).HasMaxLength(10);
            e.Property(x => x.Target).HasMaxLength(WebhookAddressGuard.MaxUrlLength);
            e.Property(x => x.Event).HasMaxLength(20);
            e.Property(x => x.LastError).HasMaxLength(500);
            e.HasIndex(x => new { x.DeliveredAt, x.Abandoned });
        });
    }

    public void ConfigureBus(IBusRegistrationConfigurator bus) =>
        bus.AddConsumer<UsageReportedConsumer>(c => c.Options<BatchOptions>(o => o
            .SetMessageLimit(UsageReportedConsumer.BatchSize)
            .SetTimeLimit(UsageReportedConsumer.BatchWait)
            .SetConcurrencyLimit(1)));

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        MetricsEndpoints.Map(endpoints);
        AlertEndpoints.Map(endpoints);
        OverviewPage.Map(endpoints);
    }
}
