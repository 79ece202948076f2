using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Security;

namespace VirtualCore.Framework.Web;

/// <summary>Turns the request outcomes of the pipeline into RFC 9457 problem details.</summary>
public sealed class RequestExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = ToProblem(exception);
        if (problem is null)
        {
            return false;
        }

        httpContext.Response.StatusCode = problem.Status ?? StatusCodes.Status500InternalServerError;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    /// <summary>The problem type of a refusal for want of a fresh proof; clients confirm and send the request again.</summary>
    public const string FreshProofProblemType = "urn:vcore:problem:fresh-proof-required";

    /// <summary>Where a browser confirms its password (and one-time password).</summary>
    public const string FreshProofPage = "/profile/confirm";

    public static ProblemDetails? ToProblem(Exception exception) => exception switch
    {
        RequestValidationException invalid => new HttpValidationProblemDetails(
            invalid.Errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Reason).ToArray()))
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The request is invalid.",
            Detail = string.Join(" ", invalid.Errors.Select(e => $"{e.Field}: {e.Reason}")),
        },
        NotFoundException notFound => new ProblemDetails { Status = StatusCodes.Status404NotFound, Title = "Not found.", Detail = notFound.Message },
        ForbiddenException forbidden => new ProblemDetails { Status = StatusCodes.Status403Forbidden, Title = "Not allowed.", Detail = forbidden.Message },
        FreshProofRequiredException fresh => new ProblemDetails
        {
            Status = StatusCodes.Status403Forbidden,
            Title = "Confirm it is you.",
            Detail = fresh.Message,
            Type = FreshProofProblemType,
            Extensions = { ["confirmUrl"] = FreshProofPage },
        },
        ConflictException conflict => new ProblemDetails { Status = StatusCodes.Status409Conflict, Title = "Conflict.", Detail = conflict.Message },
        _ => null,
    };
}
