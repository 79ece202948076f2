using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using VirtualCore.Modules.Identity.Features.Tokens;
using VirtualCore.Portal.Tests;

namespace VirtualCore.Security.Tests;

/// <summary>Ways into a portal under test: Basic, a session cookie, an API token of a given scope.</summary>
internal static class Callers
{
    public static HttpClient Basic(PortalFixture portal, string host, string user, string password, string? forwardedFor = null)
    {
        var client = portal.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false, BaseAddress = new Uri($"http://{host}") });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        if (forwardedFor is not null)
        {
            client.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
        }

        return client;
    }

    /// <summary>A client that carries only the API token.</summary>
    public static HttpClient Token(PortalFixture portal, string host, string token)
    {
        var client = portal.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false, BaseAddress = new Uri($"http://{host}") });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public static async Task<string> CreateTokenAsync(PortalFixture portal, string host, string user, string password, params string[] scopes)
    {
        using var basic = Basic(portal, host, user, password);
        var response = await basic.PostAsJsonAsync("/api/v1/tokens", new { name = $"{string.Join("-", scopes)}-{Guid.NewGuid():N}"[..30], scopes, expiresInDays = 7 });
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"token: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<CreatedApiToken>(Api.Json))!.Token;
    }

    /// <summary>Signs in through the API and answers the session cookie ("vcore.session=…") as a browser would keep it.</summary>
    public static async Task<string> SessionCookieAsync(PortalFixture portal, string host, string user, string password)
    {
        using var client = portal.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false, BaseAddress = new Uri($"http://{host}") });
        var response = await client.PostAsJsonAsync("/api/v1/session", new { userName = user, password });
        Assert.True(response.IsSuccessStatusCode, $"sign-in {user}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return response.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).Single(c => c.StartsWith("vcore.session=", StringComparison.Ordinal));
    }

    /// <summary>Signs a cookie-keeping session in through the API; answers the anti-forgery token for its unsafe calls.</summary>
    public static async Task<string> SignInWithCsrfAsync(PortalSession session, string user, string password)
    {
        var response = await session.Client.PostAsJsonAsync("/api/v1/session", new { userName = user, password });
        Assert.True(response.IsSuccessStatusCode, $"sign-in {user}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.ProblemAsync()).GetProperty("csrfToken").GetString()!;
    }

    /// <summary>
    /// For a session cookie: the Cookie header with the anti-forgery cookie added, and the token to send beside it
    /// with unsafe calls, as a browser's script gets them from GET /api/v1/session.
    /// </summary>
    public static async Task<(string Cookies, string Token)> CsrfForAsync(PortalFixture portal, string host, string sessionCookie)
    {
        using var client = WithCookie(portal, host, sessionCookie);
        var response = await client.GetAsync("/api/v1/session");
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}");
        var antiforgery = response.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).Where(c => !c.StartsWith("vcore.session=", StringComparison.Ordinal));
        return (string.Join("; ", antiforgery.Prepend(sessionCookie)), (await response.ProblemAsync()).GetProperty("csrfToken").GetString()!);
    }

    public static HttpClient WithCookie(PortalFixture portal, string host, string cookie)
    {
        var client = portal.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false, BaseAddress = new Uri($"http://{host}") });
        client.DefaultRequestHeaders.Add("Cookie", cookie);
        return client;
    }
}
