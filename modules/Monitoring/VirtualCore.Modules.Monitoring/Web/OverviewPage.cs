using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Framework.Web;
using VirtualCore.Framework.Web.Pages;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Identity.Contracts;
using VirtualCore.Modules.Monitoring.Contracts;
using VirtualCore.Modules.Monitoring.Features;

namespace VirtualCore.Modules.Monitoring.Web;

/// <summary>
/// The overview (/overview): the caller's vServers by state, what needs attention (firing alerts, failed jobs, rack
/// servers that stopped reporting), the latest jobs, and — for the provider — each rack server's use.
/// </summary>
internal static class OverviewPage
{
    public const string Template = "Monitoring/Overview.sbn-html";

    private static readonly (string State, string Label)[] States =
    [
        (VmStates.Running, "running"), (VmStates.ShutOff, "shut off"), (VmStates.Paused, "paused"), (VmStates.Parked, "parked"),
        (VmStates.Pending, "being created"), (VmStates.Crashed, "crashed"), (VmStates.Failed, "failed"), (VmStates.Missing, "missing"),
    ];

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/overview", async (HttpContext http, IPageRenderer renderer, ISender sender, IPermissionChecker permissions, ITenantContext tenant) =>
        {
            var ct = http.RequestAborted;
            var counts = await sender.Send(new CountVmsByState(), ct);
            var jobs = permissions.Has(Permissions.JobRead) ? await sender.Send(new ListJobs(Limit: 8), ct) : [];
            var failed = permissions.Has(Permissions.JobRead) ? await sender.Send(new ListJobs(Status: JobStatuses.Failed, Limit: 5), ct) : [];
            var alerts = permissions.Has(Permissions.AlertRead) ? await sender.Send(new ListAlerts("open", 10), ct) : [];
            var nodes = tenant.IsOperator ? await sender.Send(new ListNodeUsage(), ct) : [];
            var since = DateTimeOffset.UtcNow.AddDays(-1);
            var model = new OverviewModel(
                counts.Values.Sum(),
                [.. States.Select(s => new StateCount(s.State, s.Label, counts.GetValueOrDefault(s.State))).Where(s => s.Count > 0 || s.State is VmStates.Running or VmStates.ShutOff)],
                [.. alerts.Select(a => new AttentionRow("alert", $"{a.RuleName}: {a.SubjectName}", AlertNotifications.Describe(a.Condition, a.Value, a.Threshold), a.State, Guid.TryParse(a.Subject, out var vm) ? $"/vms/{vm}" : "/alerts", PageFormat.Timestamp(a.FiredAt))),
                    .. failed.Where(j => (j.EndedAt ?? j.QueuedAt) > since).Select(j => new AttentionRow("job", $"{j.Action} of {j.Name} failed", j.Info, "failed", $"/vms/{j.TargetId}", PageFormat.Timestamp(j.EndedAt ?? j.QueuedAt))),
                    .. nodes.Where(n => !n.Online).Select(n => new AttentionRow("node", $"Rack server {n.Name} does not report", "Its agent has not reported recently.", "offline", "/nodes", PageFormat.Timestamp(n.LastHeartbeatAt)))],
                [.. jobs.Select(j => new OverviewJob(j.Id.ToString(), j.Name, j.TargetId.ToString(), j.Action, j.UserName, j.Status, j.Progress, PageFormat.Timestamp(j.StartedAt ?? j.QueuedAt)))],
                [.. nodes.Select(n => new OverviewNode(
                    n.Name, n.Online, n.UsedCores, n.CoresForVms, PageFormat.Percent(n.UsedCores, n.CoresForVms),
                    PageFormat.Bytes(n.UsedMemoryBytes), PageFormat.Bytes(n.MemoryForVmsBytes), PageFormat.Percent(n.UsedMemoryBytes, n.MemoryForVmsBytes)))],
                permissions.Has(Permissions.VmCreate));
            return await renderer.RenderAsync(http, Template, "Overview", model);
        }).RequireAuthorization().ExcludeFromDescription();
    }
}

/// <summary>The overview: vServers by state, what needs attention, the latest jobs and (the provider's) rack servers.</summary>
public sealed record OverviewModel(int VmTotal, IReadOnlyList<StateCount> States, IReadOnlyList<AttentionRow> Attention, IReadOnlyList<OverviewJob> Jobs, IReadOnlyList<OverviewNode> Nodes, bool CanCreate);

public sealed record StateCount(string State, string Label, int Count);

/// <param name="Kind">alert, job or node.</param>
public sealed record AttentionRow(string Kind, string Title, string Detail, string State, string Href, string At);

public sealed record OverviewJob(string Id, string Name, string TargetId, string Action, string User, string Status, int Progress, string At);

public sealed record OverviewNode(string Name, bool Online, int CoresUsed, int CoresTotal, int CoresPercent, string MemoryUsed, string MemoryTotal, int MemoryPercent);
