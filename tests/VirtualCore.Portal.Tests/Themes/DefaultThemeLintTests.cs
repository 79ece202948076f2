using Microsoft.Extensions.DependencyInjection;
using Scriban;
using VirtualCore.Framework.Views;

namespace VirtualCore.Portal.Tests.Themes;

/// <summary>
/// The installed default theme passes the linter resellers' themes are held to, with every page's declared model: the
/// declarations match what the templates read, and the linter knows every name the real pages use.
/// </summary>
public sealed class DefaultThemeLintTests : IAsyncLifetime
{
    private readonly PortalFixture _portal = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public void Every_default_template_reads_only_what_its_page_provides()
    {
        var registry = _portal.Services.GetRequiredService<ThemeRegistry>();
        var linter = _portal.Services.GetRequiredService<ThemeLinter>();
        var catalogue = _portal.Services.GetRequiredService<PageModelCatalogue>();
        var templates = registry.TemplatePaths("Default").ToDictionary(p => p, p =>
        {
            Assert.True(registry.TryGetTemplateText("Default", p, out var text));
            return Template.Parse(text, p);
        });
        var assigned = templates.Values.SelectMany(ThemeLinter.AssignedNames).ToHashSet(StringComparer.Ordinal);

        var problems = templates
            .SelectMany(t => linter.Lint(t.Key, t.Value, assigned).Select(p => $"{t.Key}:{p.Line}: {p.Reason}"))
            .ToList();

        Assert.Empty(problems);
        Assert.True(catalogue.Templates.Count >= 25, $"only {catalogue.Templates.Count} pages declare their model");
        Assert.All(catalogue.Templates, t => Assert.Contains(t, templates.Keys));
    }
}
