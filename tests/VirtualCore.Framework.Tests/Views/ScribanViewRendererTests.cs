using Scriban;
using Scriban.Runtime;
using VirtualCore.Framework.Views;

namespace VirtualCore.Framework.Tests.Views;

public sealed class ScribanViewRendererTests
{
    private const string Script = "<script>alert(1)</script>";
    private const string EscapedScript = "&lt;script&gt;alert(1)&lt;/script&gt;";

    private static readonly IReadOnlyDictionary<string, object?> NoGlobals = new Dictionary<string, object?>();

    [Fact]
    public async Task Model_values_are_html_escaped()
    {
        using var themes = ThemeFolders.WithDefault()
            .AddTemplate("Default", "Page.sbn-html", "{{ layout = false }}<p title=\"{{ model.name }}\">{{ model.name }}</p>");

        var html = await Render(themes, "Page.sbn-html", new VmView(Script + "\"'&"));

        Assert.Equal($"<p title=\"{EscapedScript}&quot;&#x27;&amp;\">{EscapedScript}&quot;&#x27;&amp;</p>", html);
    }

    [Fact]
    public async Task The_sync_and_async_write_paths_both_escape()
    {
        var template = Template.Parse("<b>{{ name }}</b>");

        var sync = template.Render(ContextWith(Script));
        var async = await template.RenderAsync(ContextWith(Script));

        Assert.Equal($"<b>{EscapedScript}</b>", sync);
        Assert.Equal($"<b>{EscapedScript}</b>", async);

        static SandboxedTemplateContext ContextWith(string name)
        {
            var context = new SandboxedTemplateContext();
            context.PushGlobal(new ScriptObject { ["name"] = name });
            return context;
        }
    }

    [Fact]
    public async Task Raw_writes_trusted_markup_unescaped()
    {
        using var themes = ThemeFolders.WithDefault()
            .AddTemplate("Default", "Page.sbn-html", "{{ layout = false }}{{ raw model.name }}|{{ model.name | raw }}|{{ raw null }}|{{ raw 42 }}");

        var html = await Render(themes, "Page.sbn-html", new VmView("<em>x</em>"));

        Assert.Equal("<em>x</em>|<em>x</em>||42", html);
    }

    [Fact]
    public async Task An_include_is_escaped_once_and_resolves_through_the_theme_chain()
    {
        using var themes = ThemeFolders.WithDefault()
            .AddTemplate("Default", "Page.sbn-html", "{{ layout = false }}<div>{{ include 'Shared/Name.sbn-html' }}</div>{{ include 'Shared/Footer.sbn-html' }}")
            .AddTemplate("Default", "Shared/Name.sbn-html", "<span>{{ model.name }}</span>")
            .AddTemplate("Default", "Shared/Footer.sbn-html", "<footer>default</footer>")
            .AddTheme("Acme")
            .AddTemplate("Acme", "Shared/Footer.sbn-html", "<footer>{{ theme.brand_name }}</footer>");

        var html = await Render(themes, "Page.sbn-html", new VmView(Script), theme: "Acme");

        Assert.Equal($"<div><span>{EscapedScript}</span></div><footer>VirtualCore</footer>", html);
    }

    [Theory]
    [InlineData("../Other/templates/Secret.sbn-html")]
    [InlineData("..\\\\Other\\\\templates\\\\Secret.sbn-html")]
    [InlineData("/etc/passwd")]
    [InlineData("Secret.txt")]
    [InlineData("Missing.sbn-html")]
    public async Task An_include_cannot_leave_the_theme_chain(string path)
    {
        using var themes = ThemeFolders.WithDefault()
            .AddTemplate("Default", "Page.sbn-html", $"{{{{ include '{path}' }}}}")
            .AddTheme("Other")
            .AddTemplate("Other", "Secret.sbn-html", "other tenant");

        var error = await Assert.ThrowsAsync<TemplateRenderException>(() => Render(themes, "Page.sbn-html", new VmView("x")));

        Assert.DoesNotContain("other tenant", error.Message);
    }

    [Fact]
    public async Task Include_join_and_runtime_eval_are_not_available()
    {
        using var themes = ThemeFolders.WithDefault()
            .AddTemplate("Default", "Join.sbn-html", "{{ include_join ['Page.sbn-html'] ',' }}")
            .AddTemplate("Default", "Eval.sbn-html", "{{ object.eval_template model.name }}");

        await Assert.ThrowsAsync<TemplateRenderException>(() => Render(themes, "Join.sbn-html", new VmView("x")));
        await Assert.ThrowsAsync<TemplateRenderException>(() => Render(themes, "Eval.sbn-html", new VmView("{{ 1 + 1 }}")));
    }

