using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Framework.Events;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Messaging;
using VirtualCore.Framework.Modules;
using VirtualCore.Framework.Security;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Framework.Views;
using VirtualCore.Framework.Web;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Domain;
using VirtualCore.Modules.Compute.Features.Actions;
using VirtualCore.Modules.Compute.Features.Console;
using VirtualCore.Modules.Compute.Features.Create;
using VirtualCore.Modules.Compute.Features.Delete;
using VirtualCore.Modules.Compute.Features.DiskExports;
using VirtualCore.Modules.Compute.Features.EditHardware;
using VirtualCore.Modules.Compute.Features.Migrate;
using VirtualCore.Modules.Compute.Features.Park;
using VirtualCore.Modules.Compute.Features.Pause;
using VirtualCore.Modules.Compute.Features.PowerOff;
using VirtualCore.Modules.Compute.Features.Queries;
using VirtualCore.Modules.Compute.Features.RecoveryPoints;
using VirtualCore.Modules.Compute.Features.Reset;
using VirtualCore.Modules.Compute.Features.Restart;
using VirtualCore.Modules.Compute.Features.Resume;
using VirtualCore.Modules.Compute.Features.Shutdown;
using VirtualCore.Modules.Compute.Features.Start;
using VirtualCore.Modules.Compute.Features.Unpark;
using VirtualCore.Modules.Compute.Jobs;
using VirtualCore.Modules.Compute.Live;
using VirtualCore.Modules.Compute.Web;
using VirtualCore.Modules.Compute.Web.Pages;
using VirtualCore.Modules.Identity.Contracts;
using VirtualCore.Modules.Infrastructure.Contracts;

namespace VirtualCore.Modules.Compute;

/// <summary>vServers, their jobs and the job log, placement on rack servers with dedicated cores.</summary>
public sealed class ComputeModule : IModule
{
    public ModuleManifest Manifest { get; } = new(
        "Compute",
        "vServers and jobs",
        new Version(1, 0),
        ["Identity", "Infrastructure", "Tenancy"],
        [VmListPage.Template, VmNewPage.Template, VmDetailPage.Template, NodesPage.Template, JobLogPage.Template, VmHardwarePage.Template, VmConsolePage.Template, VmConsolePage.SerialTemplate]);

    public void ConfigureServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddPageModel<NodesModel>(NodesPage.Template);
        services.AddPageModel<JobLogModel>(JobLogPage.Template);
        services.AddPageModel<VmListModel>(VmListPage.Template);
        services.AddPageModel<VmNewModel>(VmNewPage.Template);
        services.AddPageModel<VmHardwareModel>(VmHardwarePage.Template);
        services.AddPageModel<VmDetailModel>(VmDetailPage.Template);
        services.AddPageModel<VmConsoleModel>(VmConsolePage.Template);
        services.AddPageModel<VmConsoleModel>(VmConsolePage.SerialTemplate);
        services.Configure<JobDispatchOptions>(configuration.GetSection("Jobs"));
        services.AddSingleton<JobDispatchSignal>();
        services.AddScoped<JobFactory>();
        services.AddScoped<VmActionQueue>();
        services.AddScoped<IIsoImageUsage, IsoImageUsage>();

        // Power actions change no capacity: each queues one job on one VM, and the VM's row version keeps it to one.
        services.AddReadCommittedCommands(
            typeof(StartVm), typeof(ShutdownVm), typeof(RestartVm), typeof(PauseVm), typeof(ResumeVm), typeof(ResetVm), typeof(PowerOffVm));

