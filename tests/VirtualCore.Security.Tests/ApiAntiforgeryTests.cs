using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using VirtualCore.Framework.Web;
using VirtualCore.Modules.Identity.Features.Tokens;
using VirtualCore.Portal.Tests;

namespace VirtualCore.Security.Tests;

/// <summary>
/// A browser sends the session cookie with any request, including one another site makes it send. API calls that
/// change something and are signed in by that cookie need the anti-forgery token in the X-CSRF-Token header; calls
/// signed in by Basic or an API token do not (no browser adds those by itself).
/// </summary>
public sealed class ApiAntiforgeryTests : IAsyncLifetime
{
    private readonly PortalFixture _portal = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task A_cookie_call_that_changes_something_is_refused_without_the_token_and_accepted_with_it()
    {
        using var session = _portal.Session();
        var token = await SignInAsync(session, "demo", "demo-pass-1");

        using var refused = await session.Client.SendAsync(CreateToken("forged"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Contains(ApiAntiforgery.HeaderName, (await refused.ProblemAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var wrong = await session.Client.SendAsync(CreateToken("forged", "not-a-token"));
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        Assert.DoesNotContain(await TokenNamesAsync(), n => n == "forged");

        using var accepted = await session.Client.SendAsync(CreateToken("mine", token));
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        var created = (await accepted.Content.ReadFromJsonAsync<CreatedApiToken>(Api.Json))!;

        // Deleting is changing: the same rule.
        using var revokeRefused = await session.Client.DeleteAsync($"/api/v1/tokens/{created.Details.Id}");
        Assert.Equal(HttpStatusCode.Forbidden, revokeRefused.StatusCode);
        var revoke = new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/tokens/{created.Details.Id}");
        revoke.Headers.Add(ApiAntiforgery.HeaderName, token);
        Assert.Equal(HttpStatusCode.NoContent, (await session.Client.SendAsync(revoke)).StatusCode);

        // Reading needs no token.
        Assert.Equal(HttpStatusCode.OK, (await session.Client.GetAsync("/api/v1/tokens")).StatusCode);
    }

    [Fact]
    public async Task The_session_answer_and_the_pages_give_a_token_that_works_and_another_users_token_does_not()
    {
        using var session = _portal.Session();
        await SignInAsync(session, "demo", "demo-pass-1");
        var fromGet = (await (await session.Client.GetAsync("/api/v1/session")).ProblemAsync()).GetProperty("csrfToken").GetString();
        using (var response = await session.Client.SendAsync(CreateToken("from-get", fromGet)))
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        // A page's form token is the same kind of proof.
        var fromPage = await session.CsrfTokenAsync("/profile");
        using (var response = await session.Client.SendAsync(CreateToken("from-page", fromPage)))
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        using var other = _portal.Session();
        var othersToken = await SignInAsync(other, "other", "other-pass-1");
        using (var response = await session.Client.SendAsync(CreateToken("with-others-token", othersToken)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        Assert.DoesNotContain(await TokenNamesAsync(), n => n == "with-others-token");
    }

    [Fact]
    public async Task A_session_from_the_sign_in_page_needs_the_token_too()
    {
        using var session = _portal.Session();
        Assert.Equal("/vms", await session.SignInAsync("demo", "demo-pass-1"));
        using var response = await session.Client.SendAsync(CreateToken("from-a-page-session"));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.DoesNotContain(await TokenNamesAsync(), n => n == "from-a-page-session");
    }

    [Fact]
    public async Task Basic_and_api_token_calls_need_no_anti_forgery_token()
    {
        using var basic = _portal.Demo();
        using var created = await basic.SendAsync(CreateToken("by-basic"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var manage = await basic.PostAsJsonAsync("/api/v1/tokens", new { name = "by-bearer", scopes = new[] { "manage" }, expiresInDays = 1 });
        var bearer = _portal.CreateClient(new() { AllowAutoRedirect = false });
        bearer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await manage.Content.ReadFromJsonAsync<CreatedApiToken>(Api.Json))!.Token);
        using var vm = await bearer.PostAsJsonAsync("/api/v1/vms", new { name = "by-bearer", vCpus = 1, memoryGiB = 1, diskGiB = 20, isoName = "debian-12.8.0-amd64-netinst" });
        Assert.Equal(HttpStatusCode.Accepted, vm.StatusCode);
    }

    [Fact]
    public async Task Signing_in_by_the_api_needs_no_token()
    {
        using var session = _portal.Session();
        var response = await session.Client.PostAsJsonAsync("/api/v1/session", new { userName = "demo", password = "demo-pass-1" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(string.IsNullOrEmpty((await response.ProblemAsync()).GetProperty("csrfToken").GetString()));
    }

    private static async Task<string> SignInAsync(PortalSession session, string user, string password)
    {
        var response = await session.Client.PostAsJsonAsync("/api/v1/session", new { userName = user, password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.ProblemAsync();
        Assert.Equal(user, body.GetProperty("userName").GetString());
        return body.GetProperty("csrfToken").GetString()!;
    }

    private static HttpRequestMessage CreateToken(string name, string? csrf = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/tokens")
        {
            Content = JsonContent.Create(new { name, scopes = new[] { "read" }, expiresInDays = 1 }),
        };
        if (csrf is not null)
        {
            request.Headers.Add(ApiAntiforgery.HeaderName, csrf);
        }

        return request;
    }

    private async Task<string[]> TokenNamesAsync()
    {
        using var basic = _portal.Demo();
        return (await basic.GetFromJsonAsync<ApiTokenView[]>("/api/v1/tokens", Api.Json))!.Select(t => t.Name).ToArray();
    }
}
