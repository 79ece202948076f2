using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using VirtualCore.Framework.Security;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Framework.Web;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Features.Actions;
using VirtualCore.Modules.Compute.Features.Create;
using VirtualCore.Modules.Compute.Features.Delete;
using VirtualCore.Modules.Compute.Features.DiskExports;
using VirtualCore.Modules.Compute.Features.EditHardware;
using VirtualCore.Modules.Compute.Features.Migrate;
using VirtualCore.Modules.Compute.Features.RecoveryPoints;

namespace VirtualCore.Modules.Compute.Web;

/// <summary>
/// The REST API of vServers, jobs and rack servers (/api/v1). Each VM action's scope follows from the access level
/// its descriptor needs; every action takes an <c>Idempotency-Key</c> header.
/// </summary>
internal static class ComputeApi
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/v1").RequireAuthorization();

        var vms = api.MapGroup("/vms").WithTags("vServers");
        vms.MapGet("/", (string? search, string? state, string? sort, int? limit, int? offset, ISender sender, CancellationToken ct) =>
                sender.Send(new ListVms(search, state, sort, limit, offset ?? 0), ct))
            .RequireScope(ApiScopes.Read).WithName("ListVms").PagesItself()
            .WithSummary("The account's vServers, filtered (search in the name, state), sorted (sort: name, state, node, created; \"-\" for descending) and paged (limit 1–1000, offset) in the database; all of them by name when nothing is asked.")
            .ProducesValidationProblem();
        vms.MapGet("/{vmId:guid}", (Guid vmId, ISender sender, CancellationToken ct) => sender.Send(new GetVm(vmId), ct))
            .RequireScope(ApiScopes.Read).WithName("GetVm").WithSummary("One vServer.").ProducesProblem(StatusCodes.Status404NotFound);
        vms.MapPost("/", async (CreateVmRequest body, HttpContext http, ISender sender, CancellationToken ct) =>
            {
                var command = new CreateVm(body.Name, body.VCpus, body.MemoryGiB, body.DiskGiB, body.IsoName, body.RequestId ?? IdempotencyKey.Of(http))
                {
                    CloudInit = body.CloudInit,
                    ImageName = body.ImageName,
                };
                var accepted = await sender.Send(await CreateVmDefaults.ApplyAsync(command, sender, ct), ct);
                return Results.Accepted($"/api/v1/jobs/{accepted.JobId}", accepted);
            })
            .RequireScope(ScopeFor(CreateVmHandler.Action))
            .WithName("CreateVm")
            .WithSummary(CreateVmHandler.Action.Summary)
            .Produces<JobAccepted>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem();
        foreach (var action in VmActions.Simple)
        {
            MapAction(vms, action);
        }

        vms.MapPatch("/{vmId:guid}/hardware", async (Guid vmId, EditVmHardwareRequest? body, HttpContext http, ISender sender, CancellationToken ct) =>
            {
                var accepted = await sender.Send(
                    new EditVmHardware(vmId, body?.VCpus, body?.MemoryGiB, body?.DiskGiB, body?.IsoName, body?.DetachIso == true, body?.BootOrder, body?.DiskBus, body?.NicModel, IdempotencyKey.Of(http)), ct);
                return Results.Accepted($"/api/v1/jobs/{accepted.JobId}", accepted);
            })
            .RequireScope(ScopeFor(EditVmHardwareHandler.Action))
            .WithName("EditVmHardware")
            .IfMatch(route => new GetVm(route.Guid("vmId")))
            .WithSummary("Changes a vServer's hardware; only the values given change. What the running guest cannot take at once "
                + "applies at its next boot and is listed in the vServer's nextBootChanges until it was shut off.")
            .Produces<JobAccepted>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        vms.MapDelete("/{vmId:guid}", async (Guid vmId, string? confirm, HttpContext http, ISender sender, CancellationToken ct) =>
            {
                var accepted = await sender.Send(new DeleteVm(vmId, confirm, IdempotencyKey.Of(http)), ct);
                return Results.Accepted($"/api/v1/jobs/{accepted.JobId}", accepted);
            })
            .RequireScope(ScopeFor(DeleteVmHandler.Action))
            .WithName("DeleteVm")
            .IfMatch(route => new GetVm(route.Guid("vmId")))
            .WithSummary(DeleteVmHandler.Action.Summary)
            .Produces<JobAccepted>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        vms.MapPost("/{vmId:guid}/migrate", async (Guid vmId, MigrateVmRequest? body, HttpContext http, ISender sender, CancellationToken ct) =>
            {
                var accepted = await sender.Send(new MigrateVm(vmId, body?.TargetNode, IdempotencyKey.Of(http)), ct);
                return Results.Accepted($"/api/v1/jobs/{accepted.JobId}", accepted);
            })
            .RequireScope(ScopeFor(MigrateVmHandlers.Action))
            .WithName("MigrateVm")
            .IfMatch(route => new GetVm(route.Guid("vmId")))
            .WithSummary(MigrateVmHandlers.Action.Summary)
            .Produces<JobAccepted>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        vms.MapPost("/{vmId:guid}/console", (Guid vmId, string? kind, ISender sender, CancellationToken ct) => sender.Send(new OpenConsoleTicket(vmId, kind ?? ConsoleKinds.Screen), ct))
            .RequireScope(ApiScopes.Operate).WithName("OpenConsole")
            .WithSummary("A single-use ticket (valid 30 s) to the VM's screen (kind=screen, RFB) or serial port (kind=serial, the terminal's bytes): open a WebSocket to its socketPath on this host name, from a page of this origin or with the same credentials.")
            .Produces<ConsoleTicketView>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        vms.MapGet("/{vmId:guid}/migration-targets", (Guid vmId, ISender sender, CancellationToken ct) => sender.Send(new ListMigrationTargets(vmId), ct))
            .RequireScope(ApiScopes.Manage)
            .WithName("ListMigrationTargets")
            .WithSummary("The other rack servers with their free cores and RAM, and why the vServer cannot move to one now.");

        var points = vms.MapGroup("/{vmId:guid}/recovery-points").WithTags("Recovery points");
        points.MapGet("/", (Guid vmId, ISender sender, CancellationToken ct) => sender.Send(new ListRecoveryPoints(vmId), ct))
            .RequireScope(ApiScopes.Read).WithName("ListRecoveryPoints").WithSummary("The vServer's recovery points, newest first.").ProducesProblem(StatusCodes.Status404NotFound);
        points.MapPost("/", async (Guid vmId, RecoveryPointRequest? body, HttpContext http, ISender sender, CancellationToken ct) =>
            {
                var accepted = await sender.Send(new CreateRecoveryPoint(vmId, body?.Note, IdempotencyKey.Of(http)), ct);
                return Results.Accepted($"/api/v1/jobs/{accepted.JobId}", accepted);
            })
            .RequireScope(ScopeFor(RecoveryPointHandlers.Take)).WithName("TakeRecoveryPoint").WithSummary(RecoveryPointHandlers.Take.Summary).Produces<JobAccepted>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        points.MapPost("/{recoveryPointId:guid}/revert", async (Guid vmId, Guid recoveryPointId, bool? confirm, HttpContext http, ISender sender, CancellationToken ct) =>
            {
                var accepted = await sender.Send(new RevertToRecoveryPoint(vmId, recoveryPointId, confirm == true, IdempotencyKey.Of(http)), ct);
                return Results.Accepted($"/api/v1/jobs/{accepted.JobId}", accepted);
            })
            .RequireScope(ScopeFor(RecoveryPointHandlers.Revert)).WithName("RevertToRecoveryPoint").IfMatch(route => new GetVm(route.Guid("vmId"))).WithSummary(RecoveryPointHandlers.Revert.Summary).Produces<JobAccepted>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        points.MapDelete("/{recoveryPointId:guid}", async (Guid vmId, Guid recoveryPointId, HttpContext http, ISender sender, CancellationToken ct) =>
            {
                var accepted = await sender.Send(new DeleteRecoveryPoint(vmId, recoveryPointId, IdempotencyKey.Of(http)), ct);
                return Results.Accepted($"/api/v1/jobs/{accepted.JobId}", accepted);
            })
            .RequireScope(ScopeFor(RecoveryPointHandlers.Delete)).WithName("DeleteRecoveryPoint").WithSummary(RecoveryPointHandlers.Delete.Summary).Produces<JobAccepted>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        var exports = vms.MapGroup("/{vmId:guid}/disk-exports").WithTags("Disk exports");
        exports.MapGet("/", (Guid vmId, ISender sender, CancellationToken ct) => sender.Send(new ListDiskExports(vmId), ct))
            .RequireScope(ScopeFor(DiskExportHandlers.Export)).WithName("ListDiskExports")
            .WithSummary("The vServer's disk exports, newest first: each ready one with its size and download path until it expires (24 hours).")
            .ProducesProblem(StatusCodes.Status404NotFound);
        exports.MapPost("/", async (Guid vmId, DiskExportRequest? body, HttpContext http, ISender sender, CancellationToken ct) =>
            {
                var accepted = await sender.Send(new ExportVmDisk(vmId, body?.Format, body?.RecoveryPointId, IdempotencyKey.Of(http)), ct);
                return Results.Accepted($"/api/v1/jobs/{accepted.JobId}", accepted);
            })
            .RequireScope(ScopeFor(DiskExportHandlers.Export)).WithName("ExportDisk").WithSummary(DiskExportHandlers.Export.Summary)
            .Produces<JobAccepted>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        exports.MapDelete("/{exportId:guid}", async (Guid vmId, Guid exportId, HttpContext http, ISender sender, CancellationToken ct) =>
            {
                var accepted = await sender.Send(new DeleteVmDiskExport(vmId, exportId, IdempotencyKey.Of(http)), ct);
                return Results.Accepted($"/api/v1/jobs/{accepted.JobId}", accepted);
            })
            .RequireScope(ScopeFor(DiskExportHandlers.DeleteExport)).WithName("DeleteDiskExport").WithSummary(DiskExportHandlers.DeleteExport.Summary)
            .Produces<JobAccepted>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        DiskExportDownloads.Map(vms);

        var jobs = api.MapGroup("/jobs").WithTags("Jobs").RequireScope(ApiScopes.Read);
        jobs.MapGet("/", async (string? status, string? action, string? search, Guid? vmId, int? limit, string? before, HttpContext http, ISender sender, CancellationToken ct) =>
            {
                var page = await sender.Send(new ListJobs(status, action, search, vmId, limit ?? 200, before), ct);
                if (JobCursor.After(page, limit ?? 200) is { } next)
                {
                    // The next page: the same request with the cursor, as a header and as an RFC 8288 link.
                    var query = http.Request.Query.Where(q => q.Key != "before").Select(q => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(q.Value.ToString())}")
                        .Append($"before={next}");
                    http.Response.Headers["X-Next-Cursor"] = next;
                    http.Response.Headers.Link = $"</api/v1/jobs?{string.Join('&', query)}>; rel=\"next\"";
                }

                return page;
            })
            .WithName("ListJobs")
            .PagesItself()
            .WithSummary("The job log, newest first, filtered; pages by keyset: when more may follow, X-Next-Cursor and a Link rel=\"next\" give the next page (before=<cursor>).")
            .ProducesValidationProblem();
        jobs.MapGet("/{jobId:guid}", (Guid jobId, ISender sender, CancellationToken ct) => sender.Send(new GetJob(jobId), ct))
            .WithName("GetJob").WithSummary("One job.").ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/capacity", (ISender sender, CancellationToken ct) => sender.Send(new GetVdcCapacity(), ct))
            .RequireScope(ApiScopes.Read).WithTags("vServers").WithName("GetVdcCapacity")
            .WithSummary("The caller's vDataCenter: cores, RAM and disk (GiB), each with its limit (null: none), the use and what is left.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/nodes", (ISender sender, CancellationToken ct) => sender.Send(new ListNodeUsage(), ct))
            .RequireScope(ApiScopes.Read).WithTags("Rack servers").WithName("ListRackServers").WithSummary("Rack servers with their capacity and what VMs use of it.");
        api.MapGet("/isos", (ISender sender, CancellationToken ct) => sender.Send(new Infrastructure.Contracts.ListIsoImages(), ct))
            .RequireScope(ApiScopes.Read).WithTags("Images").WithName("ListIsoImages").WithSummary("The image library: installation ISOs (format iso, for isoName) and disk images — cloud images and appliance disks (qcow2, vmdk, raw, for imageName).");
    }

    private static void MapAction(RouteGroupBuilder vms, VmAction action) =>
        vms.MapPost($"/{{vmId:guid}}/{action.Name}", async (Guid vmId, HttpContext http, ISender sender, CancellationToken ct) =>
            {
                var accepted = await sender.Send(action.Command!(vmId, IdempotencyKey.Of(http)), ct);
                return Results.Accepted($"/api/v1/jobs/{accepted.JobId}", accepted);
            })
            .RequireScope(ScopeFor(action))
            .WithName($"{char.ToUpperInvariant(action.Name[0])}{action.Name[1..].Replace("-o", "O", StringComparison.Ordinal)}Vm")
            .WithSummary(action.Summary)
            .IfMatch(route => new GetVm(route.Guid("vmId")))
            .Produces<JobAccepted>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

    /// <summary>A token reaches an action with the scope of the access level the action needs on the VM.</summary>
    private static string ScopeFor(VmAction action) => action.Level >= AccessLevel.Manage ? ApiScopes.Manage : ApiScopes.Operate;
}

