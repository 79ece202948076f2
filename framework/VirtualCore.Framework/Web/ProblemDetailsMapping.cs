using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Security;

namespace VirtualCore.Framework.Web;

/// <summary>Turns the request outcomes of the pipeline into RFC 9457 problem details.</summary>
public sealed partial class RequestExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
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
        PreconditionFailedException changed => new ProblemDetails { Status = StatusCodes.Status412PreconditionFailed, Title = "The resource has changed.", Detail = changed.Message },
        BadHttpRequestException badRequest => FromBinding(badRequest),
        _ => null,
    };

    /// <summary>
    /// A request the endpoint could not even bind — a body that is no JSON or has a wrong type, a query value that is
    /// not a number or date, no body, the wrong content type — refused with the field it concerns.
    /// </summary>
    private static ProblemDetails FromBinding(BadHttpRequestException exception)
    {
        if (exception.StatusCode != StatusCodes.Status400BadRequest)
        {
            return new ProblemDetails
            {
                Status = exception.StatusCode,
                Title = exception.StatusCode == StatusCodes.Status415UnsupportedMediaType ? "Unsupported content type." : "The request could not be read.",
                Detail = exception.StatusCode == StatusCodes.Status415UnsupportedMediaType ? "Send the body as application/json." : null,
            };
        }

        var (field, reason) = exception.InnerException switch
        {
            JsonException { Path: { Length: > 2 } path } when path.StartsWith("$.", StringComparison.Ordinal) =>
                (path[2..], "This value has the wrong type or is out of range."),
            JsonException => ("body", "The body is not valid JSON of the expected shape."),
            _ when ParameterName().Match(exception.Message) is { Success: true } match => exception.Message.Contains("was not provided", StringComparison.Ordinal)
                || exception.Message.Contains("no body was provided", StringComparison.Ordinal)
                ? (match.Groups["name"].Value, "This is required.")
                : (match.Groups["name"].Value, "This value cannot be read: check its type and range."),
            _ => ("body", "The request could not be read."),
        };
        return new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [reason] })
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The request is invalid.",
            Detail = $"{field}: {reason}",
        };
    }

    /// <summary>The parameter an ASP.NET Core binding message names: <c>parameter "int? limit"</c> or <c>parameter "body"</c>.</summary>
    [GeneratedRegex("parameter \"(?:[^\"]* )?(?<name>[A-Za-z_][A-Za-z0-9_]*)\"", RegexOptions.CultureInvariant)]
    private static partial Regex ParameterName();
}
