using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace VirtualCore.Portal.Tests;

/// <summary>
/// The API's rate limits, tried over the limit: each token has its own budget, and its account one for all its tokens
/// and its password together (more tokens give no more requests), other accounts are untouched, every counted answer
/// says where the caller stands in the RateLimit fields, the refusal is a 429 problem document with Retry-After (in
/// German for German callers), callers that are not signed in are not counted, and the portal's pages are not API calls.
/// </summary>
public sealed class ApiRateLimitTests : IAsyncLifetime
{
    private const int Limit = 4;
    private const int AccountLimit = 8;

    private readonly PortalFixture _portal = new(settings: new Dictionary<string, string>
    {
        ["ApiRateLimits:RequestsPerWindow"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["ApiRateLimits:AccountRequestsPerWindow"] = AccountLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["ApiRateLimits:Window"] = "01:00:00",
    });

    private string _tokenA = "";
    private string _tokenB = "";

    public async Task InitializeAsync()
    {
        // Two tokens of the demo account, made with its password (two of the account's eight requests).
        using var demo = _portal.Demo();
        _tokenA = await demo.TokenAsync("read");
        _tokenB = await demo.TokenAsync("read");
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    private HttpClient WithToken(string token)
    {
        var client = _portal.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    [Fact]
    public async Task A_token_over_its_limit_gets_429_with_when_to_try_again_and_more_tokens_give_the_account_no_more_requests()
    {
        using var a = WithToken(_tokenA);
        for (var remaining = Limit - 1; remaining >= 0; remaining--)
        {
            using var ok = await a.GetAsync("/api/v1/vms");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal($"\"token\";q={Limit};w=3600, \"account\";q={AccountLimit};w=3600", Header(ok, "RateLimit-Policy"));
            Assert.Equal((remaining, AccountLimit - 2 - (Limit - remaining)), Standing(ok));
        }

        // Over the token's limit: every kind of call is refused, with the time to wait, until the window ends; the
        // refusals do not use up the account's budget.
        foreach (var refused in new[] { await a.GetAsync("/api/v1/vms"), await a.GetAsync("/api/v1/jobs"), await a.PostAsync("/api/v1/vms/00000000-0000-0000-0000-000000000001/start", null) })
        {
            using (refused)
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
                Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
                var wait = refused.Headers.RetryAfter?.Delta;
                Assert.NotNull(wait);
                Assert.InRange(wait.Value.TotalSeconds, 1, 3600);
                Assert.Equal($"\"token\";r=0;t={wait.Value.TotalSeconds}", Header(refused, "RateLimit"));
                using var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
                Assert.Equal(429, problem.RootElement.GetProperty("status").GetInt32());
                Assert.Equal("Too many requests.", problem.RootElement.GetProperty("title").GetString());
                Assert.Contains("RateLimit", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
            }
        }

        // In German for a caller who chose German.
        using var german = new HttpRequestMessage(HttpMethod.Get, "/api/v1/vms");
        german.Headers.Add("Cookie", "vcore.lang=de");
        using var refusedInGerman = await a.SendAsync(german);
        Assert.Equal(HttpStatusCode.TooManyRequests, refusedInGerman.StatusCode);
        Assert.Contains("Zu viele Anfragen", await refusedInGerman.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The account's other token has a budget of its own — until the account's is spent: two requests were left.
        using var b = WithToken(_tokenB);
        using (var response = await b.GetAsync("/api/v1/vms"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal((Limit - 1, 1), Standing(response));
        }

        using (var response = await b.GetAsync("/api/v1/vms"))
        {
            Assert.Equal((Limit - 2, 0), Standing(response));
        }

        using (var response = await b.GetAsync("/api/v1/vms"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
            Assert.Matches("^\"token\";r=1;t=\\d+, \"account\";r=0;t=\\d+$", Header(response, "RateLimit"));
        }

        // Another account is untouched.
        using var other = _portal.Other();
        using (var response = await other.GetAsync("/api/v1/vms"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal($"\"account\";r={AccountLimit - 1};t=3600", Header(response, "RateLimit"));
        }
    }

    [Fact]
    public async Task The_password_counts_for_the_account_and_callers_that_are_not_signed_in_and_pages_are_not_counted()
    {
        // The demo account used two of its eight requests to make the tokens; six remain.
        using var demo = _portal.Demo();
        for (var remaining = AccountLimit - 3; remaining >= 0; remaining--)
        {
            using var response = await demo.GetAsync("/api/v1/vms");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal($"\"account\";q={AccountLimit};w=3600", Header(response, "RateLimit-Policy"));
            Assert.StartsWith($"\"account\";r={remaining};t=", Header(response, "RateLimit"), StringComparison.Ordinal);
        }

        using (var response = await demo.GetAsync("/api/v1/vms"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        }

        // The account's tokens are refused too: the account's budget is theirs.
        using (var token = WithToken(_tokenA))
        using (var response = await token.GetAsync("/api/v1/vms"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        }

        // The account's pages are not API calls: signed in in a browser, it still reads its VM list.
        using var session = _portal.Session();
        Assert.NotNull(await session.SignInAsync("demo", "demo-pass-1"));
        using var page = await session.Client.GetAsync("/vms");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.False(page.Headers.Contains("RateLimit"));

        // A wrong password is not the account: it gets its 401 (and in the end the lockout), uncounted, however often.
        using var wrong = _portal.ApiClient("demo", "not-the-password");
        for (var i = 0; i < AccountLimit + 2; i++)
        {
            using var response = await wrong.GetAsync("/api/v1/vms");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.False(response.Headers.Contains("RateLimit"));
        }

        // The API documentation is not a call either.
        using var docs = await demo.GetAsync("/api/docs");
        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
    }

    private static string Header(HttpResponseMessage response, string name) =>
        Assert.Single(response.Headers.GetValues(name));

    /// <summary>What the RateLimit field says remains of the token's and of the account's budget.</summary>
    private static (int Token, int Account) Standing(HttpResponseMessage response)
    {
        var match = System.Text.RegularExpressions.Regex.Match(Header(response, "RateLimit"), "^\"token\";r=(\\d+);t=(\\d+), \"account\";r=(\\d+);t=(\\d+)$");
        Assert.True(match.Success, Header(response, "RateLimit"));
        Assert.InRange(int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), 1, 3600);
        return (int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(match.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture));
    }
}
