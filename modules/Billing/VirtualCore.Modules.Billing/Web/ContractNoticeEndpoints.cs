using System.Globalization;
using System.Threading.RateLimiting;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Framework.Localisation;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Security;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Framework.Web;
using VirtualCore.Framework.Web.Pages;
using VirtualCore.Modules.Billing.Contracts;
using VirtualCore.Modules.Billing.Domain;

namespace VirtualCore.Modules.Billing.Web;

/// <summary>
/// The "Cancel contracts here" page every portal links in its footer (§312k BGB), reachable without signing in, and the
/// staff's list of the notices given on it: /cancel-contracts, /admin/contract-notices and /api/v1/contract-notices.
/// </summary>
internal static class ContractNoticeEndpoints
{
    public const string FormTemplate = "Billing/GiveNotice.sbn-html";

    public const string ListTemplate = "Billing/ContractNotices.sbn-html";

    /// <summary>Notices one client address may give an hour (<c>Billing:NoticesPerAddressPerHour</c>, 10).</summary>
    public const string RateLimit = "contract-notice";

    public static void AddRateLimit(IServiceCollection services) =>
        services.AddRateLimiter(o => o.AddPolicy(RateLimit, http => RateLimitPartition.GetFixedWindowLimiter(
            http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
            _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = Math.Max(1, http.RequestServices.GetRequiredService<IConfiguration>().GetValue("Billing:NoticesPerAddressPerHour", 10)),
                Window = TimeSpan.FromHours(1),
                QueueLimit = 0,
            })));

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/v1/contract-notices").RequireAuthorization().WithTags("Contracts");
        api.MapGet("/", (ISender sender, CancellationToken ct) => sender.Send(new ListContractNotices(), ct))
            .RequireScope(ApiScopes.Read).WithName("ListContractNotices")
            .WithSummary("Notices of cancellation given on your portals' \"Cancel contracts here\" page (a reseller's staff: its own; the operator: all), newest first.")
            .Produces<IReadOnlyList<ContractNoticeView>>().ProducesProblem(StatusCodes.Status403Forbidden);
        api.MapPost("/{noticeId:guid}/apply", (Guid noticeId, ContractNoticeApplyInput? body, ISender sender, CancellationToken ct) =>
                sender.Send(new ApplyContractNotice(noticeId, body?.ContractId), ct))
            .RequireScope(ApiScopes.Manage).WithName("ApplyContractNotice")
            .WithSummary("Gives the notice on one of your customers' contracts as of the day it was received; the answer has the contract's last day.")
            .Produces<ContractNoticeView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/{noticeId:guid}/dismiss", (Guid noticeId, ContractNoticeDismissInput? body, ISender sender, CancellationToken ct) =>
                sender.Send(new DismissContractNotice(noticeId, body?.Reason), ct))
            .RequireScope(ApiScopes.Manage).WithName("DismissContractNotice")
            .WithSummary("Closes a notice that matches none of your customers' contracts, with the reason.")
            .Produces<ContractNoticeView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        var visitor = endpoints.MapGroup("/cancel-contracts").AllowAnonymous().ExcludeFromDescription();
        visitor.MapGet("/", (HttpContext http, IPageRenderer renderer) =>
            renderer.RenderAsync(http, FormTemplate, "Cancel contracts", new GiveNoticeModel(NoticeForm.Empty, new Dictionary<string, string>(), null)));
        visitor.MapPost("/", async (HttpContext http, IPageRenderer renderer, ISender sender) =>
            {
                var form = await http.Request.ReadFormAsync(http.RequestAborted);
                var typed = new NoticeForm(
                    form["name"].ToString(), form["email"].ToString(), form["account"].ToString(), form["contract"].ToString(),
                    form["kind"] == "extraordinary", form["reason"].ToString(), form["wantedOn"].ToString());
                var reseller = HostTenancy.ResellerOf(http) ?? throw new NotFoundException("The portal");
                DateOnly? wanted = null;
                if (typed.WantedOn.Length > 0)
                {
                    if (!DateOnly.TryParseExact(typed.WantedOn, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
                    {
                        return await renderer.RenderAsync(
                            http, FormTemplate, "Cancel contracts", new GiveNoticeModel(typed, new Dictionary<string, string> { ["wantedOn"] = "Give the day as YYYY-MM-DD, or none." }, null),
                            StatusCodes.Status400BadRequest);
                    }

                    wanted = day;
                }

                try
                {
                    var receipt = await sender.Send(
                        new GiveNotice(reseller.Id, RequestLanguage.Of(http), reseller.ThemeName, typed.Name, typed.Email, typed.Account, typed.Contract, typed.Extraordinary, typed.Reason, wanted),
                        http.RequestAborted);
                    var shown = new NoticeReceipt(
                        receipt.Reference, Features.ContractNoticeViews.Moment(receipt.ReceivedAt),
                        receipt.Name, receipt.Email, receipt.Account, receipt.Contract, receipt.Extraordinary, receipt.Reason, PageFormat.Day(receipt.WantedOn), receipt.Confirmed);
                    return await renderer.RenderAsync(http, FormTemplate, "Notice received", new GiveNoticeModel(NoticeForm.Empty, new Dictionary<string, string>(), shown));
                }
                catch (RequestValidationException ex)
                {
                    var errors = ex.Errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.First().Reason);
                    return await renderer.RenderAsync(http, FormTemplate, "Cancel contracts", new GiveNoticeModel(typed, errors, null), StatusCodes.Status400BadRequest);
                }
            }).AddEndpointFilter<AntiforgeryFilter>().RequireRateLimiting(RateLimit);

        var pages = endpoints.MapGroup("/admin/contract-notices").RequireAuthorization().ExcludeFromDescription();
        pages.MapGet("/", (HttpContext http, IPageRenderer renderer, ISender sender) => RenderListAsync(http, renderer, sender, "", StatusCodes.Status200OK));
        pages.MapPost("/{noticeId:guid}/apply", async (Guid noticeId, HttpContext http, IPageRenderer renderer, ISender sender) =>
            {
                var form = await http.Request.ReadFormAsync(http.RequestAborted);
                try
                {
                    await sender.Send(new ApplyContractNotice(noticeId, Guid.TryParse(form["contractId"], out var id) ? id : null), http.RequestAborted);
                    return Results.Redirect("/admin/contract-notices");
                }
                catch (RequestValidationException ex)
                {
                    return await RenderListAsync(http, renderer, sender, string.Join(" ", ex.Errors.Select(e => e.Reason)), StatusCodes.Status400BadRequest);
                }
            }).AddEndpointFilter<AntiforgeryFilter>();
        pages.MapPost("/{noticeId:guid}/dismiss", async (Guid noticeId, HttpContext http, IPageRenderer renderer, ISender sender) =>
            {
                var form = await http.Request.ReadFormAsync(http.RequestAborted);
                try
                {
                    await sender.Send(new DismissContractNotice(noticeId, form["reason"].ToString()), http.RequestAborted);
                    return Results.Redirect("/admin/contract-notices");
                }
                catch (RequestValidationException ex)
                {
                    return await RenderListAsync(http, renderer, sender, string.Join(" ", ex.Errors.Select(e => e.Reason)), StatusCodes.Status400BadRequest);
                }
            }).AddEndpointFilter<AntiforgeryFilter>();
    }

    private static async Task<IResult> RenderListAsync(HttpContext http, IPageRenderer renderer, ISender sender, string error, int status)
    {
        var notices = await sender.Send(new ListContractNotices(), http.RequestAborted);
        var running = notices.Any(n => n.Status == ContractNotice.Received)
            ? (await sender.Send(new ListContracts(), http.RequestAborted)).Where(c => c.EndsOn is null).ToList()
            : [];
        var model = new ContractNoticesModel(
            [.. notices.Select(n => new NoticeRow(
                n.Id.ToString(), n.Reference, n.ReceivedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC", n.Name, n.Email, n.Account, n.Contract,
                n.Extraordinary, n.Reason, PageFormat.Day(n.WantedOn), n.Status, PageFormat.Day(n.EndsOn), n.HandledBy, n.Note, n.Confirmed, n.ConfirmationError ?? ""))],
            [.. running.Select(c => new NoticeContractOption(c.Id.ToString(), $"{c.Customer} — {c.ProductName} ({PageFormat.Day(c.StartsOn)})"))],
            error);
        return await renderer.RenderAsync(http, ListTemplate, "Notices of cancellation", model, status);
    }
}

