using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;

namespace VirtualCore.Framework.Views;

/// <summary>A page template and the type of the model its page hands it.</summary>
public sealed record PageModelRegistration(string TemplatePath, Type ModelType);

/// <summary>
/// Which model each page template is rendered with, declared by the module that owns the page. The theme linter checks
/// an uploaded template's <c>model.…</c> paths against it; the page renderer refuses a model of another type, so the
/// declaration cannot drift from what the page really hands over.
/// </summary>
public sealed class PageModelCatalogue(IEnumerable<PageModelRegistration> registrations)
{
    private readonly Dictionary<string, Type> _models = registrations
        .GroupBy(r => r.TemplatePath, StringComparer.Ordinal)
        .ToDictionary(
            g => g.Key,
            g => g.Select(r => r.ModelType).Distinct().SingleOrDefault()
                ?? throw new InvalidOperationException($"Page template '{g.Key}' is declared with more than one model type."),
            StringComparer.Ordinal);

    public IReadOnlyCollection<string> Templates => _models.Keys;

    public bool TryGetModelType(string templatePath, [NotNullWhen(true)] out Type? modelType) => _models.TryGetValue(templatePath, out modelType);
}

public static class PageModelServiceCollectionExtensions
{
    /// <summary>Declares that <paramref name="templatePath"/> is rendered with a <typeparamref name="TModel"/>.</summary>
    public static IServiceCollection AddPageModel<TModel>(this IServiceCollection services, string templatePath)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (!ThemePaths.IsSafeTemplatePath(templatePath))
        {
            throw new ArgumentException($"'{templatePath}' is not a template path.", nameof(templatePath));
        }

        services.AddSingleton(new PageModelRegistration(templatePath, typeof(TModel)));
        return services;
    }
}
