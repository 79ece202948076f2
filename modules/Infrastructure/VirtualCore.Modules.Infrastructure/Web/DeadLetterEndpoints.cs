using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using VirtualCore.Framework.Security;
using VirtualCore.Framework.Web;
using VirtualCore.Framework.Web.Pages;
using VirtualCore.Modules.Infrastructure.Features;

namespace VirtualCore.Modules.Infrastructure.Web;

/// <summary>The operator's view of the dead letters: the page /operations/dead-letters and GET /api/v1/operations/dead-letters.</summary>
internal static class DeadLetterEndpoints
{
    private const int Limit = 200;

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGroup("/api/v1/operations").RequireAuthorization().WithTags("Operations")
            .MapGet("/dead-letters", (int? limit, ISender sender, CancellationToken ct) => sender.Send(new ListDeadLetters(limit ?? 100), ct))
            .RequireScope(ApiScopes.Read).WithName("ListDeadLetters").PagesItself()
            .WithSummary("Messages that could not be handled and lie in an error queue, newest first (the operator's).")
            .ProducesValidationProblem();

        endpoints.MapGet("/operations/dead-letters", async (HttpContext http, IPageRenderer renderer, ISender sender) =>
        {
            var letters = await sender.Send(new ListDeadLetters(Limit), http.RequestAborted);
            var model = new DeadLettersPageModel(
                letters.Select(d => new DeadLetterRow(PageFormat.Timestamp(d.At), d.MessageType, d.Queue, d.Queue + "_error", d.ExceptionType, d.Reason, d.Host, d.Message)).ToArray(),
                letters.Count >= Limit,
                Limit);
            return await renderer.RenderAsync(http, "Infrastructure/DeadLetters.sbn-html", "Dead letters", model);
        }).RequireAuthorization().ExcludeFromDescription();
    }
}

/// <summary>What Infrastructure/DeadLetters.sbn-html shows: the messages that could not be handled, newest first.</summary>
/// <param name="Letters">The dead letters shown.</param>
/// <param name="Limited">True when there may be older ones than shown.</param>
/// <param name="Limit">How many the page shows at most.</param>
public sealed record DeadLettersPageModel(IReadOnlyList<DeadLetterRow> Letters, bool Limited, int Limit);

/// <summary>One dead letter.</summary>
/// <param name="At">When its consumer gave up (UTC, ISO 8601).</param>
/// <param name="MessageType">The message's type, e.g. NodeJobCompleted.</param>
/// <param name="Queue">The queue whose consumer gave up.</param>
/// <param name="ErrorQueue">The queue the message now lies in.</param>
/// <param name="ExceptionType">The last exception's type.</param>
/// <param name="Reason">The last exception's message.</param>
/// <param name="Host">The process that gave up (machine/process).</param>
/// <param name="Message">The message as JSON (cut at 4,000 characters).</param>
public sealed record DeadLetterRow(string At, string MessageType, string Queue, string ErrorQueue, string ExceptionType, string Reason, string Host, string Message);
