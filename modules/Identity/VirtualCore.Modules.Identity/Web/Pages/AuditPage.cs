using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Web;
using VirtualCore.Framework.Web.Pages;
using VirtualCore.Modules.Identity.Features.Audit;

namespace VirtualCore.Modules.Identity.Web.Pages;

/// <summary>The security audit log of what the caller administers, filtered by actor, action and days (/admin/audit).</summary>
internal static class AuditPage
{
    private const int Limit = 200;

    private static readonly string[] Actions = ["login", "user", "grant", "token", "otp", "password"];

    public static void Map(RouteGroupBuilder pages) =>
        pages.MapGet("/admin/audit", async (HttpContext http, IPageRenderer renderer, ISender sender, string? actor, string? action, string? from, string? to) =>
        {
            var filter = new AuditFilter(actor?.Trim() ?? "", action?.Trim() ?? "", from?.Trim() ?? "", to?.Trim() ?? "");
            var errors = new List<FieldError>();
            var fromDate = PageForms.Day(filter.From, "from", errors);
            var toDate = PageForms.Day(filter.To, "to", errors);
            IReadOnlyList<AuditEntryView> entries = [];
            if (errors.Count == 0)
            {
                try
                {
                    // Whole days in UTC: "to" includes the entire day it names.
                    entries = await sender.Send(
                        new ListAuditEntries(
                            PageForms.Blank(filter.Actor),
                            PageForms.Blank(filter.Action),
                            fromDate is { } f ? new DateTimeOffset(f.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null,
                            toDate is { } t ? new DateTimeOffset(t.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddTicks(-1) : null,
                            Limit),
                        http.RequestAborted);
                }
                catch (RequestValidationException ex)
                {
                    errors.AddRange(ex.Errors);
                }
            }

            var model = new AuditPageModel(
                filter,
                Actions,
                entries.Select(e => new AuditRow(PageFormat.Timestamp(e.At), PageFormat.Timestamp(e.At), e.Actor, e.Action, e.Target, e.Detail ?? "", e.IpAddress ?? "")).ToArray(),
                filter.Actor.Length + filter.Action.Length + filter.From.Length + filter.To.Length > 0,
                entries.Count >= Limit,
                Limit,
                errors.Count > 0,
                PageForms.ErrorsByField(errors),
                errors.Select(e => e.Reason).Distinct().ToArray());
            return await renderer.RenderAsync(http, "Identity/Audit.sbn-html", "Audit log", model, errors.Count > 0 ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK);
        });
}

/// <summary>What Identity/Audit.sbn-html shows: the audit log, newest first, and the filter that chose it.</summary>
/// <param name="Filter">The filter as typed, shown again in its form.</param>
/// <param name="Actions">The action prefixes the filter offers.</param>
/// <param name="Entries">The entries found, newest first.</param>
/// <param name="Filtered">True when any filter field is set.</param>
/// <param name="Limited">True when there may be more entries than shown.</param>
/// <param name="Limit">How many entries the page shows at most.</param>
/// <param name="HasErrors">True when the filter could not be used.</param>
/// <param name="Errors">Each filter field's problems, by field name.</param>
/// <param name="ErrorList">Every problem once, for the summary above the form.</param>
public sealed record AuditPageModel(
    AuditFilter Filter,
    IReadOnlyList<string> Actions,
    IReadOnlyList<AuditRow> Entries,
    bool Filtered,
    bool Limited,
    int Limit,
    bool HasErrors,
    IReadOnlyDictionary<string, string> Errors,
    IReadOnlyList<string> ErrorList);

/// <summary>The audit log's filter form.</summary>
/// <param name="Actor">Part of the acting user's name.</param>
/// <param name="Action">The start of the action, e.g. "login".</param>
/// <param name="From">The first day, YYYY-MM-DD (UTC).</param>
/// <param name="To">The last day, YYYY-MM-DD (UTC), included whole.</param>
public sealed record AuditFilter(string Actor, string Action, string From, string To);

/// <summary>One audit log entry.</summary>
/// <param name="At">When, as shown (UTC, ISO 8601).</param>
/// <param name="AtIso">When, for the time element's datetime attribute.</param>
/// <param name="Actor">Who acted.</param>
/// <param name="Action">What was done, e.g. "user.created".</param>
/// <param name="Target">What it was done to.</param>
/// <param name="Detail">More about it; empty when there is nothing more.</param>
/// <param name="Address">The client address; empty when unknown.</param>
public sealed record AuditRow(string At, string AtIso, string Actor, string Action, string Target, string Detail, string Address);
