using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using VirtualCore.Framework.Mediation;

namespace VirtualCore.Framework.Web;

/// <summary>
/// Conditional requests and paging of the API, in one place for every module (RFC 9110 §13, RFC 8288):
/// <list type="bullet">
/// <item>Every JSON answer of a <c>GET</c> carries an <c>ETag</c>, the SHA-256 of its bytes; <c>If-None-Match</c> with it
/// answers 304 without a body.</item>
/// <item>An update declared with <see cref="IfMatch"/> takes <c>If-Match</c>: the resource's current representation is
/// read again inside the update's own transaction, so the update happens only on exactly what the caller saw; on any
/// other, 412. An update that does not declare its resource refuses <c>If-Match</c> (400) rather than ignore it.</item>
/// <item>A list that does not page itself in the database (it says so with <see cref="PagesItself"/>) is paged and
/// searched here: <c>limit</c>, <c>offset</c> and <c>search</c> (items with a text field that contains it), with the
/// whole count in <c>X-Total-Count</c> and the neighbouring pages as <c>Link</c>s. These are the short lists of one
/// account (its users, tokens, webhooks, a VM's recovery points); the long ones page in the database.</item>
/// </list>
/// </summary>
public static class ApiConditionalRequests
{
    /// <summary>The header with the number of items of a paged list before paging.</summary>
    public const string TotalCountHeader = "X-Total-Count";

    /// <summary>The most items one page of a list holds.</summary>
    public const int MaxLimit = 1000;

    /// <summary>The entity tag of a representation: the first 128 bits of its SHA-256, base64url, quoted (strong).</summary>
    public static string ETagOf(ReadOnlySpan<byte> json) => "\"" + Base64Url.EncodeToString(SHA256.HashData(json).AsSpan(0, 16)) + "\"";

    /// <summary>The representation's bytes as the API writes them: the runtime type, the API's serializer options.</summary>
    public static byte[] Serialize(object? value, JsonSerializerOptions options) =>
        value is null ? "null"u8.ToArray() : JsonSerializer.SerializeToUtf8Bytes(value, value.GetType(), options);

    /// <summary>
    /// Declares the resource an update changes, as the query that reads it (the same one its <c>GET</c> answers with):
    /// the update then takes <c>If-Match</c>.
    /// </summary>
    public static RouteHandlerBuilder IfMatch(this RouteHandlerBuilder builder, Func<RouteValueDictionary, IMessage> current) =>
        builder.WithMetadata(new ResourceQuery(current));

    /// <summary>Declares that a list pages and filters in the database with parameters of its own.</summary>
    public static RouteHandlerBuilder PagesItself(this RouteHandlerBuilder builder) => builder.WithMetadata(new SelfPagedList());

    /// <summary>A route value that is a UUID (the route's constraint made sure of it).</summary>
    public static Guid Guid(this RouteValueDictionary route, string name) =>
        System.Guid.Parse(route[name]?.ToString() ?? throw new InvalidOperationException($"The route has no {name}."), CultureInfo.InvariantCulture);

    public static IServiceCollection AddApiConditionalRequests(this IServiceCollection services) => services.AddScoped<RequestPreconditions>();

    public static IApplicationBuilder UseApiConditionalRequests(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (!http.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
        {
            await next(http);
            return;
        }

        if (HttpMethods.IsGet(http.Request.Method))
        {
            await RepresentAsync(http, next);
            return;
        }

        if (http.Request.Headers.IfMatch.Count > 0 && !HttpMethods.IsHead(http.Request.Method) && !HttpMethods.IsOptions(http.Request.Method))
        {
            var declared = http.GetEndpoint()?.Metadata.GetMetadata<ResourceQuery>()
                ?? throw new RequestValidationException(HeaderNames.IfMatch, "This operation does not take If-Match: it changes no single resource with an ETag.");
            var route = http.GetRouteData().Values;
            http.RequestServices.GetRequiredService<RequestPreconditions>().Expect(http.Request.Headers.IfMatch.ToString(), () => declared.Current(route));
        }

        await next(http);
    });

