using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Security;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Framework.Web;
using VirtualCore.Framework.Web.Pages;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Identity.Contracts;
using VirtualCore.Modules.Infrastructure.Contracts;
using VirtualCore.Modules.Monitoring.Contracts;
using VirtualCore.Modules.Monitoring.Features;

namespace VirtualCore.Modules.Monitoring.Web;

/// <summary>Alerts and their rules: /api/v1/alerts, /api/v1/alert-rules, and the page /alerts.</summary>
internal static class AlertEndpoints
{
    public const string Template = "Monitoring/Alerts.sbn-html";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var alerts = endpoints.MapGroup("/api/v1/alerts").RequireAuthorization().WithTags("Alerts");
        alerts.MapGet("/", (string? state, int? limit, ISender sender, CancellationToken ct) => sender.Send(new ListAlerts(state, limit), ct))
            .RequireScope(ApiScopes.Read).WithName("ListAlerts").PagesItself()
            .WithSummary("Alerts, newest first: `state` open (firing or acknowledged), firing, acknowledged or resolved; all when left out. `limit` 1–500 (100).")
            .Produces<IReadOnlyList<AlertView>>().ProducesValidationProblem();
        alerts.MapPost("/{alertId:guid}/acknowledge", (Guid alertId, ISender sender, CancellationToken ct) => sender.Send(new AcknowledgeAlert(alertId), ct))
            .RequireScope(ApiScopes.Operate).WithName("AcknowledgeAlert")
            .WithSummary("Marks a firing alert as being looked after; it stays open until its condition clears.")
            .Produces<AlertView>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        var rules = endpoints.MapGroup("/api/v1/alert-rules").RequireAuthorization().WithTags("Alerts");
        rules.MapGet("/", (ISender sender, CancellationToken ct) => sender.Send(new ListAlertRules(), ct))
            .RequireScope(ApiScopes.Read).WithName("ListAlertRules").WithSummary("The alert rules you may see.")
            .Produces<IReadOnlyList<AlertRuleView>>();
        rules.MapPost("/", async (CreateAlertRule? body, ISender sender, CancellationToken ct) =>
            {
                var created = await sender.Send(body ?? new CreateAlertRule(null, null, null, null, null, null, 0, null, null), ct);
                return Results.Created($"/api/v1/alert-rules/{created.Rule.Id}", created);
            })
            .RequireScope(ApiScopes.Operate).WithName("CreateAlertRule")
            .WithSummary("Adds a rule: a condition (cpu, memory, disk-read, disk-write, net-in, net-out above a threshold; traffic above a monthly allowance in GiB; a VM stopped that should run; a rack server offline) on one VM, all your VMs, or rack servers (the provider's), held for a duration before it fires, resolving below `clearBelow`. Notifications go to the portal, to e-mail addresses and to a webhook signed with HMAC-SHA256 (the secret is in the answer, only there).")
            .Produces<CreatedAlertRule>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status409Conflict);
        rules.MapPut("/{ruleId:guid}/enabled", (Guid ruleId, AlertRuleSwitch? body, ISender sender, CancellationToken ct) => sender.Send(new SetAlertRuleEnabled(ruleId, body?.Enabled ?? true), ct))
            .RequireScope(ApiScopes.Operate).WithName("SetAlertRuleEnabled")
            .WithSummary("Switches a rule on or off (`{\"enabled\": false}`); switching it off resolves its open alerts.")
            .Produces<AlertRuleView>().ProducesProblem(StatusCodes.Status404NotFound);
        rules.MapDelete("/{ruleId:guid}", async (Guid ruleId, ISender sender, CancellationToken ct) =>
            {
                await sender.Send(new DeleteAlertRule(ruleId), ct);
                return Results.NoContent();
            })
            .RequireScope(ApiScopes.Operate).WithName("DeleteAlertRule").Produces(StatusCodes.Status204NoContent).WithSummary("Deletes a rule; its alerts stay in the history.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        endpoints.MapGet("/alerts", async (HttpContext http, IPageRenderer renderer, ISender sender, ITenantContext tenant) =>
            {
                var ct = http.RequestAborted;
                var open = await sender.Send(new ListAlerts("open", 500), ct);
                var history = await sender.Send(new ListAlerts(AlertStates.Resolved, 50), ct);
                var ruleViews = await sender.Send(new ListAlertRules(), ct);
                var permissions = http.RequestServices.GetRequiredService<IPermissionChecker>();
                var canManage = permissions.Has(Permissions.AlertManage);
                var vms = canManage && permissions.Has(Permissions.VmRead) && tenant.CustomerId is not null
                    ? (await sender.Send(new ListVms(Sort: "name", Limit: 500), ct)).Select(v => new VmOption(v.Id.ToString(), v.Name)).ToArray()
                    : [];
                var nodes = canManage && tenant.IsOperator ? (await sender.Send(new ListRackServers(), ct)).Select(n => n.Name).ToArray() : [];
                var model = new AlertsModel(
                    open.Select(Row).ToArray(),
                    history.Select(Row).ToArray(),
                    ruleViews.Select(RuleRow).ToArray(),
                    canManage,
                    canManage && tenant.Role == TenantClaims.CustomerAdminRole,
                    canManage && tenant.IsOperator,
                    vms,
                    nodes);
                return await renderer.RenderAsync(http, Template, "Alerts", model);
            })
            .RequireAuthorization().ExcludeFromDescription();
    }

    private static AlertRow Row(AlertView a) => new(
        a.Id.ToString(),
        a.RuleName,
        a.SubjectName,
        Guid.TryParse(a.Subject, out var vmId) ? "/vms/" + vmId : "/nodes/" + Uri.EscapeDataString(a.Subject),
        AlertNotifications.Describe(a.Condition, a.Value, a.Threshold),
        a.Condition is AlertConditions.Stopped or AlertConditions.Offline ? "" : AlertNotifications.Figure(a.Condition, a.Peak),
        a.State,
        PageFormat.Timestamp(a.FiredAt),
        a.AcknowledgedBy is null ? "" : $"{a.AcknowledgedBy}, {a.AcknowledgedAt:yyyy-MM-dd HH:mm}",
        PageFormat.Timestamp(a.ResolvedAt),
        a.Resolution ?? "");

    private static AlertRuleRow RuleRow(AlertRuleView r) => new(
        r.Id.ToString(),
        r.Name,
        r.SubjectName,
        AlertConditions.HasThreshold(r.Condition)
            ? $"{AlertNotifications.Label(r.Condition)} above {AlertNotifications.Figure(r.Condition, r.Threshold)} (clears below {AlertNotifications.Figure(r.Condition, r.ClearBelow)})"
            : AlertNotifications.Describe(r.Condition, null, null),
        r.DurationSeconds == 0 ? "at once" : r.DurationSeconds % 60 == 0 ? $"for {r.DurationSeconds / 60} min" : $"for {r.DurationSeconds} s",
        string.Join(", ", new[] { "portal" }.Concat(r.Emails).Concat(r.WebhookUrl is null ? [] : ["webhook " + r.WebhookUrl])),
        r.Enabled);
}

