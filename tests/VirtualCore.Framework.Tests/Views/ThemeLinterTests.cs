using Scriban;
using VirtualCore.Framework.Views;

namespace VirtualCore.Framework.Tests.Views;

public sealed class ThemeLinterTests
{
    private readonly ThemeLinter _linter = new(new PageModelCatalogue([new PageModelRegistration("Shop/List.sbn-html", typeof(ListModel))]));

    [Fact]
    public void A_page_template_reading_its_models_members_through_loops_and_assignments_passes()
    {
        var problems = Lint("Shop/List.sbn-html", """
            <h1>{{ page_title }} · {{ brand }} · {{ theme.brand_name }} {{ theme.imprint_url }}</h1>
            {{ first = model.items[0] }}{{ first.name }}
            {{ for item in model.items }}{{ item.name | string.upcase }} {{ item.owner.display }} {{ for.index }}{{ end }}
            {{ for link in theme.footer_links }}{{ link.label }}{{ end }}
            {{ capture total }}{{ model.items.size }}{{ end }}{{ total }}
            {{ func shout(x) }}{{ x.anything }}{{ end }}{{ shout model.title }}
            {{ if user }}{{ user.display_name }}{{ end }}<input name="{{ csrf.name }}" value="{{ csrf.value }}">
            {{ for n in nav }}{{ n.href }}{{ n.current }}{{ end }}
            """);

        Assert.Empty(problems);
    }

    [Fact]
    public void Misspelt_members_unknown_variables_and_removed_functions_are_named_with_their_line()
    {
        var problems = Lint("Shop/List.sbn-html", """
            {{ model.titel }}
            {{ for item in model.items }}
            {{ item.nmae }}
            {{ end }}
            {{ secrets }}
            {{ theme.brandname }}
            {{ object.eval "1" }}
            {{ user.password }}
            """);

        Assert.Equal(
            [(1, "titel"), (3, "nmae"), (5, "secrets"), (6, "brandname"), (7, "eval"), (8, "password")],
            problems.Select(p => (p.Line, p.Variable)));
        Assert.Contains("ListModel has no member 'titel'", problems[0].Reason);
    }

    [Theory]
    [InlineData("{{ include '../../etc/passwd' }}")]
    [InlineData("{{ include '/etc/passwd.sbn-html' }}")]
    [InlineData("{{ include 'Compute/..//VmList.sbn-html' }}")]
    [InlineData("{{ include model.title }}")]
    [InlineData("{{ include 'Other/x.txt' }}")]
    public void Includes_of_anything_but_a_template_path_of_the_theme_are_refused(string text)
    {
        var problem = Assert.Single(Lint("Shop/List.sbn-html", text));

        Assert.Equal("include", problem.Variable);
    }

    [Theory]
    [InlineData("{{ raw model.title }}")]
    [InlineData("{{ model.title | raw }}")]
    [InlineData("{{ x = model.title }}{{ raw x }}")]
    [InlineData("{{ raw '<img src=x onerror=alert(1)>' }}")]
    public void Raw_of_anything_but_the_body_or_a_capture_is_refused(string text)
    {
        Assert.Contains(Lint("Shop/List.sbn-html", text), p => p.Variable == "raw");
    }

    [Fact]
    public void Raw_of_a_capture_passes()
    {
        Assert.Empty(Lint("Shop/List.sbn-html", "{{ capture footer }}<b>{{ model.title }}</b>{{ end }}{{ raw footer }}{{ footer | raw }}"));
    }

    [Fact]
    public void A_partial_may_read_what_other_templates_assign_but_not_what_nobody_does()
    {
        var assigned = new HashSet<string>(StringComparer.Ordinal) { "usage_url" };

        var problems = _linter.Lint("Shop/Partial.sbn-html", Template.Parse("{{ usage_url }} {{ model.whatever }} {{ stolen }}"), assigned);

        Assert.Equal(["stolen"], problems.Select(p => p.Variable));
    }

    private IReadOnlyList<TemplateLintProblem> Lint(string path, string text)
    {
        var template = Template.Parse(text, path);
        Assert.False(template.HasErrors, string.Join("; ", template.Messages));
        return _linter.Lint(path, template, new HashSet<string>(StringComparer.Ordinal));
    }

    public sealed record ListModel(string Title, IReadOnlyList<Item> Items);

    public sealed record Item(string Name, Owner Owner);

    public sealed record Owner(string Display);
}