        // What takes or gives back cores and RAM is decided one at a time: each reads what every rack server holds.
        services.AddExclusiveCommands(typeof(CreateVm), typeof(EditVmHardware), typeof(MigrateVm), typeof(UnparkVm), typeof(ParkVm), typeof(DeleteVm));
        services.AddTenantEvents<ComputeEvents>(ComputeEvents.Types);
        services.AddScoped<IJobCompletion, CreateVmCompletion>();
        services.AddScoped<IJobCompletion, DeleteVmCompletion>();
        services.AddScoped<IJobCompletion, EditVmHardwareCompletion>();
        services.AddScoped<IJobCompletion, MigrateVmCompletion>();
        services.AddScoped<IJobCompletion, RecoveryPointCompletion>();
        services.AddScoped<IJobCompletion, DiskExportCompletion>();
        services.AddHostedService<DiskExportSweeper>();
        services.AddScoped<NodeUsageReader>();
        services.AddScoped<VmOwners>();
        services.AddScoped<IVmOwners>(sp => sp.GetRequiredService<VmOwners>());
        services.AddScoped<IVmFacts>(sp => sp.GetRequiredService<VmOwners>());
        services.AddScoped<VdcCapacity>();
        services.AddScoped<LiveNotifier>();
        services.AddSingleton<JobMetrics>();
        services.AddSingleton<IPortalMetrics>(sp => sp.GetRequiredService<JobMetrics>());
        services.AddHostedService<JobDispatcher>();
        services.AddScoped<IValidator<CreateVm>, CreateVmValidator>();
        services.AddScoped<IValidator<EditVmHardware>, EditVmHardwareValidator>();
        services.AddScoped<IValidator<ListJobs>, ListJobsValidator>();
        services.AddScoped<IValidator<ListVms>, ListVmsValidator>();
        services.AddSignalR();
        services.AddSingleton<LiveConnections>();
        services.AddHostedService<LiveConnectionSweeper>();

        services.AddRequestPermission(Permissions.VmCreate, typeof(CreateVm), typeof(GetVdcCapacity));
        services.AddRequestPermission(Permissions.VmOperate, typeof(StartVm), typeof(ShutdownVm), typeof(PowerOffVm), typeof(RestartVm), typeof(ResetVm), typeof(PauseVm), typeof(ResumeVm), typeof(ParkVm), typeof(UnparkVm), typeof(DeleteVm),
            typeof(EditVmHardware), typeof(CreateRecoveryPoint), typeof(RevertToRecoveryPoint), typeof(DeleteRecoveryPoint), typeof(MigrateVm), typeof(ListMigrationTargets),
            typeof(ListDiskExports), typeof(ExportVmDisk), typeof(DeleteVmDiskExport), typeof(GetDiskExportDownload));
        services.AddRequestPermission(Permissions.VmRead, typeof(ListVms), typeof(GetVm), typeof(ListRecoveryPoints), typeof(CountVmsByState));

