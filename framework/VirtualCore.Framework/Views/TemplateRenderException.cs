namespace VirtualCore.Framework.Views;

/// <summary>
/// A page could not be rendered: a template error, a sandbox limit or the time budget. The message
/// carries the theme, the template and Scriban's own message with its position.
/// </summary>
public sealed class TemplateRenderException : Exception
{
    public TemplateRenderException(string themeName, string templatePath, string reason, Exception? innerException = null)
        : base($"Rendering '{templatePath}' of theme '{themeName}' failed: {reason}", innerException)
    {
        ThemeName = themeName;
        TemplatePath = templatePath;
        Reason = reason;
    }

    public string ThemeName { get; }

    public string TemplatePath { get; }

    public string Reason { get; }
}
