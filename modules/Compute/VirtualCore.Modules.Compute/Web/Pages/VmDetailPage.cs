using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Framework.Web;
using VirtualCore.Framework.Web.Pages;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Features.Actions;
using VirtualCore.Modules.Infrastructure.Contracts;

namespace VirtualCore.Modules.Compute.Web.Pages;

/// <summary>The model of <c>Compute/VmDetail.sbn-html</c>: one vServer with its buttons, recovery points and jobs.</summary>
/// <param name="Vm">The VM.</param>
/// <param name="Jobs">Its latest jobs, newest first.</param>
/// <param name="VmFilter">The VM's id, for the live job feed.</param>
/// <param name="Error">Why the last form was refused, or null.</param>
/// <param name="CanOperate">True when the user may operate it.</param>
/// <param name="CanDelete">True when the user may delete it now.</param>
/// <param name="CanManage">True when the user may manage it (hardware, recovery points, moving).</param>
/// <param name="CanMove">True when it can move to one of <paramref name="MoveTargets"/> now.</param>
/// <param name="MoveTargets">The other rack servers and whether it can move there.</param>
/// <param name="RecoveryPoints">Its recovery points, newest first.</param>
/// <param name="Actions">The power buttons, from the actions' descriptors.</param>
/// <param name="ConsoleSimulated">True when its rack server is simulated (its screen shows typed keys as blocks).</param>
/// <param name="ConsoleAutoconnect">True when the console connects as the page opens (its own page), false when on a click.</param>
/// <param name="Assigned">The addresses it holds from the provider's pools.</param>
/// <param name="DiskExports">Its disk exports, newest first (only for those who may manage it).</param>
/// <param name="Suspension">Why the caller's account is suspended (its users may then do nothing with the VM); empty otherwise.</param>
public sealed record VmDetailModel(
    VmRow Vm,
    IReadOnlyList<JobRow> Jobs,
    string VmFilter,
    string? Error,
    bool CanOperate,
    bool CanDelete,
    bool CanManage,
    bool CanMove,
    IReadOnlyList<MoveTarget> MoveTargets,
    IReadOnlyList<RecoveryPointRow> RecoveryPoints,
    IReadOnlyList<ActionButton> Actions,
    bool ConsoleSimulated = false,
    bool ConsoleAutoconnect = false,
    IReadOnlyList<AssignedAddressRow>? Assigned = null,
    IReadOnlyList<DiskExportRow>? DiskExports = null,
    string Suspension = "");

/// <summary>A disk export of the VM.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Format">"qcow2" or "raw".</param>
/// <param name="Source">What it holds: "the disk as it was" or the recovery point's name.</param>
/// <param name="Status">"exporting", "ready" or "deleting".</param>
/// <param name="Size">Its size in words, once ready.</param>
/// <param name="Created">When it was made (UTC, ISO 8601).</param>
/// <param name="Expires">When it is deleted (UTC, ISO 8601).</param>
/// <param name="DownloadUrl">Where to download it, once ready; else empty.</param>
public sealed record DiskExportRow(string Id, string Format, string Source, string Status, string Size, string Created, string Expires, string DownloadUrl);

/// <summary>An address the VM holds from one of the provider's pools.</summary>
/// <param name="Address">The address.</param>
/// <param name="Network">It with its prefix, e.g. "192.0.2.10/24".</param>
/// <param name="Gateway">The subnet's gateway, or empty.</param>
/// <param name="Dns">The DNS servers, comma-separated.</param>
/// <param name="ReverseName">Its reverse DNS name, or empty.</param>
public sealed record AssignedAddressRow(string Address, string Network, string Gateway, string Dns, string ReverseName);

/// <summary>A rack server a VM could move to.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Free">Its free cores and RAM, in words.</param>
/// <param name="Refusal">Why the VM cannot move there now, or empty.</param>
/// <param name="Possible">True when it can.</param>
public sealed record MoveTarget(string Name, string Free, string Refusal, bool Possible);

/// <summary>A recovery point of the VM.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Name">Its name on the rack server.</param>
/// <param name="Note">What it is for, or empty.</param>
/// <param name="Created">When it was taken (UTC, ISO 8601).</param>
/// <param name="Status">"creating" or "ready".</param>
/// <param name="Ready">True once it can be reverted to or deleted.</param>
public sealed record RecoveryPointRow(string Id, string Name, string Note, string Created, string Status, bool Ready);

