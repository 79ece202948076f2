using Microsoft.Extensions.Options;
using Scriban;
using Scriban.Runtime;
using Scriban.Syntax;

namespace VirtualCore.Framework.Views;

/// <summary>
/// Renders theme templates in a sandbox: escaped output, plain-data models, no file or network access
/// beyond the theme chain, and loop, recursion, size and time limits.
/// </summary>
internal sealed class ScribanViewRenderer(ThemeRegistry registry, IOptions<ViewEngineOptions> options) : IViewRenderer
{
    private static readonly string[] ReservedNames = ["model", "theme", "body", "raw", "include", "t"];

    private readonly ViewEngineOptions _options = options.Value;

    public async Task<string> RenderPageAsync(
        string themeName,
        string templatePath,
        object model,
        IReadOnlyDictionary<string, object?> globals,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(themeName);
        ArgumentNullException.ThrowIfNull(templatePath);
        ArgumentNullException.ThrowIfNull(globals);
        cancellationToken.ThrowIfCancellationRequested();

        if (!registry.TryGetManifest(themeName, out _))
        {
            throw new TemplateRenderException(themeName, templatePath, "the theme is not loaded");
        }

        var page = Resolve(themeName, templatePath, templatePath);
        var scope = CreateScope(themeName, model, globals);

        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(_options.RenderTimeout);
        var context = CreateContext(themeName, budget.Token);
        context.PushGlobal(scope);

        try
        {
            var body = await page.Template.RenderAsync(context).ConfigureAwait(false);
            var layoutSetting = scope.TryGetValue("layout", out var value) ? value : null;
            if (layoutSetting is false)
            {
                return body;
            }

            var layoutPath = layoutSetting as string ?? ThemePaths.LayoutTemplatePath;
            var layout = Resolve(themeName, templatePath, layoutPath);
            scope.SetValue("body", new RawHtml(body), true);
            return await layout.Template.RenderAsync(context).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsCancellation(ex) && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("Rendering was cancelled by the caller.", ex, cancellationToken);
        }
        catch (Exception ex) when (IsCancellation(ex))
        {
            throw new TemplateRenderException(themeName, templatePath, $"the render took longer than its {_options.RenderTimeout.TotalMilliseconds:0} ms budget", ex);
        }
        catch (ScriptRuntimeException ex)
        {
            throw new TemplateRenderException(themeName, templatePath, ex.Message, ex);
        }
        catch (Exception ex) when (ex is not (OutOfMemoryException or TemplateRenderException))
        {
            // Built-in functions can fail with ordinary .NET exceptions (bad format, overflow); a page must never take the host down.
            throw new TemplateRenderException(themeName, templatePath, ex.Message, ex);
        }
    }

    private ParsedTemplate Resolve(string themeName, string requestedPath, string templatePath)
    {
        ParsedTemplate? template;
        try
        {
            if (!registry.TryGetTemplate(themeName, templatePath, out template))
            {
                throw new TemplateRenderException(themeName, requestedPath, $"template '{templatePath}' was not found in the theme or its base themes");
            }
        }
        catch (ArgumentException ex)
        {
            throw new TemplateRenderException(themeName, requestedPath, ex.Message, ex);
        }

        if (template.Template.HasErrors)
        {
            throw new TemplateRenderException(themeName, requestedPath, string.Join("; ", template.Template.Messages));
        }

        return template;
    }

    private ScriptObject CreateScope(string themeName, object model, IReadOnlyDictionary<string, object?> globals)
    {
        var scope = new ScriptObject();
        foreach (var (name, value) in globals)
        {
            if (ReservedNames.Contains(name, StringComparer.Ordinal))
            {
                throw new ArgumentException($"Global '{name}' is reserved by the view engine.", nameof(globals));
            }

            scope.SetValue(name, ViewModelConverter.Convert(value, name), false);
        }

        scope.SetValue("model", ViewModelConverter.Convert(model, "model"), true);
        scope.SetValue("theme", ThemeObject(themeName), true);
        var language = globals.TryGetValue("lang", out var lang) && Localisation.PortalLanguages.IsSupported(lang as string) ? (string)lang! : Localisation.PortalLanguages.English;
        scope.SetValue("t", new TextFunction(registry.GetTexts(themeName, language)), true);
        return scope;
    }

    private ScriptObject ThemeObject(string themeName)
    {
        var theme = new ScriptObject();
        theme.SetValue("name", themeName, true);
        var variables = registry.GetVariables(themeName);
        var values = ThemeSettingsSchema.ToDictionary(variables);
        foreach (var field in ThemeSettingsSchema.Fields)
        {
            var value = field.Kind == ThemeSettingKind.Links
                ? ViewModelConverter.Convert(variables.FooterLinks, field.TemplateName)
                : values.GetValueOrDefault(field.Key);
            theme.SetValue(field.TemplateName, value, true);
        }

        return theme;
    }

    private SandboxedTemplateContext CreateContext(string themeName, CancellationToken cancellationToken)
    {
        var context = new SandboxedTemplateContext
        {
            LoopLimit = _options.LoopLimit,
            RecursiveLimit = _options.RecursiveLimit,
            LimitToString = _options.StringLimit,
            OnStringLimit = ScriptLimitBehavior.Throw,
            OutputLimit = _options.OutputLimit,
            OnOutputLimit = ScriptLimitBehavior.Throw,
            ObjectRecursionLimit = _options.ObjectRecursionLimit,
            RegexTimeOut = _options.RegexTimeout,
            StrictVariables = false,
            EnableRelaxedFunctionAccess = false,
            TemplateLoader = new ThemeTemplateLoader(registry, themeName),
            TemplateLoaderParserOptions = ThemeRegistry.ParserOptions,
            CancellationToken = cancellationToken,
        };

        context.RestrictBuiltins();
        return context;
    }

    private static bool IsCancellation(Exception ex) => ex is OperationCanceledException or ScriptAbortException;
}