    private static async Task RepresentAsync(HttpContext http, RequestDelegate next)
    {
        var paging = http.GetEndpoint()?.Metadata.GetMetadata<SelfPagedList>() is null ? ListPaging.Of(http.Request.Query) : null;
        var original = http.Response.Body;
        await using var buffer = new RepresentationBuffer(http.Response, original);
        http.Response.Body = buffer;
        try
        {
            await next(http);
        }
        finally
        {
            http.Response.Body = original;
        }

        // Passed through, or nothing written at all (a bare refusal the status pages still describe): left as it is.
        if (!buffer.Buffered)
        {
            return;
        }

        var body = buffer.ToArray();
        if (http.Response.StatusCode == StatusCodes.Status200OK && RepresentationBuffer.IsJson(http.Response.ContentType))
        {
            if (paging is not null)
            {
                body = paging.Apply(http, body);
            }

            var etag = ETagOf(body);
            http.Response.Headers.ETag = etag;
            if (Matches(http.Request.Headers.IfNoneMatch.ToString(), etag, weak: true))
            {
                http.Response.StatusCode = StatusCodes.Status304NotModified;
                http.Response.ContentLength = null;
                http.Response.Headers.ContentType = default;
                return;
            }
        }

        http.Response.ContentLength = body.Length;
        await original.WriteAsync(body, http.RequestAborted);
    }

    /// <summary>
    /// Whether a list of entity tags (an <c>If-Match</c> or <c>If-None-Match</c> value) names this one: <c>*</c> names any;
    /// <c>If-Match</c> compares strongly (a weak tag never matches), <c>If-None-Match</c> weakly.
    /// </summary>
    public static bool Matches(string header, string etag, bool weak)
    {
        foreach (var item in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (item == "*")
            {
                return true;
            }

            var tag = item;
            if (tag.StartsWith("W/", StringComparison.Ordinal))
            {
                if (!weak)
                {
                    continue;
                }

                tag = tag[2..];
            }

            if (string.Equals(tag, etag, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>An update's resource, as the query its <c>GET</c> answers with.</summary>
    public sealed record ResourceQuery(Func<RouteValueDictionary, IMessage> Current);

    /// <summary>A list that pages in the database.</summary>
    public sealed record SelfPagedList;

    /// <summary><c>limit</c>, <c>offset</c> and <c>search</c> of a list paged here.</summary>
    private sealed record ListPaging(int? Limit, int Offset, string? Search)
    {
        public static ListPaging? Of(IQueryCollection query)
        {
            var limitText = query["limit"].ToString();
            var offsetText = query["offset"].ToString();
            var search = query["search"].ToString();
            if (limitText.Length == 0 && offsetText.Length == 0 && search.Length == 0)
            {
                return null;
            }

            var errors = new List<FieldError>();
            int? limit = null;
            if (limitText.Length > 0)
            {
                if (int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out var l) && l is >= 1 and <= MaxLimit)
                {
                    limit = l;
                }
                else
                {
                    errors.Add(new FieldError("limit", "Give a whole number from 1 to 1000."));
                }
            }

            var offset = 0;
            if (offsetText.Length > 0 && !(int.TryParse(offsetText, NumberStyles.None, CultureInfo.InvariantCulture, out offset) && offset >= 0))
            {
                errors.Add(new FieldError("offset", "Give a whole number, 0 or more."));
            }

            if (search.Length > 200)
            {
                errors.Add(new FieldError("search", "Search for at most 200 characters."));
            }

            return errors.Count > 0 ? throw new RequestValidationException(errors) : new ListPaging(limit, offset, search.Length > 0 ? search : null);
        }

        /// <summary>The page of a JSON array; anything else (one object) as it is.</summary>
        public byte[] Apply(HttpContext http, byte[] body)
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                return body;
            }

            var items = document.RootElement.EnumerateArray().Where(item => Search is null || Contains(item, Search)).ToList();
            var page = items.Skip(Offset).Take(Limit ?? int.MaxValue).ToList();
            http.Response.Headers[TotalCountHeader] = items.Count.ToString(CultureInfo.InvariantCulture);
            var links = new List<string>();
            var size = Limit ?? Math.Max(page.Count, 1);
            if (Offset + page.Count < items.Count)
            {
                links.Add(Link(http, Offset + page.Count, size, "next"));
            }

            if (Offset > 0)
            {
                links.Add(Link(http, Math.Max(0, Offset - size), size, "prev"));
            }

            if (links.Count > 0)
            {
                http.Response.Headers.Link = string.Join(", ", links);
            }

            using var output = new MemoryStream();
            using (var writer = new Utf8JsonWriter(output))
            {
                writer.WriteStartArray();
                foreach (var item in page)
                {
                    item.WriteTo(writer);
                }

                writer.WriteEndArray();
            }

            return output.ToArray();
        }

        // A text field anywhere in the item (nested objects and arrays of text included) that contains the search.
        private static bool Contains(JsonElement element, string search) => element.ValueKind switch
        {
            JsonValueKind.String => element.GetString()!.Contains(search, StringComparison.OrdinalIgnoreCase),
            JsonValueKind.Object => element.EnumerateObject().Any(p => Contains(p.Value, search)),
            JsonValueKind.Array => element.EnumerateArray().Any(e => Contains(e, search)),
            _ => false,
        };

        private static string Link(HttpContext http, int offset, int limit, string rel)
        {
            var query = http.Request.Query.Where(q => q.Key is not ("offset" or "limit"))
                .Select(q => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(q.Value.ToString())}")
                .Append(string.Create(CultureInfo.InvariantCulture, $"offset={offset}"))
                .Append(string.Create(CultureInfo.InvariantCulture, $"limit={limit}"));
            return $"<{http.Request.PathBase}{http.Request.Path}?{string.Join('&', query)}>; rel=\"{rel}\"";
        }
    }
}

/// <summary>
/// The <c>If-Match</c> of the request's update and how to read its resource's current representation; checked by the
/// unit of work inside the update's transaction (and again on each retry), so nothing changes between check and write.
/// </summary>
public sealed class RequestPreconditions(ISender sender, IOptions<JsonOptions> json)
{
    private string? _ifMatch;
    private Func<IMessage>? _current;

