using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using VirtualCore.Framework.Security;
using VirtualCore.Modules.Compute.Contracts;

namespace VirtualCore.Modules.Compute.Web;

/// <summary>The REST API of vServers, jobs and rack servers (/api/v1).</summary>
internal static class ComputeApi
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/v1").RequireAuthorization();

        var vms = api.MapGroup("/vms").WithTags("vServers");
        vms.MapGet("/", (ISender sender, CancellationToken ct) => sender.Send(new ListVms(), ct))
            .RequireScope(ApiScopes.Read).WithName("ListVms").WithSummary("All vServers of the account.");
        vms.MapGet("/{vmId:guid}", (Guid vmId, ISender sender, CancellationToken ct) => sender.Send(new GetVm(vmId), ct))
            .RequireScope(ApiScopes.Read).WithName("GetVm").WithSummary("One vServer.").ProducesProblem(StatusCodes.Status404NotFound);
        vms.MapPost("/", async (CreateVmRequest body, ISender sender, CancellationToken ct) =>
            {
                var accepted = await sender.Send(new CreateVm(body.Name, body.VCpus, body.MemoryGiB, body.DiskGiB, body.IsoName, body.RequestId), ct);
                return Results.Accepted($"/api/v1/jobs/{accepted.JobId}", accepted);
            })
            .RequireScope(ApiScopes.Manage)
            .WithName("CreateVm")
            .WithSummary("Creates a vServer with dedicated cores; answers with the job that defines it on a rack server.")
            .Produces<JobAccepted>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem();
        MapAction(vms, "start", id => new StartVm(id), "Starts a shut-off vServer.");
        MapAction(vms, "shutdown", id => new ShutdownVm(id), "Asks the guest to shut down (ACPI).");
        MapAction(vms, "power-off", id => new PowerOffVm(id), "Cuts the power of a vServer.");
        MapAction(vms, "restart", id => new RestartVm(id), "Asks the guest to restart (ACPI).");
        MapAction(vms, "reset", id => new ResetVm(id), "Resets a vServer at once.");
        MapAction(vms, "pause", id => new PauseVm(id), "Pauses a running vServer; its memory stays.");
        MapAction(vms, "resume", id => new ResumeVm(id), "Resumes a paused vServer.");
        MapAction(vms, "park", id => new ParkVm(id), "Saves the memory to disk and frees the rack server's RAM and dedicated cores.");
        MapAction(vms, "unpark", id => new UnparkVm(id), "Brings a parked vServer back to where it was, on free dedicated cores of its rack server.");
        vms.MapPatch("/{vmId:guid}/hardware", async (Guid vmId, EditVmHardwareRequest? body, ISender sender, CancellationToken ct) =>
            {
                var accepted = await sender.Send(
                    new EditVmHardware(vmId, body?.VCpus, body?.MemoryGiB, body?.DiskGiB, body?.IsoName, body?.DetachIso == true, body?.BootOrder, body?.DiskBus, body?.NicModel), ct);
                return Results.Accepted($"/api/v1/jobs/{accepted.JobId}", accepted);
            })
            .RequireScope(ApiScopes.Manage)
            .WithName("EditVmHardware")
            .WithSummary("Changes a vServer's hardware; only the values given change. What the running guest cannot take at once "
                + "applies at its next boot and is listed in the vServer's nextBootChanges until it was shut off.")
            .Produces<JobAccepted>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        vms.MapDelete("/{vmId:guid}", async (Guid vmId, string? confirm, ISender sender, CancellationToken ct) =>
            {
                var accepted = await sender.Send(new DeleteVm(vmId, confirm), ct);
                return Results.Accepted($"/api/v1/jobs/{accepted.JobId}", accepted);
            })
            .RequireScope(ApiScopes.Manage)
            .WithName("DeleteVm")
            .WithSummary("Deletes a vServer with its disks; `confirm` must repeat its name.")
            .Produces<JobAccepted>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        vms.MapPost("/{vmId:guid}/migrate", async (Guid vmId, MigrateVmRequest? body, ISender sender, CancellationToken ct) =>
            {
                var accepted = await sender.Send(new MigrateVm(vmId, body?.TargetNode), ct);
                return Results.Accepted($"/api/v1/jobs/{accepted.JobId}", accepted);
            })
            .RequireScope(ApiScopes.Manage)
            .WithName("MigrateVm")
            .WithSummary("Moves a running vServer live to another rack server, onto dedicated cores there.")
            .Produces<JobAccepted>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        vms.MapGet("/{vmId:guid}/migration-targets", (Guid vmId, ISender sender, CancellationToken ct) => sender.Send(new ListMigrationTargets(vmId), ct))
            .RequireScope(ApiScopes.Manage)
            .WithName("ListMigrationTargets")
            .WithSummary("The other rack servers with their free cores and RAM, and why the vServer cannot move to one now.");

        var points = vms.MapGroup("/{vmId:guid}/recovery-points").WithTags("Recovery points");
        points.MapGet("/", (Guid vmId, ISender sender, CancellationToken ct) => sender.Send(new ListRecoveryPoints(vmId), ct))
            .RequireScope(ApiScopes.Read).WithSummary("The vServer's recovery points, newest first.").ProducesProblem(StatusCodes.Status404NotFound);
        points.MapPost("/", async (Guid vmId, RecoveryPointRequest? body, ISender sender, CancellationToken ct) =>
            {
                var accepted = await sender.Send(new CreateRecoveryPoint(vmId, body?.Note), ct);
                return Results.Accepted($"/api/v1/jobs/{accepted.JobId}", accepted);
            })
            .RequireScope(ApiScopes.Manage).WithSummary("Takes a recovery point (live where the rack server can).").Produces<JobAccepted>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        points.MapPost("/{recoveryPointId:guid}/revert", async (Guid vmId, Guid recoveryPointId, bool? confirm, ISender sender, CancellationToken ct) =>
            {
                var accepted = await sender.Send(new RevertToRecoveryPoint(vmId, recoveryPointId, confirm == true), ct);
                return Results.Accepted($"/api/v1/jobs/{accepted.JobId}", accepted);
            })
            .RequireScope(ApiScopes.Manage).WithSummary("Returns the vServer to a recovery point; needs `confirm=true`.").Produces<JobAccepted>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        points.MapDelete("/{recoveryPointId:guid}", async (Guid vmId, Guid recoveryPointId, ISender sender, CancellationToken ct) =>
            {
                var accepted = await sender.Send(new DeleteRecoveryPoint(vmId, recoveryPointId), ct);
                return Results.Accepted($"/api/v1/jobs/{accepted.JobId}", accepted);
            })
            .RequireScope(ApiScopes.Manage).WithSummary("Deletes a recovery point.").Produces<JobAccepted>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        var jobs = api.MapGroup("/jobs").WithTags("Jobs").RequireScope(ApiScopes.Read);
        jobs.MapGet("/", (string? status, string? action, string? search, Guid? vmId, int? limit, ISender sender, CancellationToken ct) =>
                sender.Send(new ListJobs(status, action, search, vmId, limit ?? 200), ct))
            .WithName("ListJobs").WithSummary("The job log, newest first, filtered.").ProducesValidationProblem();
        jobs.MapGet("/{jobId:guid}", (Guid jobId, ISender sender, CancellationToken ct) => sender.Send(new GetJob(jobId), ct))
            .WithName("GetJob").WithSummary("One job.").ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/capacity", (ISender sender, CancellationToken ct) => sender.Send(new GetVdcCapacity(), ct))
            .RequireScope(ApiScopes.Read).WithTags("vServers").WithName("GetVdcCapacity")
            .WithSummary("The caller's vDataCenter: cores, RAM and disk (GiB), each with its limit (null: none), the use and what is left.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/nodes", (ISender sender, CancellationToken ct) => sender.Send(new ListNodeUsage(), ct))
            .RequireScope(ApiScopes.Read).WithTags("Rack servers").WithName("ListRackServers").WithSummary("Rack servers with their capacity and what VMs use of it.");
        api.MapGet("/isos", (ISender sender, CancellationToken ct) => sender.Send(new Infrastructure.Contracts.ListIsoImages(), ct))
            .RequireScope(ApiScopes.Read).WithTags("Images").WithName("ListIsoImages").WithSummary("The ISO library.");
    }

    private static void MapAction(RouteGroupBuilder vms, string action, Func<Guid, ICommand<JobAccepted>> command, string summary) =>
        vms.MapPost($"/{{vmId:guid}}/{action}", async (Guid vmId, ISender sender, CancellationToken ct) =>
            {
                var accepted = await sender.Send(command(vmId), ct);
                return Results.Accepted($"/api/v1/jobs/{accepted.JobId}", accepted);
            })
            .RequireScope(ApiScopes.Operate)
            .WithName($"{char.ToUpperInvariant(action[0])}{action[1..].Replace("-o", "O", StringComparison.Ordinal)}Vm")
            .WithSummary(summary)
            .Produces<JobAccepted>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
}

/// <param name="Name">DNS-safe name, unique in the account.</param>
/// <param name="VCpus">1–8 dedicated cores.</param>
/// <param name="MemoryGiB">1–16.</param>
/// <param name="DiskGiB">10–2048.</param>
/// <param name="IsoName">Image from GET /api/v1/isos, or null.</param>
/// <param name="RequestId">Idempotency key: repeat a request with the same key and get the first answer.</param>
/// <param name="Note">What the recovery point is for, e.g. "before the upgrade".</param>
public sealed record RecoveryPointRequest(string? Note);

public sealed record CreateVmRequest(string? Name, int VCpus, int MemoryGiB, int DiskGiB, string? IsoName, Guid? RequestId);

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