    [Fact]
    public async Task Templates_read_public_properties_only()
    {
        using var themes = ThemeFolders.WithDefault()
            .AddTemplate("Default", "Page.sbn-html",
                "{{ layout = false }}[{{ model.vm_name }}][{{ model.secret_field }}][{{ model.get_type }}][{{ model.GetType }}][{{ model.to_string }}][{{ model.hidden }}][{{ model.shared }}][{{ model.disks[1].size_gb }}][{{ model.created.year }}][{{ model.state }}]");

        var html = await Render(themes, "Page.sbn-html", new ModelWithInternals());

        Assert.Equal("[web-01][][][][][][][20][2026][Running]", html);
    }

    [Theory]
    [InlineData("{{ model.get_type() }}")]
    [InlineData("{{ model.to_string() }}")]
    [InlineData("{{ model.created.add_days(1) }}")]
    [InlineData("{{ nonexistent_function() }}")]
    [InlineData("{{ nonexistent_function 1 }}")]
    public async Task Methods_and_unknown_functions_fail(string text)
    {
        using var themes = ThemeFolders.WithDefault().AddTemplate("Default", "Page.sbn-html", text);

        var error = await Assert.ThrowsAsync<TemplateRenderException>(() => Render(themes, "Page.sbn-html", new ModelWithInternals()));

        Assert.Contains("not found", error.Reason);
    }

    [Fact]
    public void The_context_member_filter_hides_fields_and_methods_of_plain_net_objects()
    {
        var context = new SandboxedTemplateContext();
        context.PushGlobal(new ScriptObject { ["value"] = new ModelWithInternals() });

        var html = Template.Parse("[{{ value.vm_name }}][{{ value.secret_field }}][{{ value.get_type }}]").Render(context);

        Assert.Equal("[web-01][][]", html);
    }

    [Fact]
    public async Task A_model_exposing_reflection_types_is_refused()
    {
        using var themes = ThemeFolders.WithDefault().AddTemplate("Default", "Page.sbn-html", "{{ model.type }}");

        await Assert.ThrowsAsync<ArgumentException>(() => Render(themes, "Page.sbn-html", new { Type = typeof(string) }));
    }

    [Fact]
    public async Task Theme_variables_and_globals_are_exposed_by_name()
    {
        using var themes = ThemeFolders.WithDefault()
            .AddTemplate("Default", "Page.sbn-html",
                "{{ layout = false }}{{ theme.name }}|{{ theme.brand_name }}|{{ theme.logo_url }}|{{ theme.primary_color }}|{{ theme.accent_color }}|{{ user.display_name }}|{{ culture }}")
            .AddTheme("Acme", variables: """{ "brandName": "Acme & Co", "logoUrl": "assets/logo.svg", "accentColor": "#abc" }""");
        var globals = new Dictionary<string, object?> { ["user"] = new { DisplayName = "Ada" }, ["culture"] = "de-CH" };

        var html = await Render(themes, "Page.sbn-html", new VmView("x"), globals, theme: "Acme");

        Assert.Equal("Acme|Acme &amp; Co|/themes/Acme/assets/logo.svg|#112233|#abc|Ada|de-CH", html);
    }

    [Fact]
    public async Task A_global_may_not_replace_the_model_or_theme()
    {
        using var themes = ThemeFolders.WithDefault().AddTemplate("Default", "Page.sbn-html", "x");

        await Assert.ThrowsAsync<ArgumentException>(() =>
            Render(themes, "Page.sbn-html", new VmView("x"), new Dictionary<string, object?> { ["theme"] = "evil" }));
    }

    [Fact]
    public async Task The_page_is_wrapped_in_the_nearest_layout_with_its_page_title()
    {
        using var themes = ThemeFolders.WithDefault()
            .AddTemplate("Default", "Page.sbn-html", "{{ page_title = model.name }}<p>{{ model.name }}</p>")
            .AddTheme("Acme")
            .AddTheme("Plain", baseTheme: "Acme")
            .AddTemplate("Acme", "Layout.sbn-html", "<h1>{{ theme.brand_name }}: {{ page_title }}</h1>{{ body }}");

        var defaultHtml = await Render(themes, "Page.sbn-html", new VmView("<b>"));
        var acmeHtml = await Render(themes, "Page.sbn-html", new VmView("<b>"), theme: "Plain");

        Assert.Equal("<title>&lt;b&gt;</title><main><p>&lt;b&gt;</p></main>", defaultHtml);
        Assert.Equal("<h1>VirtualCore: &lt;b&gt;</h1><p>&lt;b&gt;</p>", acmeHtml);
    }

