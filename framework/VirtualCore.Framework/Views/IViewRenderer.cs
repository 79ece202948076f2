namespace VirtualCore.Framework.Views;

/// <summary>Renders a theme's page template, wrapped in the theme's layout, to HTML.</summary>
public interface IViewRenderer
{
    /// <summary>
    /// Renders <paramref name="templatePath"/> (e.g. <c>Compute/VmList.sbn-html</c>) through the theme chain
    /// of <paramref name="themeName"/>. The template sees the view model as <c>model</c>, each global by its
    /// name and the theme's variables as <c>theme</c>.
    /// </summary>
    /// <exception cref="TemplateRenderException">A template error, a sandbox limit or the time budget.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    Task<string> RenderPageAsync(
        string themeName,
        string templatePath,
        object model,
        IReadOnlyDictionary<string, object?> globals,
        CancellationToken cancellationToken);
}
