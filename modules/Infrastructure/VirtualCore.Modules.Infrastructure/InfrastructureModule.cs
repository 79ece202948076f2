using MassTransit;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Modules;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Framework.Views;
using VirtualCore.Framework.Web;
using VirtualCore.Modules.Identity.Contracts;
using VirtualCore.Modules.Infrastructure.Contracts;
using VirtualCore.Modules.Infrastructure.Domain;
using VirtualCore.Modules.Infrastructure.Features;
using VirtualCore.Modules.Infrastructure.Web;

namespace VirtualCore.Modules.Infrastructure;

/// <summary>Rack servers (nodes), their capacity, and the ISO library with its uploads.</summary>
public sealed class InfrastructureModule : IModule
{
    public ModuleManifest Manifest { get; } = new(
        "Infrastructure",
        "Rack servers and storage",
        new Version(1, 0),
        ["Identity"],
        ["Infrastructure/DeadLetters.sbn-html", "Infrastructure/Isos.sbn-html", "Infrastructure/IpPools.sbn-html"]);

    public void ConfigureServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddPageModel<DeadLettersPageModel>("Infrastructure/DeadLetters.sbn-html");
        services.AddPageModel<IpPoolsModel>(IpPoolsPage.Template);
        services.AddPageModel<IsoLibraryModel>(IsoLibraryPage.Template);
        services.Configure<InfrastructureOptions>(configuration.GetSection(InfrastructureOptions.Section));
        services.PostConfigure<InfrastructureOptions>(o => o.IsoLibrary.Path = Path.GetFullPath(
            o.IsoLibrary.Path ?? Path.Combine(configuration["DataDirectory"] ?? Path.Combine(AppContext.BaseDirectory, "data"), "isos")));
        services.AddSingleton<IsoUploadWriter>();
        services.AddRequestPermission(Permissions.ImageUpload, typeof(StartIsoUpload), typeof(GetIsoUpload), typeof(RecordIsoUpload), typeof(CancelIsoUpload), typeof(DeleteIsoImage), typeof(AddIsoImageFromUrl), typeof(ListIsoFetches));
        services.AddHostedService<IsoFetcher>();
        services.AddScoped<IVmAddresses, VmAddresses>();
        services.AddRequestPermission(Permissions.NetworkManage, typeof(CreateIpPool), typeof(ListIpPools), typeof(DeleteIpPool), typeof(GetReverseZone));
        services.AddRequestPermission(Permissions.VmRead, typeof(ListVmAddresses));
        services.AddRequestPermission(Permissions.VmOperate, typeof(SetReverseName));
        services.AddVmRequest<ListVmAddresses>(AccessLevel.View, r => r.VmId);
        services.AddVmRequest<SetReverseName>(AccessLevel.Manage, r => r.VmId);
        services.AddSingleton(new NavigationItem("Images", "/isos", 35, Permissions.VmRead));
        services.AddScoped<IRequiredData, InfrastructureRegistrations>();
        services.AddScoped<ISeedData, InfrastructureDemoData>();
        services.AddRequestPermission(Permissions.NodeRead, typeof(ListRackServers));
        services.AddRequestPermission(Permissions.VmRead, typeof(ListIsoImages), typeof(GetIsoImageFile));
        services.AddRequestPermission(Permissions.OperationsRead, typeof(ListDeadLetters));
        services.AddScoped<IValidator<ListDeadLetters>, ListDeadLettersValidator>();
        services.AddHealthChecks().AddCheck<AgentsHealthCheck>("agents", tags: [HealthTags.Ready]);
        services.AddSingleton<IPortalMetrics, InfrastructureMetrics>();
        services.AddSingleton(new NavigationItem("IP pools", "/operations/ip-pools", 75, Permissions.NetworkManage));
        services.AddSingleton(new NavigationItem("Dead letters", "/operations/dead-letters", 80, Permissions.OperationsRead));
    }

    public void ConfigureModel(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<RackServer>(e =>
        {
            e.ToTable("RackServers");
            e.Property(x => x.Name).HasMaxLength(63);
            e.Property(x => x.Role).HasMaxLength(20);
            e.Property(x => x.CpuModel).HasMaxLength(100);
            e.Property(x => x.AgentVersion).HasMaxLength(40);
            e.Property(x => x.Capabilities).HasMaxLength(1000);
            e.Property(x => x.MigrationUri).HasMaxLength(500);
            e.Property(x => x.SharedStorage).HasMaxLength(100);
            e.HasIndex(x => x.Name).IsUnique();
        });
        modelBuilder.Entity<IsoImage>(e =>
        {
            e.ToTable("IsoImages");
            e.Property(x => x.Name).HasMaxLength(100);
            e.Property(x => x.Title).HasMaxLength(200);
            e.Property(x => x.Path).HasMaxLength(500);
            e.Property(x => x.State).HasMaxLength(20);
            e.Property(x => x.Format).HasMaxLength(10);
            e.Property(x => x.Sha256).HasMaxLength(64);
            e.Property(x => x.ExpectedSha256).HasMaxLength(64);
            e.Property(x => x.SourceUrl).HasMaxLength(2000);
            e.Property(x => x.Problem).HasMaxLength(1000);
            e.HasIndex(x => x.State);
            e.Property(x => x.CreatedBy).HasMaxLength(200);
            e.HasIndex(x => x.Name).IsUnique();
            e.HasIndex(x => x.CustomerId);
        });
        modelBuilder.Entity<IpPool>(e =>
        {
            e.ToTable("IpPools");
            e.Property(x => x.Name).HasMaxLength(60);
            e.Property(x => x.Subnet).HasMaxLength(50);
            e.Property(x => x.FirstAddress).HasMaxLength(45);
            e.Property(x => x.LastAddress).HasMaxLength(45);
            e.Property(x => x.Gateway).HasMaxLength(45);
            e.Property(x => x.DnsServers).HasMaxLength(500);
            e.Property(x => x.NodeNames).HasMaxLength(2000);
            e.HasIndex(x => x.Name).IsUnique();
        });
        modelBuilder.Entity<IpAssignment>(e =>
        {
            e.ToTable("IpAssignments");
            e.Property(x => x.Address).HasMaxLength(45);
            e.Property(x => x.ReverseName).HasMaxLength(253);
            e.HasIndex(x => x.Address).IsUnique();
            e.HasIndex(x => x.VmId);
            e.HasIndex(x => x.PoolId);
        });
        modelBuilder.Entity<DeadLetter>(e =>
        {
            e.ToTable("DeadLetters");
            e.Property(x => x.MessageType).HasMaxLength(200);
            e.Property(x => x.Queue).HasMaxLength(200);
            e.Property(x => x.ExceptionType).HasMaxLength(200);
            e.Property(x => x.Reason).HasMaxLength(2000);
            e.Property(x => x.Host).HasMaxLength(200);
            e.Property(x => x.Message).HasMaxLength(4000);
            e.HasIndex(x => x.FaultId).IsUnique();
            e.HasIndex(x => x.At);
        });
    }

    public void ConfigureBus(IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<NodeHeartbeatConsumer>(c => c.Options<BatchOptions>(o => o
            .SetMessageLimit(NodeHeartbeatConsumer.BatchSize)
            .SetTimeLimit(NodeHeartbeatConsumer.BatchWait)
            .SetConcurrencyLimit(1)));
        foreach (var type in DeadLetterRecording.MessageTypes)
        {
            bus.AddConsumer(typeof(DeadLetterRecorder<>).MakeGenericType(type)).Endpoint(e => e.Name = DeadLetterRecording.Queue);
        }
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        DeadLetterEndpoints.Map(endpoints);
        IsoUploadEndpoints.Map(endpoints);
        IsoLibraryPage.Map(endpoints);
        IpPoolEndpoints.Map(endpoints);
        IpPoolsPage.Map(endpoints);
    }
}