/// <param name="Format">"qcow2" or "raw".</param>
/// <param name="RecoveryPointId">Export the disk as this recovery point holds it (the VM may run); none for the disk as it is now (the VM shut off).</param>
public sealed record DiskExportRequest(string? Format, Guid? RecoveryPointId);

/// <param name="Note">What the recovery point is for, e.g. "before the upgrade".</param>
public sealed record RecoveryPointRequest(string? Note);

/// <param name="Name">DNS-safe name, unique in the account.</param>
/// <param name="VCpus">1–8 dedicated cores.</param>
/// <param name="MemoryGiB">1–16.</param>
/// <param name="DiskGiB">10–2048.</param>
/// <param name="IsoName">Image from GET /api/v1/isos, or null.</param>
/// <param name="RequestId">Idempotency key (also the Idempotency-Key header): repeat a request with the same key and get the first answer.</param>
public sealed record CreateVmRequest(string? Name, int VCpus, int MemoryGiB, int DiskGiB, string? IsoName, Guid? RequestId, CloudInitOptions? CloudInit = null, string? ImageName = null);

/// <summary>A hardware change; leave out what stays as it is.</summary>
/// <param name="VCpus">1–8 dedicated cores on the vServer's rack server.</param>
/// <param name="MemoryGiB">1–16, as far as its rack server has RAM free.</param>
/// <param name="DiskGiB">Larger than now, up to 2048; only where the rack server can grow disks.</param>
/// <param name="IsoName">Image from GET /api/v1/isos for the CD-ROM drive.</param>
/// <param name="DetachIso">True to empty the CD-ROM drive.</param>
/// <param name="BootOrder">Boot devices in order: "disk", "cdrom", "network".</param>
/// <param name="DiskBus">"virtio" or "sata".</param>
/// <param name="NicModel">"virtio" or "e1000".</param>
public sealed record EditVmHardwareRequest(
    int? VCpus, int? MemoryGiB, int? DiskGiB, string? IsoName, bool? DetachIso, string[]? BootOrder, string? DiskBus, string? NicModel);

/// <param name="TargetNode">The rack server to move to, e.g. "rack-2".</param>
public sealed record MigrateVmRequest(string? TargetNode);
