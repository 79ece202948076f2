using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace VirtualCore.Framework.Views;

public static class ViewsServiceCollectionExtensions
{
    /// <summary>Registers <see cref="ThemeRegistry"/> and <see cref="IViewRenderer"/> as singletons.</summary>
    public static IServiceCollection AddVirtualCoreViews(this IServiceCollection services, Action<ViewEngineOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);

        services.AddOptions<ViewEngineOptions>()
            .Configure(configure)
            .Validate(o => !string.IsNullOrWhiteSpace(o.ThemesRoot), "ViewEngineOptions.ThemesRoot is required.")
            .Validate(o => o.RenderTimeout > TimeSpan.Zero, "ViewEngineOptions.RenderTimeout must be positive.");
        services.TryAddSingleton<ThemeRegistry>();
        services.TryAddSingleton<IViewRenderer, ScribanViewRenderer>();
        services.TryAddSingleton<PageModelCatalogue>();
        services.TryAddSingleton<ThemeLinter>();
        services.TryAddSingleton<ThemePackageReader>();
        services.TryAddSingleton<ThemeTrial>();
        return services;
    }
}
