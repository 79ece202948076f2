namespace VirtualCore.Framework.Views;

/// <summary>Settings of the theme registry and the sandboxed Scriban renderer.</summary>
public sealed class ViewEngineOptions
{
    /// <summary>Folder holding one sub-folder per theme (<c>&lt;ThemesRoot&gt;/&lt;Name&gt;/theme.json</c>).</summary>
    public string ThemesRoot { get; set; } = string.Empty;

    /// <summary>URL prefix under which the host serves theme assets (<c>/themes/{theme}/assets/…</c>).</summary>
    public string AssetsUrlPrefix { get; set; } = "/themes";

    /// <summary>Wall-clock budget of one page render, layout included.</summary>
    public TimeSpan RenderTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Cumulative loop iterations per loop tree; 0 disables the check.</summary>
    public int LoopLimit { get; set; } = 10_000;

    /// <summary>Depth of nested function calls and includes.</summary>
    public int RecursiveLimit { get; set; } = 64;

    /// <summary>Longest string a template may build, in UTF-16 characters.</summary>
    public int StringLimit { get; set; } = 1024 * 1024;

    /// <summary>Longest page a render may produce, in UTF-16 characters.</summary>
    public int OutputLimit { get; set; } = 2 * 1024 * 1024;

    /// <summary>Depth to which an object graph is converted to text.</summary>
    public int ObjectRecursionLimit { get; set; } = 20;

    /// <summary>Timeout of each regular expression a template runs.</summary>
    public TimeSpan RegexTimeout { get; set; } = TimeSpan.FromMilliseconds(200);
}