    [Fact]
    public async Task A_page_can_opt_out_of_the_layout()
    {
        using var themes = ThemeFolders.WithDefault()
            .AddTemplate("Default", "Fragment.sbn-html", "{{ layout = false }}<tr></tr>");

        Assert.Equal("<tr></tr>", await Render(themes, "Fragment.sbn-html", new VmView("x")));
    }

    [Fact]
    public async Task A_page_can_name_another_layout_resolved_through_the_chain()
    {
        using var themes = ThemeFolders.WithDefault()
            .AddTemplate("Default", "Print.sbn-html", "{{ layout = 'Layouts/Print.sbn-html' }}<p>x</p>")
            .AddTemplate("Default", "Layouts/Print.sbn-html", "<article>{{ body }}</article>");

        Assert.Equal("<article><p>x</p></article>", await Render(themes, "Print.sbn-html", new VmView("x")));
    }

    [Fact]
    public async Task Variables_set_by_one_render_are_not_seen_by_the_next()
    {
        using var themes = ThemeFolders.WithDefault()
            .AddTemplate("Default", "Set.sbn-html", "{{ layout = false; leaked = model.name }}")
            .AddTemplate("Default", "Get.sbn-html", "{{ layout = false }}[{{ leaked }}]");
        var renderer = themes.CreateRenderer();

        await renderer.RenderPageAsync("Default", "Set.sbn-html", new VmView("secret"), NoGlobals, CancellationToken.None);
        var html = await renderer.RenderPageAsync("Default", "Get.sbn-html", new VmView("x"), NoGlobals, CancellationToken.None);

        Assert.Equal("[]", html);
    }

    [Theory]
    [InlineData("{{ 'A' * 200000000 }}", "LimitToString")]
    [InlineData("{{ [1,2] * 100000000 }}", "iteration limit")]
    [InlineData("{{ for i in 1..1000000; end }}", "LoopLimit")]
    [InlineData("{{ while true; end }}", "iteration limit")]
    [InlineData("{{ string.pad_left '' 100000000 }}", "LimitToString")]
    [InlineData("{{ 1 << 100000000 }}", "maximum supported magnitude")]
    [InlineData("{{ func f; f; end; f }}", "recursive depth limit")]
    [InlineData("{{ func f(x); ret f(x); end; f 1 }}", "recursive depth limit")]
    [InlineData("{{ regex.match ('a' * 30 + '!') '(a+)+$' }}", "timed out")]
    [InlineData("{{ x = 'a' * 1000000 }}{{ for i in 1..10 }}{{ x }}{{ end }}", "OutputLimit")]
    public async Task Hostile_templates_hit_their_limit(string text, string expectedReason)
    {
        using var themes = ThemeFolders.WithDefault().AddTemplate("Default", "Page.sbn-html", text);

        var error = await Assert.ThrowsAsync<TemplateRenderException>(() => Render(themes, "Page.sbn-html", new VmView("x")));

        Assert.Contains(expectedReason, error.Reason);
        Assert.Equal("Default", error.ThemeName);
        Assert.Equal("Page.sbn-html", error.TemplatePath);
    }

    [Theory]
    [InlineData('[', ']')]
    [InlineData('(', ')')]
    public async Task Deeply_nested_brackets_are_a_parse_error_not_a_stack_overflow(char open, char close)
    {
        var text = "{{ " + new string(open, 20_000) + "1" + new string(close, 20_000) + " }}";
        using var themes = ThemeFolders.WithDefault().AddTemplate("Default", "Page.sbn-html", text);

        var error = await Assert.ThrowsAsync<TemplateRenderException>(() => Render(themes, "Page.sbn-html", new VmView("x")));

        Assert.Contains("depth limit", error.Reason);
    }