        // The level each VM request needs on its VM, checked before validation by VmGuard.
        services.AddScoped<IVmGuard, VmGuard>();
        services.AddVmRequest<GetVm>(AccessLevel.View, r => r.VmId);
        services.AddVmRequest<ListRecoveryPoints>(AccessLevel.View, r => r.VmId);
        services.AddVmRequest<StartVm>(StartVmHandler.Action.Level, r => r.VmId);
        services.AddVmRequest<ShutdownVm>(ShutdownVmHandler.Action.Level, r => r.VmId);
        services.AddVmRequest<PowerOffVm>(PowerOffVmHandler.Action.Level, r => r.VmId);
        services.AddVmRequest<RestartVm>(RestartVmHandler.Action.Level, r => r.VmId);
        services.AddVmRequest<ResetVm>(ResetVmHandler.Action.Level, r => r.VmId);
        services.AddVmRequest<PauseVm>(PauseVmHandler.Action.Level, r => r.VmId);
        services.AddVmRequest<ResumeVm>(ResumeVmHandler.Action.Level, r => r.VmId);
        services.AddVmRequest<ParkVm>(ParkVmHandler.Action.Level, r => r.VmId);
        services.AddVmRequest<UnparkVm>(UnparkVmHandler.Action.Level, r => r.VmId);
        services.AddVmRequest<DeleteVm>(DeleteVmHandler.Action.Level, r => r.VmId);
        services.AddVmRequest<EditVmHardware>(EditVmHardwareHandler.Action.Level, r => r.VmId);
        services.AddVmRequest<CreateRecoveryPoint>(RecoveryPointHandlers.Take.Level, r => r.VmId);
        services.AddVmRequest<RevertToRecoveryPoint>(RecoveryPointHandlers.Revert.Level, r => r.VmId);
        services.AddVmRequest<DeleteRecoveryPoint>(RecoveryPointHandlers.Delete.Level, r => r.VmId);
        services.AddVmRequest<MigrateVm>(MigrateVmHandlers.Action.Level, r => r.VmId);
        services.AddVmRequest<ListMigrationTargets>(AccessLevel.Manage, r => r.VmId);
        services.AddVmRequest<ListDiskExports>(DiskExportHandlers.Export.Level, r => r.VmId);
        services.AddVmRequest<GetDiskExportDownload>(DiskExportHandlers.Export.Level, r => r.VmId);
        services.AddVmRequest<ExportVmDisk>(DiskExportHandlers.Export.Level, r => r.VmId);
        services.AddVmRequest<DeleteVmDiskExport>(DiskExportHandlers.DeleteExport.Level, r => r.VmId);
        services.Configure<ConsoleOptions>(configuration.GetSection("Console"));
        services.AddSingleton<ConsoleRendezvous>();
        services.AddRequestPermission(Permissions.VmOperate, typeof(OpenConsoleTicket));
        services.AddVmRequest<OpenConsoleTicket>(AccessLevel.Operate, r => r.VmId);

        services.AddRequestPermission(Permissions.JobRead, typeof(ListJobs), typeof(GetJob));
        services.AddRequestPermission(Permissions.NodeRead, typeof(ListNodeUsage));

