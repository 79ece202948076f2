using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Framework.Security;
using VirtualCore.Portal.Tests;

namespace VirtualCore.Security.Tests;

/// <summary>
/// A token's scope bounds what it reaches: every endpoint in the endpoint data source (so endpoints added later are
/// covered too) × every scope, for a customer admin's and the operator's tokens. Below its scope an endpoint refuses
/// with 403 and nothing changes; pages refuse tokens altogether; the OpenAPI document says each operation's scope.
/// </summary>
public sealed class TokenScopeTests : IAsyncLifetime
{
    private readonly PortalFixture _portal = new(settings: new Dictionary<string, string>
    {
        ["NodeAgentDefaults:HeartbeatInterval"] = "01:00:00",
        ["NodeAgentDefaults:UsageInterval"] = "00:00:00",
        ["DemoVms"] = "false",
    });

    private readonly Dictionary<string, string> _tokens = [];

    public async Task InitializeAsync()
    {
        foreach (var (user, password) in new[] { ("demo", "demo-pass-1"), ("operator", "operator-pass-1") })
        {
            foreach (var scope in ApiScopes.All)
            {
                _tokens[$"{user}:{scope}"] = await Callers.CreateTokenAsync(_portal, "localhost", user, password, scope);
            }
        }

        // Each token used once: its "last used" is written at most once a minute, so later calls change nothing.
        foreach (var token in _tokens.Values)
        {
            using var client = Callers.Token(_portal, "localhost", token);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/session")).StatusCode);
        }
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public void Every_api_endpoint_declares_the_scope_it_needs()
    {
        var undeclared = ApiEndpoints().Where(e => e.Scope is null).Select(e => $"{e.Method} {e.Template}").ToArray();
        Assert.True(undeclared.Length == 0, "API endpoints without a declared token scope:\n" + string.Join("\n", undeclared));
        Assert.Contains(ApiEndpoints(), e => e.Scope!.Scope == ApiScopes.Manage);
        Assert.Contains(ApiEndpoints(), e => e.Scope!.Scope is null);
    }

    [Fact]
    public async Task A_token_below_an_endpoints_scope_is_refused_and_changes_nothing()
    {
        var before = await _portal.DatabaseFingerprintAsync();
        var failures = new List<string>();
        var refused = 0;
        foreach (var endpoint in ApiEndpoints())
        {
            foreach (var (key, token) in _tokens)
            {
                var level = ApiScopes.LevelOf(key.Split(':')[1])!.Value;
                if (endpoint.Scope?.Level is { } needed && level >= needed)
                {
                    continue;
                }

                using var client = Callers.Token(_portal, "localhost", token);
                var response = await client.SendAsync(Request(endpoint));
                refused++;
                if (response.StatusCode != HttpStatusCode.Forbidden
                    || response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                {
                    failures.Add($"{key} {endpoint.Method} {endpoint.Template}: {(int)response.StatusCode} {response.Content.Headers.ContentType}");
                }
            }
        }

        Assert.True(failures.Count == 0, "Tokens reached endpoints above their scope:\n" + string.Join("\n", failures));
        Assert.True(refused > 50, $"only {refused} refusals were tried");
        Assert.Equal(before, await _portal.DatabaseFingerprintAsync());
    }

    [Fact]
    public async Task A_token_at_or_above_an_endpoints_scope_passes_the_scope_check_and_never_fails_the_server()
    {
        var failures = new List<string>();
        foreach (var endpoint in ApiEndpoints().Where(e => e.Scope?.Level is not null))
        {
            foreach (var (key, token) in _tokens.Where(t => ApiScopes.LevelOf(t.Key.Split(':')[1]) >= endpoint.Scope!.Level))
            {
                using var client = Callers.Token(_portal, "localhost", token);
                var response = await client.SendAsync(Request(endpoint));
                var body = await response.Content.ReadAsStringAsync();
                if ((int)response.StatusCode >= 500 || body.Contains("token's scope", StringComparison.Ordinal))
                {
                    failures.Add($"{key} {endpoint.Method} {endpoint.Template}: {(int)response.StatusCode} {body}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task Pages_refuse_tokens_even_of_the_highest_scope()
    {
        var before = await _portal.DatabaseFingerprintAsync();
        var pages = _portal.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            // The live hub and a VM's console WebSocket are the API's, not pages: they take tokens with their scope
            // (the console needs operate and a ticket of the same user; ConsoleTests in the portal's tests).
            .Where(e => e.RoutePattern.RawText is { } raw && !raw.StartsWith("/api", StringComparison.Ordinal) && !raw.StartsWith("/hubs", StringComparison.Ordinal)
                && !raw.EndsWith("/console/socket", StringComparison.Ordinal)
                && e.Metadata.GetMetadata<IAllowAnonymous>() is null && e.Metadata.GetMetadata<IAuthorizeData>() is not null)
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => new Endpoint(e.RoutePattern.RawText!, m, e.RoutePattern, null)))
            .ToArray();
        Assert.Contains(pages, p => p.Template == "/profile/otp");
        var failures = new List<string>();
        foreach (var page in pages)
        {
            foreach (var token in new[] { _tokens["demo:manage"], _tokens["operator:manage"] })
            {
                using var client = Callers.Token(_portal, "localhost", token);
                var request = Request(page);
                request.Headers.Accept.ParseAdd("text/html");
                var response = await client.SendAsync(request);
                var toLogin = response.StatusCode == HttpStatusCode.Redirect && new Uri(new Uri("http://localhost"), response.Headers.Location!).AbsolutePath == "/login";
                if (!toLogin && response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.BadRequest))
                {
                    failures.Add($"{page.Method} {page.Template}: {(int)response.StatusCode} {response.Headers.Location}");
                }
            }
        }

        Assert.True(failures.Count == 0, "Pages answered an API token:\n" + string.Join("\n", failures));
        Assert.Equal(before, await _portal.DatabaseFingerprintAsync());
    }

    [Fact]
    public async Task The_openapi_document_names_each_operations_scope_as_the_endpoint_declares_it()
    {
        using var anonymous = _portal.CreateClient();
        var document = JsonDocument.Parse(await anonymous.GetStringAsync("/openapi/v1.json")).RootElement.GetProperty("paths");
        var failures = new List<string>();
        foreach (var endpoint in ApiEndpoints())
        {
            var path = "/" + string.Join("/", endpoint.Pattern.PathSegments.Select(s => string.Concat(s.Parts.Select(p => p is RoutePatternParameterPart parameter ? $"{{{parameter.Name}}}" : ((RoutePatternLiteralPart)p).Content))));
            if (!document.TryGetProperty(path, out var item) || !item.TryGetProperty(endpoint.Method.ToLowerInvariant(), out var operation))
            {
                failures.Add($"{endpoint.Method} {path}: not in the document");
                continue;
            }

            var expected = endpoint.Scope?.Scope ?? "none";
            var documented = operation.TryGetProperty("x-vcore-scope", out var scope) ? scope.GetString() : null;
            if (documented != expected)
            {
                failures.Add($"{endpoint.Method} {path}: documented {documented ?? "nothing"}, declared {expected}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [InlineData("operate", "DELETE", "/api/v1/vms/{0}?confirm=scoped")]
    [InlineData("operate", "PATCH", "/api/v1/vms/{0}/hardware")]
    [InlineData("operate", "POST", "/api/v1/vms/{0}/migrate")]
    [InlineData("operate", "POST", "/api/v1/vms/{0}/recovery-points")]
    [InlineData("operate", "POST", "/api/v1/vms/{0}/disk-exports")]
    [InlineData("read", "POST", "/api/v1/vms/{0}/start")]
    public async Task A_customer_admins_token_cannot_do_manage_level_work_on_its_own_vm(string scope, string method, string url)
    {
        using var demo = Callers.Basic(_portal, "localhost", "demo", "demo-pass-1");
        var vm = await demo.CreateVmAsync($"scoped-{scope}-{method.ToLowerInvariant()}-{Math.Abs(url.GetHashCode(StringComparison.Ordinal)) % 1000}", iso: null);
        await demo.CompleteAsync(Task.FromResult(vm));
        var before = await _portal.DatabaseFingerprintAsync();

        using var client = Callers.Token(_portal, "localhost", _tokens[$"demo:{scope}"]);
        var request = new HttpRequestMessage(new HttpMethod(method), string.Format(System.Globalization.CultureInfo.InvariantCulture, url, vm.VmId))
        {
            Content = method == "DELETE" ? null : JsonContent.Create(new { vCpus = 2, targetNode = "rack-2", note = "x" }),
        };
        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("scope", (await response.ProblemAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await _portal.DatabaseFingerprintAsync());
    }

    private sealed record Endpoint(string Template, string Method, RoutePattern Pattern, RequiredScope? Scope);

    private IReadOnlyList<Endpoint> ApiEndpoints() =>
        _portal.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api", StringComparison.Ordinal) == true && e.Metadata.GetMetadata<IAllowAnonymous>() is null)
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(m => new Endpoint(e.RoutePattern.RawText!, m, e.RoutePattern, e.Metadata.GetMetadata<RequiredScope>())))
            .ToArray();

    private static HttpRequestMessage Request(Endpoint endpoint)
    {
        var url = "/" + string.Join("/", endpoint.Pattern.PathSegments.Select(s => string.Concat(s.Parts.Select(p => p switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            // A number where the route wants one (a delivery's number), an id everywhere else: the route matches either way.
            RoutePatternParameterPart parameter when parameter.ParameterPolicies.Any(p => p.Content is "long" or "int") => "1",
            RoutePatternParameterPart => Guid.NewGuid().ToString(),
            _ => "",
        }))));
        var request = new HttpRequestMessage(new HttpMethod(endpoint.Method), url);
        if (endpoint.Method is "POST" or "PUT" or "PATCH")
        {
            request.Content = JsonContent.Create(new { name = "scope-probe", level = "view", vCpus = 1, memoryGiB = 1, diskGiB = 10, scopes = new[] { "read" }, expiresInDays = 1 });
        }

        request.Headers.Accept.ParseAdd("application/json");
        return request;
    }
}
