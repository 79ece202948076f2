using Microsoft.AspNetCore.Http;
using VirtualCore.Framework.Mediation;

namespace VirtualCore.Framework.Web;

/// <summary>
/// The caller's idempotency key for a request that changes something: the <c>Idempotency-Key</c> header of the API
/// (a UUID), or the <c>requestId</c> field a page puts into each of its forms. The same key again answers with the
/// first result instead of doing the work twice.
/// </summary>
public static class IdempotencyKey
{
    /// <summary>The header's name.</summary>
    public const string HeaderName = "Idempotency-Key";

    /// <summary>The form field's name.</summary>
    public const string FieldName = "requestId";

    /// <summary>The key of the request, or null when it has none; a key that is not a UUID is refused.</summary>
    public static Guid? Of(HttpContext http)
    {
        var text = http.Request.Headers[HeaderName].ToString();
        if (text.Length == 0 && http.Request.HasFormContentType && http.Request.Form.TryGetValue(FieldName, out var field))
        {
            text = field.ToString();
        }

        if (text.Length == 0)
        {
            return null;
        }

        return Guid.TryParse(text, out var key) && key != Guid.Empty
            ? key
            : throw new RequestValidationException(FieldName, $"The {HeaderName} must be a UUID, e.g. {Guid.NewGuid()}.");
    }
}
