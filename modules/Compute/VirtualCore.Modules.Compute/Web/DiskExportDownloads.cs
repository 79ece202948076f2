using System.Buffers;
using System.Net.WebSockets;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Headers;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using VirtualCore.Framework.Security;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Features.Console;
using VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Modules.Compute.Web;

/// <summary>
/// A disk export's download: streamed from the rack server's agent through this portal instance (the same way as a
/// console), in pieces of constant memory, resumable with a single <c>Range</c> (and <c>If-Range</c> on its ETag).
/// </summary>
internal static class DiskExportDownloads
{
    private const int BufferBytes = 256 * 1024;

    public static RouteHandlerBuilder Map(RouteGroupBuilder vms) =>
        vms.MapMethods("/{vmId:guid}/disk-exports/{exportId:guid}/content", [HttpMethods.Get, HttpMethods.Head], DownloadAsync)
            .RequireScope(ApiScopes.Manage).WithTags("Disk exports").WithName("DownloadDiskExport")
            .WithSummary("The export's bytes (application/octet-stream). Resume with `Range: bytes=N-` (one range; 206 with Content-Range); `If-Range` takes the ETag. 416 for a range outside the file.")
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream").Produces(StatusCodes.Status206PartialContent)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status416RangeNotSatisfiable);

    private static async Task<IResult> DownloadAsync(Guid vmId, Guid exportId, HttpContext http, ISender sender)
    {
        var download = await sender.Send(new GetDiskExportDownload(vmId, exportId), http.RequestAborted);
        var size = download.SizeBytes;
        var etag = new EntityTagHeaderValue($"\"{download.ExportId:N}-{size}\"");
        var response = http.Response;
        response.Headers.AcceptRanges = "bytes";
        response.Headers.ETag = etag.ToString();
        response.GetTypedHeaders().ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileNameStar = download.FileName, FileName = download.FileName };

        var (start, length, partial) = (0L, size, false);
        var request = http.Request.GetTypedHeaders();
        // A range in another unit than bytes, or one that does not parse, is ignored (RFC 9110, 14.2): the whole file follows.
        if (request.Range is { } range && string.Equals(range.Unit.Value, "bytes", StringComparison.OrdinalIgnoreCase) && IfRangeHolds(request, etag))
        {
            if (range.Ranges.Count != 1 || Resolve(range.Ranges.Single(), size) is not { } piece)
            {
                response.Headers.ContentRange = new ContentRangeHeaderValue(size).ToString();
                return Results.Problem(
                    detail: $"The range is outside the export ({size} bytes) or not a single byte range.",
                    statusCode: StatusCodes.Status416RangeNotSatisfiable,
                    extensions: new Dictionary<string, object?> { ["field"] = "Range" });
            }

            (start, length, partial) = (piece.Start, piece.Length, true);
        }

        if (HttpMethods.IsHead(http.Request.Method) || length == 0)
        {
            return Headers(response, start, length, size, partial);
        }

        Stream source;
        try
        {
            source = await ConsoleEndpoints.OpenAgentStreamAsync(
                http.RequestServices,
                download.NodeName,
                (session, secret, callback, expires) => new ReadDiskExport(session, download.NodeName, vmId, secret, callback, expires, exportId, start, length),
                http.RequestAborted);
        }
        catch (ConsoleRefusedException refused)
        {
            return Results.Problem(detail: refused.Message, statusCode: StatusCodes.Status409Conflict);
        }
        catch (TimeoutException)
        {
            return Results.Problem(detail: "The rack server did not answer in time; try again.", statusCode: StatusCodes.Status504GatewayTimeout);
        }

        await using (source)
        {
            Headers(response, start, length, size, partial);
            await CopyAsync(http, source, length);
        }

        return Results.Empty;
    }

    private static IResult Headers(HttpResponse response, long start, long length, long size, bool partial)
    {
        response.StatusCode = partial ? StatusCodes.Status206PartialContent : StatusCodes.Status200OK;
        response.ContentType = "application/octet-stream";
        response.ContentLength = length;
        if (partial)
        {
            response.Headers.ContentRange = new ContentRangeHeaderValue(start, start + length - 1, size).ToString();
        }

        return Results.Empty;
    }

    /// <summary>Copies exactly <paramref name="length"/> bytes; a rack server that stops early aborts the response, so the client sees it incomplete and resumes.</summary>
    private static async Task CopyAsync(HttpContext http, Stream source, long length)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferBytes);
        try
        {
            var left = length;
            while (left > 0)
            {
                int read;
                try
                {
                    read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), http.RequestAborted);
                }
                catch (Exception e) when (e is IOException or WebSocketException or NotSupportedException)
                {
                    // A WebSocket the agent closed or lost is no longer readable: the same as ending early.
                    read = 0;
                }

                if (read == 0)
                {
                    http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("VirtualCore.DiskExports")
                        .LogWarning("The rack server's stream ended {Left} bytes early; the download was cut", left);
                    http.Abort();
                    return;
                }

                await http.Response.Body.WriteAsync(buffer.AsMemory(0, read), http.RequestAborted);
                left -= read;
            }
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away; it resumes with a range.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>A range of a file of <paramref name="size"/> bytes: "a-b", "a-" or "-n"; null when it is outside the file.</summary>
    internal static (long Start, long Length)? Resolve(RangeItemHeaderValue item, long size)
    {
        if (item.From is { } from)
        {
            if (from >= size || (item.To is { } end && end < from))
            {
                return null;
            }

            var last = Math.Min(item.To ?? (size - 1), size - 1);
            return (from, last - from + 1);
        }

        if (item.To is { } suffix && suffix > 0 && size > 0)
        {
            var take = Math.Min(suffix, size);
            return (size - take, take);
        }

        return null;
    }

    /// <summary>Without If-Range the range holds; with it, only while the export is the one the client began (its ETag; dates are not used).</summary>
    private static bool IfRangeHolds(RequestHeaders request, EntityTagHeaderValue etag) =>
        request.IfRange is not { } ifRange || (ifRange.EntityTag is { IsWeak: false } tag && tag.Compare(etag, useStrongComparison: true));
}