        services.AddSingleton(new NavigationItem("vServers", "/vms", 10, Permissions.VmRead));
        services.AddSingleton(new NavigationItem("Rack servers", "/nodes", 20, Permissions.NodeRead));
        services.AddSingleton(new NavigationItem("Job log", "/jobs", 30, Permissions.JobRead));
    }

    public void ConfigureModel(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<VirtualMachine>(e =>
        {
            e.ToTable("VirtualMachines");
            e.Property(x => x.Name).HasMaxLength(63);
            e.Property(x => x.IsoName).HasMaxLength(100);
            e.Property(x => x.ImageName).HasMaxLength(100);
            e.Property(x => x.NodeName).HasMaxLength(63);
            e.Property(x => x.MacAddress).HasMaxLength(17);
            e.Property(x => x.Addresses).HasMaxLength(1000);
            e.Property(x => x.State).HasMaxLength(20);
            e.Property(x => x.CreatedBy).HasMaxLength(64);
            e.Property(x => x.BootOrder).HasMaxLength(40);
            e.Property(x => x.DiskBus).HasMaxLength(20);
            e.Property(x => x.NicModel).HasMaxLength(20);
            e.Property(x => x.NextBootChanges).HasMaxLength(200);
            e.Ignore(x => x.DiskPath);
            // A live VM's name is its customer's alone, also when two requests race for it; a VM whose creation
            // failed keeps its row (and name) but no longer holds the name. Quoted for both SQLite and PostgreSQL.
            e.HasIndex(x => new { x.CustomerId, x.Name }).IsUnique().HasFilter($"\"State\" <> '{VmStates.Failed}'");
            e.HasIndex(x => x.RequestId).IsUnique();

            // Every heartbeat reads its rack server's VMs: without this, 500 rack servers beating every 2 s read the
            // whole table 250 times a second.
            e.HasIndex(x => x.NodeName);
            e.HasMany(x => x.Cores).WithOne().HasForeignKey(c => c.VmId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<ConsoleTicket>(e =>
        {
            e.ToTable("ConsoleTickets");
            e.Property(x => x.SecretHash).HasMaxLength(64);
            e.Property(x => x.Host).HasMaxLength(300);
            e.Property(x => x.Kind).HasMaxLength(10);
            e.HasIndex(x => x.SecretHash).IsUnique();
            e.HasIndex(x => x.ExpiresAt);
        });
        modelBuilder.Entity<RecoveryPointRecord>(e =>
        {
            e.ToTable("RecoveryPoints");
            e.Property(x => x.Name).HasMaxLength(60);
            e.Property(x => x.Note).HasMaxLength(200);
            e.Property(x => x.Status).HasMaxLength(20);
            e.HasIndex(x => x.VmId);
        });
        modelBuilder.Entity<DiskExportRecord>(e =>
        {
            e.ToTable("DiskExports");
            e.Property(x => x.NodeName).HasMaxLength(63);
            e.Property(x => x.Format).HasMaxLength(10);
            e.Property(x => x.RecoveryPointName).HasMaxLength(60);
            e.Property(x => x.Status).HasMaxLength(20);
            e.HasIndex(x => x.VmId);
            e.HasIndex(x => x.ExpiresAt);
        });
        modelBuilder.Entity<HardwareEdit>(e =>
        {
            e.ToTable("HardwareEdits");
            e.Property(x => x.CoresAfter).HasMaxLength(400);
            e.Property(x => x.CoresAdded).HasMaxLength(400);
            e.Property(x => x.IsoName).HasMaxLength(100);
            e.Property(x => x.BootOrder).HasMaxLength(40);
            e.Property(x => x.DiskBus).HasMaxLength(20);
            e.Property(x => x.NicModel).HasMaxLength(20);
            e.HasIndex(x => x.VmId);
        });
        modelBuilder.Entity<CoreAllocation>(e =>
        {
            e.ToTable("CoreAllocations");
            e.HasKey(x => new { x.NodeName, x.Core });
            e.Property(x => x.NodeName).HasMaxLength(63);
        });
        modelBuilder.Entity<Job>(e =>
        {
            e.ToTable("Jobs");
            e.Property(x => x.TargetType).HasMaxLength(20);
            e.Property(x => x.TargetName).HasMaxLength(63);
            e.Property(x => x.Action).HasMaxLength(30);
            e.Property(x => x.UserName).HasMaxLength(64);
            e.Property(x => x.NodeName).HasMaxLength(63);
            e.Property(x => x.Status).HasMaxLength(20);
            e.Property(x => x.Info).HasMaxLength(2000);
            e.Property(x => x.CommandName).HasMaxLength(60);
            e.Ignore(x => x.IsOpen);
            e.HasIndex(x => x.QueuedAt);
            e.HasIndex(x => new { x.Status, x.DispatchedAt });

            // The job log filtered by status, newest first, without reading a million rows for the rare failed ones.
            e.HasIndex(x => new { x.Status, x.QueuedAt });
            e.HasIndex(x => x.TargetId);
            e.Property(x => x.SubjectKind).HasMaxLength(20);
            e.HasIndex(x => x.RequestId).IsUnique();
        });
    }

    public void ConfigureBus(IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<JobEventConsumers>();
        bus.AddConsumer<NodeReconciliation>();

        // One queue per portal instance; one message at a time so a page sees a job's changes in order. The broker
        // hands out many ahead of their acknowledgement: with one in flight, every broadcast waited for a round trip.
        bus.AddConsumer<LiveBroadcastConsumer>().Endpoint(e =>
        {
            e.Name = BusQueues.ForThisInstance("vcore-live-broadcast");
            e.ConcurrentMessageLimit = 1;
            e.PrefetchCount = 256;
        });
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        ComputeApi.Map(endpoints);
        ComputePages.Map(endpoints);
        ConsoleEndpoints.Map(endpoints);
        endpoints.MapHub<LiveHub>("/hubs/live").RequireScope(ApiScopes.Read);
    }
}
