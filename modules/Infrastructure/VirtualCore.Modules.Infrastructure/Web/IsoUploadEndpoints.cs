using System.Globalization;
using System.Text;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Security;
using VirtualCore.Modules.Infrastructure.Domain;
using VirtualCore.Modules.Infrastructure.Features;

namespace VirtualCore.Modules.Infrastructure.Web;

/// <summary>
/// Resumable uploads of ISO images by the tus protocol 1.0.0 (https://tus.io/protocols/resumable-upload) with its
/// creation and termination extensions, at /api/v1/isos/uploads: POST creates an upload (Upload-Length, and
/// Upload-Metadata with filename, optional title and sha256), HEAD tells how many bytes arrived, PATCH appends at that
/// offset (application/offset+octet-stream), DELETE gives up. Every refusal is a problem details body naming the field.
/// </summary>
internal static class IsoUploadEndpoints
{
    public const string Version = "1.0.0";
    public const string Extensions = "creation,termination";
    public const string OffsetContentType = "application/offset+octet-stream";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var isos = endpoints.MapGroup("/api/v1/isos").RequireAuthorization().WithTags("Images");
        isos.MapDelete("/{name}", async (string name, ISender sender, CancellationToken ct) =>
            {
                await sender.Send(new DeleteIsoImage(name), ct);
                return Results.NoContent();
            })
            .RequireScope(ApiScopes.Manage).WithName("DeleteIsoImage").Produces(StatusCodes.Status204NoContent)
            .WithSummary("Removes an uploaded image (the customer's own; the provider's library by the provider); refused while a VM has it in its drive.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        isos.MapPost("/fetches", async (AddIsoImageFromUrlRequest? body, ISender sender, CancellationToken ct) =>
            {
                var fetch = await sender.Send(new AddIsoImageFromUrl(body?.Url, body?.Sha256, body?.Title), ct);
                return Results.Accepted("/api/v1/isos/fetches", fetch);
            })
            .RequireScope(ApiScopes.Manage).WithName("AddIsoImageFromUrl")
            .WithSummary("Adds an image to the provider's library from an http(s) URL with the SHA-256 its publisher gives; the portal fetches it in the background (resuming where it stopped) and it becomes ready only with that checksum. The provider's.")
            .Produces<IsoFetchView>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem();
        isos.MapGet("/fetches", (ISender sender, CancellationToken ct) => sender.Send(new ListIsoFetches(), ct))
            .RequireScope(ApiScopes.Manage).WithName("ListIsoFetches")
            .WithSummary("Images being fetched from a URL, with the bytes received, and failed fetches with the reason (the provider's).");

        var uploads = isos.MapGroup("/uploads").RequireScope(ApiScopes.Manage).AddEndpointFilter(TusHeaders);
        uploads.MapMethods("/", [HttpMethods.Options], (IOptions<InfrastructureOptions> options, HttpContext http) =>
            {
                http.Response.Headers["Tus-Version"] = Version;
                http.Response.Headers["Tus-Extension"] = Extensions;
                http.Response.Headers["Tus-Max-Size"] = options.Value.IsoLibrary.MaxImageBytes.ToString(CultureInfo.InvariantCulture);
                return Results.NoContent();
            })
            .WithName("IsoUploadOptions").WithSummary("What the tus server offers: version, extensions, the largest image.");
        uploads.MapPost("/", async (HttpContext http, ISender sender, CancellationToken ct) =>
            {
                var metadata = ParseMetadata(http.Request.Headers["Upload-Metadata"].ToString());
                var length = ParseLength(http.Request.Headers["Upload-Length"].ToString(), "Upload-Length", IsoUploadFields.Length);
                try
                {
                    var upload = await sender.Send(
                        new StartIsoUpload(length, metadata.GetValueOrDefault("filename"), metadata.GetValueOrDefault("title"), metadata.GetValueOrDefault("sha256")), ct);
                    return Results.Created($"/api/v1/isos/uploads/{upload.Id}", upload);
                }
                catch (PayloadTooLargeException tooLarge)
                {
                    return TooLarge(tooLarge.Field, tooLarge.Message);
                }
            })
            .WithName("StartIsoUpload")
            .WithSummary("Begins a resumable upload (tus creation): Upload-Length, and Upload-Metadata with filename (required), title and sha256 (the file must have it). Answers 201 with its Location.")
            .Produces<IsoUploadView>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesValidationProblem(StatusCodes.Status413PayloadTooLarge);
        uploads.MapMethods("/{uploadId:guid}", [HttpMethods.Head], async (Guid uploadId, HttpContext http, ISender sender, CancellationToken ct) =>
            {
                var upload = await sender.Send(new GetIsoUpload(uploadId), ct);
                SetOffset(http, upload);
                http.Response.Headers["Upload-Length"] = upload.Length.ToString(CultureInfo.InvariantCulture);
                return Results.Ok();
            })
            .WithName("GetIsoUploadOffset").Produces(StatusCodes.Status200OK).WithSummary("How many bytes of the upload arrived (Upload-Offset).").ProducesProblem(StatusCodes.Status404NotFound);
        uploads.MapPatch("/{uploadId:guid}", async (Guid uploadId, HttpContext http, ISender sender, IsoUploadWriter writer) =>
            {
                // Whose upload it is comes first: another user's is not found, whatever else the request has.
                var upload = await sender.Send(new GetIsoUpload(uploadId), http.RequestAborted);
                if (!string.Equals(http.Request.ContentType, OffsetContentType, StringComparison.OrdinalIgnoreCase))
                {
                    return Results.Problem(
                        statusCode: StatusCodes.Status415UnsupportedMediaType,
                        title: "Unsupported content type.",
                        detail: $"Send the bytes as {OffsetContentType}.");
                }

                var offset = ParseLength(http.Request.Headers["Upload-Offset"].ToString(), "Upload-Offset", "uploadOffset")
                    ?? throw new RequestValidationException("uploadOffset", "Give Upload-Offset: where these bytes go (HEAD tells how many arrived).");
                if (upload.Offset != offset)
                {
                    throw new ConflictException($"The upload is at byte {upload.Offset:N0}, not {offset:N0}. Ask where it is (HEAD) and go on from there.");
                }

                // One request may carry the whole rest of a large image; it streams to the file, never into memory.
                if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
                {
                    limit.MaxRequestBodySize = null;
                }

                var appended = await writer.AppendAsync(uploadId, offset, upload.Length, http.Request.Body, http.RequestAborted);
                var problem = appended.Overflow
                    ? $"The file was announced with {upload.Length:N0} bytes (Upload-Length) and more arrived; the upload was removed. Start it again with the file's real size."
                    : appended.FormatProblem;
                var recorded = await sender.Send(new RecordIsoUpload(uploadId, offset, appended.To, appended.Sha256, problem), CancellationToken.None);
                if (recorded.State != IsoStates.Uploading)
                {
                    writer.Forget(uploadId);
                }

                if (recorded.Refusal is { } refusal)
                {
                    var field = appended.Overflow ? "body" : recorded.RefusalField ?? IsoUploadFields.File;
                    return appended.Overflow
                        ? TooLarge(field, refusal)
                        : Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [refusal] }, refusal, title: "The image was refused and removed.");
                }

