using MassTransit;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Modules;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Framework.Web;
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
        [MetricsEndpoints.NodeTemplate]);

    public void ConfigureServices(IServiceCollection services, IConfiguration configuration)
    {
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
    }

    public void ConfigureBus(IBusRegistrationConfigurator bus) =>
        bus.AddConsumer<UsageReportedConsumer>(c => c.Options<BatchOptions>(o => o
            .SetMessageLimit(UsageReportedConsumer.BatchSize)
            .SetTimeLimit(UsageReportedConsumer.BatchWait)
            .SetConcurrencyLimit(1)));

    public void MapEndpoints(IEndpointRouteBuilder endpoints) => MetricsEndpoints.Map(endpoints);
}