/// <summary>A power button, rendered from its action's descriptor.</summary>
/// <param name="Action">The action's name, the last segment of the form's URL.</param>
/// <param name="Label">The button's text.</param>
/// <param name="Style">Its style class, or empty.</param>
/// <param name="States">The VM states it is offered in, space-separated, for live.js.</param>
/// <param name="Enabled">True when it can be pressed now.</param>
/// <param name="RequestId">The form's idempotency key: pressing twice queues one job.</param>
public sealed record ActionButton(string Action, string Label, string Style, string States, bool Enabled, string RequestId);

/// <summary>GET /vms/{id} and the forms on it: power buttons, delete, recovery points, moving.</summary>
internal static class VmDetailPage
{
    public const string Template = "Compute/VmDetail.sbn-html";

    public static void Map(RouteGroupBuilder pages)
    {
        pages.MapGet("/vms/{vmId:guid}", (Guid vmId, HttpContext http, IPageRenderer renderer, ISender sender) =>
            RenderAsync(vmId, http, renderer, sender, null, StatusCodes.Status200OK));

        // Every action that takes nothing but the VM posts its button's form here; its descriptor makes the command.
        foreach (var action in VmActions.Simple)
        {
            pages.MapPost($"/vms/{{vmId:guid}}/{action.Name}", (Guid vmId, HttpContext http, IPageRenderer renderer, ISender sender) =>
                FormActionAsync(vmId, http, renderer, sender, _ => action.Command!(vmId, IdempotencyKey.Of(http)))).AddEndpointFilter<AntiforgeryFilter>();
        }

        pages.MapPost("/vms/{vmId:guid}/delete", (Guid vmId, HttpContext http, IPageRenderer renderer, ISender sender) =>
            FormActionAsync(vmId, http, renderer, sender, form => new DeleteVm(vmId, form["confirmName"].ToString(), IdempotencyKey.Of(http)), _ => "/vms"))
            .AddEndpointFilter<AntiforgeryFilter>();
        pages.MapPost("/vms/{vmId:guid}/recovery-points", (Guid vmId, HttpContext http, IPageRenderer renderer, ISender sender) =>
            FormActionAsync(vmId, http, renderer, sender, form => new CreateRecoveryPoint(vmId, form["note"].ToString(), IdempotencyKey.Of(http)))).AddEndpointFilter<AntiforgeryFilter>();
        pages.MapPost("/vms/{vmId:guid}/recovery-points/{recoveryPointId:guid}/revert", (Guid vmId, Guid recoveryPointId, HttpContext http, IPageRenderer renderer, ISender sender) =>
            FormActionAsync(vmId, http, renderer, sender, form => new RevertToRecoveryPoint(vmId, recoveryPointId, PageForms.Checked(form["confirm"]), IdempotencyKey.Of(http)))).AddEndpointFilter<AntiforgeryFilter>();
        pages.MapPost("/vms/{vmId:guid}/recovery-points/{recoveryPointId:guid}/delete", (Guid vmId, Guid recoveryPointId, HttpContext http, IPageRenderer renderer, ISender sender) =>
            FormActionAsync(vmId, http, renderer, sender, _ => new DeleteRecoveryPoint(vmId, recoveryPointId, IdempotencyKey.Of(http)))).AddEndpointFilter<AntiforgeryFilter>();

        pages.MapPost("/vms/{vmId:guid}/disk-exports", (Guid vmId, HttpContext http, IPageRenderer renderer, ISender sender) =>
            FormActionAsync(vmId, http, renderer, sender, form => new ExportVmDisk(
                vmId,
                form["format"].ToString(),
                Guid.TryParse(form["recoveryPointId"].ToString(), out var point) ? point : null,
                IdempotencyKey.Of(http)))).AddEndpointFilter<AntiforgeryFilter>();
        pages.MapPost("/vms/{vmId:guid}/disk-exports/{exportId:guid}/delete", (Guid vmId, Guid exportId, HttpContext http, IPageRenderer renderer, ISender sender) =>
            FormActionAsync(vmId, http, renderer, sender, _ => new DeleteVmDiskExport(vmId, exportId, IdempotencyKey.Of(http)))).AddEndpointFilter<AntiforgeryFilter>();

        // Also the drag-and-drop form on /nodes, which comes back there.
        pages.MapPost("/vms/{vmId:guid}/migrate", (Guid vmId, HttpContext http, IPageRenderer renderer, ISender sender) =>
            FormActionAsync(vmId, http, renderer, sender, form => new MigrateVm(vmId, form["targetNode"].ToString(), IdempotencyKey.Of(http)),
                form => form["returnTo"] == "/nodes" ? "/nodes" : $"/vms/{vmId}")).AddEndpointFilter<AntiforgeryFilter>();
    }

