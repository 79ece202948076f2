using Microsoft.AspNetCore.Http.HttpResults;

namespace VirtualCore.Framework.Web;

/// <summary>The one rule for redirects to a URL a request names: only paths of this portal.</summary>
public static class LocalUrl
{
    /// <summary>
    /// <paramref name="url"/> when it is a path on this portal by ASP.NET Core's rule (a single leading slash or
    /// "~/", no slash or backslash after it, no control characters: browsers skip a TAB in "/\t/evil.example" and
    /// go to another host); <paramref name="fallback"/> otherwise. "~/" becomes "/": the portal runs at the root.
    /// </summary>
    public static string OrFallback(string? url, string fallback)
    {
        if (string.IsNullOrEmpty(url) || !RedirectHttpResult.IsLocalUrl(url))
        {
            return fallback;
        }

        return url.StartsWith("~/", StringComparison.Ordinal) ? url[1..] : url;
    }
}
