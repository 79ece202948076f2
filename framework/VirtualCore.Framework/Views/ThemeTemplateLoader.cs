using Scriban;
using Scriban.Parsing;
using Scriban.Runtime;
using Scriban.Syntax;

namespace VirtualCore.Framework.Views;

/// <summary>
/// The only way a template reaches another template: <c>include 'Shared/Header.sbn-html'</c> is looked up
/// through the rendering theme's chain, never on the file system.
/// </summary>
internal sealed class ThemeTemplateLoader(ThemeRegistry registry, string themeName) : ITemplateLoader
{
    private readonly Dictionary<string, ParsedTemplate> _resolved = new(StringComparer.Ordinal);

    public string GetPath(TemplateContext context, SourceSpan callerSpan, string templateName)
    {
        ParsedTemplate? template;
        try
        {
            if (!registry.TryGetTemplate(themeName, templateName, out template))
            {
                throw new ScriptRuntimeException(callerSpan, $"Template '{templateName}' was not found in theme '{themeName}' or its base themes.");
            }
        }
        catch (ArgumentException ex)
        {
            throw new ScriptRuntimeException(callerSpan, ex.Message);
        }

        // Scriban looks here before calling Load, so the registry's parse is reused instead of parsing per render.
        context.CachedTemplates.TryAdd(template.Key, template.Template);
        _resolved.TryAdd(template.Key, template);
        return template.Key;
    }

    public string Load(TemplateContext context, SourceSpan callerSpan, string templatePath) =>
        _resolved.TryGetValue(templatePath, out var template)
            ? template.Text
            : throw new ScriptRuntimeException(callerSpan, $"Template '{templatePath}' was not resolved by this theme.");

    public ValueTask<string?> LoadAsync(TemplateContext context, SourceSpan callerSpan, string templatePath) =>
        ValueTask.FromResult<string?>(Load(context, callerSpan, templatePath));
}