/// <summary>What the visitor typed into the notice form.</summary>
/// <param name="Name">Who gives notice.</param>
/// <param name="Email">Where the confirmation goes.</param>
/// <param name="Account">The customer account.</param>
/// <param name="Contract">Which contract.</param>
/// <param name="Extraordinary">For cause.</param>
/// <param name="Reason">The cause.</param>
/// <param name="WantedOn">The day it should end, YYYY-MM-DD, or empty.</param>
public sealed record NoticeForm(string Name, string Email, string Account, string Contract, bool Extraordinary, string Reason, string WantedOn)
{
    public static readonly NoticeForm Empty = new("", "", "", "", false, "", "");
}

/// <summary>What Billing/GiveNotice.sbn-html shows: the form, or the notice as received.</summary>
/// <param name="Form">The form's fields.</param>
/// <param name="Errors">Field name to reason.</param>
/// <param name="Receipt">The notice just received; none while the form is shown.</param>
public sealed record GiveNoticeModel(NoticeForm Form, IReadOnlyDictionary<string, string> Errors, NoticeReceipt? Receipt);

/// <param name="Reference">"KN-7F3A2C91".</param>
/// <param name="ReceivedAt">When, in UTC.</param>
/// <param name="Name">Who gave notice.</param>
/// <param name="Email">Where the confirmation went.</param>
/// <param name="Account">The customer account.</param>
/// <param name="Contract">Which contract.</param>
/// <param name="Extraordinary">For cause.</param>
/// <param name="Reason">The cause.</param>
/// <param name="WantedOn">The day it should end; empty: as early as possible.</param>
/// <param name="Mailed">The confirmation was mailed.</param>
public sealed record NoticeReceipt(string Reference, string ReceivedAt, string Name, string Email, string Account, string Contract, bool Extraordinary, string Reason, string WantedOn, bool Mailed);