                SetOffset(http, recorded);
                if (recorded.State == IsoStates.Ready)
                {
                    // The finished image's name (for isoName) and the SHA-256 the portal computed, for the uploader to see.
                    http.Response.Headers["X-Iso-Name"] = recorded.Name;
                    http.Response.Headers["X-Iso-Sha256"] = recorded.Sha256;
                }

                return appended.Aborted ? Results.Empty : Results.NoContent();
            })
            .WithName("AppendIsoUpload").Produces(StatusCodes.Status204NoContent)
            .WithSummary("Appends bytes at Upload-Offset (application/offset+octet-stream). With the last byte the image is checked (ISO 9660 or UDF, the SHA-256 given) and becomes ready; a refused image is removed and the answer says why.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        uploads.MapDelete("/{uploadId:guid}", async (Guid uploadId, ISender sender, IsoUploadWriter writer, CancellationToken ct) =>
            {
                await sender.Send(new CancelIsoUpload(uploadId), ct);
                writer.Forget(uploadId);
                return Results.NoContent();
            })
            .WithName("CancelIsoUpload").Produces(StatusCodes.Status204NoContent).WithSummary("Gives up an upload and removes what arrived of it (tus termination).").ProducesProblem(StatusCodes.Status404NotFound);
    }

    /// <summary>tus: every answer says the protocol's version; a request for another version is refused with 412.</summary>
    private static async ValueTask<object?> TusHeaders(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        http.Response.Headers["Tus-Resumable"] = Version;
        http.Response.Headers.CacheControl = "no-store";
        if (!HttpMethods.IsOptions(http.Request.Method) && http.Request.Headers["Tus-Resumable"].ToString() != Version)
        {
            http.Response.Headers["Tus-Version"] = Version;
            return Results.Problem(
                statusCode: StatusCodes.Status412PreconditionFailed,
                title: "Unsupported tus version.",
                detail: $"This server speaks tus {Version}: send Tus-Resumable: {Version}.");
        }

        return await next(context);
    }

    private static void SetOffset(HttpContext http, IsoUploadView upload) =>
        http.Response.Headers["Upload-Offset"] = upload.Offset.ToString(CultureInfo.InvariantCulture);

    private static IResult TooLarge(string field, string reason) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [reason] }, reason, title: "Too large.", statusCode: StatusCodes.Status413PayloadTooLarge);

    private static long? ParseLength(string value, string header, string field)
    {
        if (value.Length == 0)
        {
            return null;
        }

        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new RequestValidationException(field, $"{header} is a number of bytes (digits only).");
    }

    /// <summary>tus metadata: comma-separated pairs of a key and its value in Base64.</summary>
    private static Dictionary<string, string> ParseMetadata(string header)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (header.Length > 4096)
        {
            throw new RequestValidationException("uploadMetadata", "Upload-Metadata has at most 4,096 characters.");
        }

        foreach (var pair in header.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = pair.Split(' ', 2, StringSplitOptions.TrimEntries);
            try
            {
                metadata[parts[0]] = parts.Length == 2 ? new UTF8Encoding(false, true).GetString(Convert.FromBase64String(parts[1])) : "";
            }
            catch (Exception e) when (e is FormatException or ArgumentException)
            {
                throw new RequestValidationException("uploadMetadata", $"The value of '{parts[0]}' in Upload-Metadata is not Base64 of UTF-8 text.");
            }
        }

        return metadata;
    }
}

/// <summary>An image for the provider's library, fetched from <paramref name="Url"/>.</summary>
/// <param name="Url">An http or https address of the ISO file.</param>
/// <param name="Sha256">The SHA-256 its publisher gives (64 hex digits).</param>
/// <param name="Title">What users see; the file's name without ".iso" when not given.</param>
public sealed record AddIsoImageFromUrlRequest(string? Url, string? Sha256, string? Title);