    [Fact]
    public async Task Output_over_the_limit_fails()
    {
        using var themes = ThemeFolders.WithDefault()
            .AddTemplate("Default", "Page.sbn-html", "{{ for i in 1..100 }}{{ model.name }}{{ end }}");
        var renderer = themes.CreateRenderer(o => o.OutputLimit = 1_000);

        var error = await Assert.ThrowsAsync<TemplateRenderException>(() =>
            renderer.RenderPageAsync("Default", "Page.sbn-html", new VmView(new string('x', 20)), NoGlobals, CancellationToken.None));

        Assert.Contains("OutputLimit", error.Reason);
    }

    [Fact]
    public async Task A_render_over_its_time_budget_fails()
    {
        using var themes = ThemeFolders.WithDefault().AddTemplate("Default", "Page.sbn-html", "{{ while true; end }}");
        var renderer = themes.CreateRenderer(o =>
        {
            o.LoopLimit = 0;
            o.RenderTimeout = TimeSpan.FromMilliseconds(100);
        });

        var error = await Assert.ThrowsAsync<TemplateRenderException>(() =>
            renderer.RenderPageAsync("Default", "Page.sbn-html", new VmView("x"), NoGlobals, CancellationToken.None));

        Assert.Contains("budget", error.Reason);
    }

    [Fact]
    public async Task A_render_stops_when_the_caller_cancels()
    {
        using var themes = ThemeFolders.WithDefault().AddTemplate("Default", "Page.sbn-html", "{{ while true; end }}");
        var renderer = themes.CreateRenderer(o =>
        {
            o.LoopLimit = 0;
            o.RenderTimeout = TimeSpan.FromMinutes(10);
        });
        using var request = new CancellationTokenSource();
        request.CancelAfter(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            renderer.RenderPageAsync("Default", "Page.sbn-html", new VmView("x"), NoGlobals, request.Token));
        Assert.True(request.IsCancellationRequested);
    }

    [Fact]
    public async Task A_template_error_names_the_theme_template_and_position_without_internals()
    {
        using var themes = ThemeFolders.WithDefault()
            .AddTheme("Acme")
            .AddTemplate("Acme", "Compute/VmList.sbn-html", "line one\n{{ model.name.missing.deeper }}");

        var error = await Assert.ThrowsAsync<TemplateRenderException>(() =>
            Render(themes, "Compute/VmList.sbn-html", new VmView("x"), theme: "Acme"));

        Assert.StartsWith("Rendering 'Compute/VmList.sbn-html' of theme 'Acme' failed: Acme/Compute/VmList.sbn-html(2,", error.Message);
        Assert.DoesNotContain(themes.Root, error.Message);
        Assert.DoesNotContain(" at Scriban.", error.Message);
    }

    [Fact]
    public async Task A_template_with_syntax_errors_fails_with_the_parser_message()
    {
        using var themes = ThemeFolders.WithDefault().AddTemplate("Default", "Page.sbn-html", "ok\n{{ 1 + }}");

        var error = await Assert.ThrowsAsync<TemplateRenderException>(() => Render(themes, "Page.sbn-html", new VmView("x")));

        Assert.Contains("Default/Page.sbn-html(2,", error.Reason);
    }

    [Fact]
    public async Task Unknown_themes_and_unsafe_page_paths_fail()
    {
        using var themes = ThemeFolders.WithDefault().AddTemplate("Default", "Page.sbn-html", "x");

        await Assert.ThrowsAsync<TemplateRenderException>(() => Render(themes, "Page.sbn-html", new VmView("x"), theme: "Nobody"));
        await Assert.ThrowsAsync<TemplateRenderException>(() => Render(themes, "../Default/templates/Page.sbn-html", new VmView("x")));
    }

    private static Task<string> Render(
        ThemeFolders themes,
        string path,
        object model,
        IReadOnlyDictionary<string, object?>? globals = null,
        string theme = "Default") =>
        themes.CreateRenderer().RenderPageAsync(theme, path, model, globals ?? NoGlobals, CancellationToken.None);

    private sealed record VmView(string Name);

    private enum VmState
    {
        Running,
    }

    private sealed record DiskView(int SizeGb);

    private sealed class ModelWithInternals
    {
        public string SecretField = "field";

        public static string Shared { get; } = "static";

        public string VmName { get; } = "web-01";

        public IReadOnlyList<DiskView> Disks { get; } = [new DiskView(10), new DiskView(20)];

        public DateTimeOffset Created { get; } = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

        public VmState State { get; } = VmState.Running;
    }
}