    /// <summary>The text of a refusal because the resource is no longer what the caller saw.</summary>
    public const string ChangedDetail = "The resource has changed since its ETag was read: read it again (GET) and send the change with the new ETag in If-Match.";

    public void Expect(string ifMatch, Func<IMessage> current)
    {
        _ifMatch = ifMatch;
        _current = current;
    }

    /// <summary>Refuses with 412 unless the resource's representation has an entity tag the <c>If-Match</c> names.</summary>
    public async ValueTask CheckAsync(CancellationToken cancellationToken)
    {
        if (_current is null || _ifMatch is null)
        {
            return;
        }

        // Nothing there (a GET would answer 204): no tag matches, not even *.
        var representation = await sender.Send((object)_current(), cancellationToken);
        if (representation is null
            || !ApiConditionalRequests.Matches(_ifMatch, ApiConditionalRequests.ETagOf(ApiConditionalRequests.Serialize(representation, json.Value.SerializerOptions)), weak: false))
        {
            throw new PreconditionFailedException(ChangedDetail);
        }
    }

    /// <summary>The update committed: a later command of the same request is not checked against the old state.</summary>
    public void Done()
    {
        _current = null;
        _ifMatch = null;
    }
}

/// <summary>
/// Buffers a JSON answer so its entity tag can be computed before it is sent; anything else (a download, a page) passes
/// straight through from its first byte.
/// </summary>
internal sealed class RepresentationBuffer(HttpResponse response, Stream inner) : Stream
{
    private readonly MemoryStream _buffer = new();
    private bool? _buffering;

    /// <summary>Whether the answer was held back here (it began as a JSON 200).</summary>
    public bool Buffered => _buffering == true;

    public static bool IsJson(string? contentType) =>
        contentType is not null && (contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
            || contentType.StartsWith("application/problem+json", StringComparison.OrdinalIgnoreCase));

    public byte[] ToArray() => _buffer.ToArray();

    private bool Buffering => _buffering ??= response.StatusCode == StatusCodes.Status200OK && IsJson(response.ContentType);

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush()
    {
        if (!Buffering)
        {
            inner.Flush();
        }
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Buffering ? Task.CompletedTask : inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (Buffering)
        {
            _buffer.Write(buffer);
        }
        else
        {
            inner.Write(buffer);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Buffering)
        {
            _buffer.Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        return inner.WriteAsync(buffer, cancellationToken);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _buffer.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _buffer.DisposeAsync();
        await base.DisposeAsync();
    }
}

/// <summary>The resource is not what the caller's <c>If-Match</c> names. Maps to 412.</summary>
public sealed class PreconditionFailedException(string message) : Exception(message);
