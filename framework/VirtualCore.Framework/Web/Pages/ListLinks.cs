namespace VirtualCore.Framework.Web.Pages;

/// <summary>The addresses of a list page: its path with the filter that is set, and the page number after page 1.</summary>
public static class ListLinks
{
    /// <summary>The filter as a query string (without "?"): the fields with a value, escaped, in the order given.</summary>
    public static string Query(params (string Name, string? Value)[] fields) =>
        string.Join('&', fields.Where(f => !string.IsNullOrEmpty(f.Value)).Select(f => $"{f.Name}={Uri.EscapeDataString(f.Value!)}"));

    /// <summary><paramref name="path"/> with <paramref name="query"/> and, after the first page, <c>page=N</c>.</summary>
    public static string Page(string path, string query, int page)
    {
        var all = page > 1 ? (query.Length > 0 ? query + "&" : "") + $"page={page}" : query;
        return all.Length > 0 ? path + "?" + all : path;
    }
}