    /// <summary>A form on the VM page that queues a job: on to the next page, or this page with the reason.</summary>
    /// <param name="returnTo">The page to go to when the job is queued: the VM's unless a form says so.</param>
    private static async Task<IResult> FormActionAsync(
        Guid vmId, HttpContext http, IPageRenderer renderer, ISender sender, Func<IFormCollection, ICommand<JobAccepted>> command, Func<IFormCollection, string>? returnTo = null)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        try
        {
            await sender.Send(command(form), http.RequestAborted);
            return Results.Redirect(returnTo?.Invoke(form) ?? $"/vms/{vmId}");
        }
        catch (RequestValidationException ex)
        {
            return await RenderAsync(vmId, http, renderer, sender, ex.Errors[0].Reason, StatusCodes.Status400BadRequest);
        }
        catch (ConflictException ex)
        {
            return await RenderAsync(vmId, http, renderer, sender, ex.Message, StatusCodes.Status409Conflict);
        }
    }

    private static async Task<IResult> RenderAsync(Guid vmId, HttpContext http, IPageRenderer renderer, ISender sender, string? error, int status)
    {
        // Jobs before the VM: a job that finishes in between shows as still running and the live feed then reports
        // its end, whereas the other order would show it finished beside a VM record from before it.
        var jobs = await sender.Send(new ListJobs(VmId: vmId, Limit: 20), http.RequestAborted);
        var vm = await sender.Send(new GetVm(vmId), http.RequestAborted);
        var level = await http.RequestServices.GetRequiredService<IResourceAccess>().VmAccessAsync(vmId, http.RequestAborted);
        var points = await sender.Send(new ListRecoveryPoints(vmId), http.RequestAborted);
        var suspension = http.RequestServices.GetRequiredService<ITenantContext>().CustomerId is { } customer
            ? (await sender.Send(new Tenancy.Contracts.GetCustomerSuspension(customer), http.RequestAborted))?.Reason ?? ""
            : "";
        var operate = level >= AccessLevel.Operate && suspension == "";
        var targets = level >= AccessLevel.Manage ? await sender.Send(new ListMigrationTargets(vmId), http.RequestAborted) : [];
        var exports = level >= AccessLevel.Manage ? await sender.Send(new ListDiskExports(vmId), http.RequestAborted) : [];
        return await renderer.RenderAsync(http, Template, vm.Name, new VmDetailModel(
            VmRow.Of(vm),
            jobs.Select(JobRow.Of).ToArray(),
            vm.Id.ToString(),
            error,
            operate,
            level >= AccessLevel.Manage && vm.OpenJobId is null,
            level >= AccessLevel.Manage,
            targets.Any(t => t.Refusal is null) && vm.OpenJobId is null,
            targets.Select(t => new MoveTarget(t.Name, $"{t.FreeCores} free cores, {PageFormat.Bytes(t.FreeMemoryBytes)} free RAM", t.Refusal ?? "", t.Refusal is null)).ToArray(),
            points.Select(p => new RecoveryPointRow(p.Id.ToString(), p.Name, p.Note ?? "", PageFormat.Timestamp(p.CreatedAt), p.Status, p.Status == "ready")).ToArray(),
            VmActions.Buttons.Select(b => new ActionButton(
                b.Name, b.Label, b.Style, string.Join(' ', b.AllowedStates), operate && vm.OpenJobId is null && b.AllowsState(vm.State), Guid.NewGuid().ToString())).ToArray(),
            ConsoleSimulated: operate && await VmConsolePage.SimulatedAsync(sender, vm.NodeName, http.RequestAborted),
            Assigned: (await http.RequestServices.GetRequiredService<IVmAddresses>().ListAsync(vm.Id, http.RequestAborted))
                .Select(a => new AssignedAddressRow(a.Address, $"{a.Address}/{a.PrefixLength}", a.Gateway ?? "", string.Join(", ", a.DnsServers), a.ReverseName ?? "")).ToArray(),
            DiskExports: exports.Select(e => new DiskExportRow(
                e.Id.ToString(),
                e.Format,
                e.RecoveryPointName ?? "the disk as it was",
                e.Status,
                e.SizeBytes is { } size ? PageFormat.Bytes(size) : "",
                PageFormat.Timestamp(e.CreatedAt),
                PageFormat.Timestamp(e.ExpiresAt),
                e.DownloadPath ?? "")).ToArray(),
            Suspension: suspension), status);
    }
}
