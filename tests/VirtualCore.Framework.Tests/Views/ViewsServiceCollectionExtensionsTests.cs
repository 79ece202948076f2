using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using VirtualCore.Framework.Views;

namespace VirtualCore.Framework.Tests.Views;

public sealed class ViewsServiceCollectionExtensionsTests
{
    [Fact]
    public async Task AddVirtualCoreViews_registers_a_working_renderer_and_registry_as_singletons()
    {
        using var themes = ThemeFolders.WithDefault().AddTemplate("Default", "Home.sbn-html", "{{ page_title = 'Home' }}hi");
        using var provider = new ServiceCollection()
            .AddVirtualCoreViews(o => o.ThemesRoot = themes.Root)
            .BuildServiceProvider();

        var renderer = provider.GetRequiredService<IViewRenderer>();
        Assert.Same(renderer, provider.GetRequiredService<IViewRenderer>());
        Assert.Same(provider.GetRequiredService<ThemeRegistry>(), provider.GetRequiredService<ThemeRegistry>());

        var html = await renderer.RenderPageAsync("Default", "Home.sbn-html", new { }, new Dictionary<string, object?>(), CancellationToken.None);

        Assert.Equal("<title>Home</title><main>hi</main>", html);
    }

    [Fact]
    public void A_missing_themes_root_is_reported_when_the_registry_is_resolved()
    {
        using var provider = new ServiceCollection().AddVirtualCoreViews(_ => { }).BuildServiceProvider();

        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<ThemeRegistry>());
    }
}
