using System.Net;
using System.Net.Http.Headers;
using VirtualCore.Framework.Web;
using VirtualCore.Portal.Tests;

namespace VirtualCore.Security.Tests;

/// <summary>The browser-side rules are on every kind of answer: page, asset, API, error, unknown host.</summary>
public sealed class SecurityHeaderTests : IAsyncLifetime
{
    private readonly PortalFixture _portal = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    public static TheoryData<string, string, string?, HttpStatusCode> Answers => new()
    {
        { "a page", "http://localhost/login", "text/html", HttpStatusCode.OK },
        { "a page that needs a session", "http://localhost/vms", "text/html", HttpStatusCode.Redirect },
        { "an error page", "http://localhost/no-such-page", "text/html", HttpStatusCode.NotFound },
        { "a stylesheet", "http://localhost/themes/Default/assets/portal.css", null, HttpStatusCode.OK },
        { "a script", "http://localhost/themes/Default/assets/live.js", null, HttpStatusCode.OK },
        { "the theme's colours", "http://localhost/themes/Default/variables.css", null, HttpStatusCode.OK },
        { "an API answer", "http://localhost/api/v1/vms", "application/json", HttpStatusCode.OK },
        { "an API refusal", "http://localhost/api/v1/session", "application/json", HttpStatusCode.Unauthorized },
        { "the API description", "http://localhost/openapi/v1.json", null, HttpStatusCode.OK },
        { "an unknown host", "http://unknown.example/login", "text/html", HttpStatusCode.NotFound },
    };

    [Theory]
    [MemberData(nameof(Answers))]
    public async Task Every_answer_carries_the_policy_and_the_headers(string what, string url, string? accept, HttpStatusCode status)
    {
        using var client = url.Contains("/api/v1/vms", StringComparison.Ordinal) ? _portal.Demo() : _portal.CreateClient(new() { AllowAutoRedirect = false });
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (accept is not null)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        }

        using var response = await client.SendAsync(request);
        Assert.True(response.StatusCode == status, $"{what}: {(int)response.StatusCode}");
        Assert.Equal(SecurityHeaders.ContentSecurityPolicy, Header(response, "Content-Security-Policy"));
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("DENY", Header(response, "X-Frame-Options"));
        Assert.Equal("same-origin", Header(response, "Referrer-Policy"));
    }

    [Fact]
    public void The_policy_allows_scripts_only_from_the_portals_own_files()
    {
        var directives = SecurityHeaders.ContentSecurityPolicy.Split(';', StringSplitOptions.TrimEntries)
            .ToDictionary(d => d.Split(' ')[0], d => d[(d.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
        Assert.Equal("'self'", directives["script-src"]);
        Assert.Equal("'self'", directives["default-src"]);
        Assert.Equal("'self'", directives["style-src"]);
        Assert.Equal("'none'", directives["object-src"]);
        Assert.Equal("'none'", directives["base-uri"]);
        Assert.Equal("'none'", directives["frame-ancestors"]);
        Assert.Equal("'self'", directives["form-action"]);
        Assert.Equal("'self'", directives["connect-src"]);
        Assert.Equal("'self' data:", directives["img-src"]);
        Assert.DoesNotContain("unsafe", SecurityHeaders.ContentSecurityPolicy, StringComparison.Ordinal);
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(", ", values)
            : $"(no {name})";
}