/// <param name="Enabled">On (true) or off.</param>
public sealed record AlertRuleSwitch(bool Enabled);

/// <summary>What Monitoring/Alerts.sbn-html shows.</summary>
/// <param name="Open">Firing and acknowledged alerts, newest first.</param>
/// <param name="History">The newest resolved alerts.</param>
/// <param name="Rules">The rules the caller sees.</param>
/// <param name="CanManage">May add rules and acknowledge.</param>
/// <param name="CanWatchCustomer">May add a rule over all of the customer's VMs.</param>
/// <param name="CanWatchNodes">May add rules on rack servers (the provider).</param>
/// <param name="Vms">The VMs a rule may watch.</param>
/// <param name="Nodes">The rack servers a rule may watch.</param>
public sealed record AlertsModel(
    IReadOnlyList<AlertRow> Open,
    IReadOnlyList<AlertRow> History,
    IReadOnlyList<AlertRuleRow> Rules,
    bool CanManage,
    bool CanWatchCustomer,
    bool CanWatchNodes,
    IReadOnlyList<VmOption> Vms,
    IReadOnlyList<string> Nodes);

/// <param name="Id">The alert's id.</param>
/// <param name="Rule">The rule's name.</param>
/// <param name="Subject">The VM's or rack server's name.</param>
/// <param name="SubjectUrl">Its page.</param>
/// <param name="What">The condition in words, with the figure when it fired.</param>
/// <param name="Peak">The highest figure while open.</param>
/// <param name="State">firing, acknowledged or resolved.</param>
/// <param name="FiredAt">When it fired (UTC).</param>
/// <param name="Acknowledged">Who acknowledged it and when, or empty.</param>
/// <param name="ResolvedAt">When it resolved (UTC), or empty.</param>
/// <param name="Resolution">Why it resolved.</param>
public sealed record AlertRow(string Id, string Rule, string Subject, string SubjectUrl, string What, string Peak, string State, string FiredAt, string Acknowledged, string ResolvedAt, string Resolution);

/// <param name="Id">The rule's id.</param>
/// <param name="Name">Its name.</param>
/// <param name="Watches">What it watches, in words.</param>
/// <param name="Condition">Its condition in words.</param>
/// <param name="Duration">How long it must hold.</param>
/// <param name="Notifies">Where notifications go.</param>
/// <param name="Enabled">Switched on.</param>
public sealed record AlertRuleRow(string Id, string Name, string Watches, string Condition, string Duration, string Notifies, bool Enabled);

/// <param name="Id">The VM's id.</param>
/// <param name="Name">Its name.</param>
public sealed record VmOption(string Id, string Name);