/// <summary>What Billing/ContractNotices.sbn-html shows.</summary>
/// <param name="Notices">Newest first.</param>
/// <param name="Contracts">The running contracts a notice can be applied to.</param>
/// <param name="Error">Why the last action was refused.</param>
public sealed record ContractNoticesModel(IReadOnlyList<NoticeRow> Notices, IReadOnlyList<NoticeContractOption> Contracts, string Error);

/// <param name="Id">The notice's id.</param>
/// <param name="Reference">"KN-7F3A2C91".</param>
/// <param name="ReceivedAt">When, in UTC.</param>
/// <param name="Name">Who gave notice.</param>
/// <param name="Email">Its confirmation address.</param>
/// <param name="Account">The customer account it named.</param>
/// <param name="Contract">The contract it named.</param>
/// <param name="Extraordinary">For cause.</param>
/// <param name="Reason">The cause.</param>
/// <param name="WantedOn">The day it wants the contract to end.</param>
/// <param name="Status">received, applied or dismissed.</param>
/// <param name="EndsOn">The contract's last day once applied.</param>
/// <param name="HandledBy">Who applied or dismissed it.</param>
/// <param name="Note">Why it was dismissed.</param>
/// <param name="Confirmed">The confirmation was mailed.</param>
/// <param name="ConfirmationError">Why not.</param>
public sealed record NoticeRow(
    string Id, string Reference, string ReceivedAt, string Name, string Email, string Account, string Contract, bool Extraordinary, string Reason, string WantedOn,
    string Status, string EndsOn, string HandledBy, string Note, bool Confirmed, string ConfirmationError);

/// <param name="Id">The contract's id.</param>
/// <param name="Label">Customer, product and first day.</param>
public sealed record NoticeContractOption(string Id, string Label);
