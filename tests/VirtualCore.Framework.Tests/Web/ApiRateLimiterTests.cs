using System.Security.Claims;
using Microsoft.Extensions.Options;
using VirtualCore.Framework.Security;
using VirtualCore.Framework.Web;

namespace VirtualCore.Framework.Tests.Web;

public sealed class ApiRateLimiterTests
{
    private readonly Clock _clock = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));

    private ApiRateLimiter Limiter(int limit, int windowSeconds = 60, int accountLimit = 100) =>
        new(_clock, Options.Create(new ApiRateLimitOptions { RequestsPerWindow = limit, AccountRequestsPerWindow = accountLimit, Window = TimeSpan.FromSeconds(windowSeconds) }));

    [Fact]
    public void A_caller_gets_its_limit_in_a_window_counted_down_and_is_refused_after_it_until_the_window_ends()
    {
        var limiter = Limiter(3);
        Assert.Equal(new RateLimitDecision(true, 3, 2, 60, 60), limiter.Take("token:a", 3));
        _clock.UtcNow = _clock.UtcNow.AddMilliseconds(20_500);
        Assert.Equal(new RateLimitDecision(true, 3, 1, 40, 60), limiter.Take("token:a", 3));
        Assert.Equal(new RateLimitDecision(true, 3, 0, 40, 60), limiter.Take("token:a", 3));
        Assert.Equal(new RateLimitDecision(false, 3, 0, 40, 60), limiter.Take("token:a", 3));
        Assert.Equal(new RateLimitDecision(false, 3, 0, 40, 60), limiter.Take("token:a", 3));

        // Another caller has a budget of its own.
        Assert.Equal(new RateLimitDecision(true, 3, 2, 60, 60), limiter.Take("token:b", 3));

        // The last second of the window still refuses, with a second to wait; then a new window begins.
        _clock.UtcNow = _clock.UtcNow.AddMilliseconds(39_400);
        Assert.Equal(new RateLimitDecision(false, 3, 0, 1, 60), limiter.Take("token:a", 3));
        _clock.UtcNow = _clock.UtcNow.AddMilliseconds(100);
        Assert.Equal(new RateLimitDecision(true, 3, 2, 60, 60), limiter.Take("token:a", 3));
    }

    [Fact]
    public void Refused_requests_do_not_push_the_window_on()
    {
        var limiter = Limiter(1, windowSeconds: 10);
        Assert.True(limiter.Take("account:x", 1).Allowed);
        for (var i = 0; i < 9; i++)
        {
            _clock.UtcNow = _clock.UtcNow.AddSeconds(1);
            Assert.False(limiter.Take("account:x", 1).Allowed);
        }

        _clock.UtcNow = _clock.UtcNow.AddSeconds(1);
        Assert.True(limiter.Take("account:x", 1).Allowed);
    }

    [Fact]
    public void A_token_counts_against_itself_and_its_account_a_password_against_the_account_and_anonymous_callers_against_nothing()
    {
        var limiter = Limiter(3, accountLimit: 5);
        var account = new Claim(ClaimTypes.NameIdentifier, "7f1c0d3e-0000-4000-8000-000000000001");
        var withToken = new ClaimsPrincipal(new ClaimsIdentity([account, new Claim(ApiScopes.TokenIdClaim, "t1")], "token"));
        var withPassword = new ClaimsPrincipal(new ClaimsIdentity([account], "basic"));
        var anonymous = new ClaimsPrincipal(new ClaimsIdentity([account]));

        Assert.Equal([("token", "token:t1", 3), ("account", "account:7f1c0d3e-0000-4000-8000-000000000001", 5)], limiter.BudgetsOf(withToken));
        Assert.Equal([("account", "account:7f1c0d3e-0000-4000-8000-000000000001", 5)], limiter.BudgetsOf(withPassword));
        Assert.Empty(limiter.BudgetsOf(anonymous));
    }

    [Fact]
    public void More_tokens_do_not_give_an_account_more_requests_and_a_token_over_its_limit_leaves_the_accounts_budget_alone()
    {
        var limiter = Limiter(2, accountLimit: 3);
        (string, string, int)[] first = [("token", "token:a", 2), ("account", "account:x", 3)];
        (string, string, int)[] second = [("token", "token:b", 2), ("account", "account:x", 3)];
        Assert.All(limiter.Take(first), d => Assert.True(d.Decision.Allowed));
        Assert.All(limiter.Take(first), d => Assert.True(d.Decision.Allowed));

        // The first token is spent; the refusal is its own and the account still has one request.
        var refused = limiter.Take(first);
        Assert.Equal(("token", false), (Assert.Single(refused).Policy, refused[0].Decision.Allowed));
        var last = limiter.Take(second);
        Assert.Equal([("token", true, 1), ("account", true, 0)], last.Select(d => (d.Policy, d.Decision.Allowed, d.Decision.Remaining)));

        // The second token has a request left, the account none.
        Assert.Equal([("token", true, 0), ("account", false, 0)], limiter.Take(second).Select(d => (d.Policy, d.Decision.Allowed, d.Decision.Remaining)));
    }

    [Fact]
    public void A_limit_of_zero_switches_the_limits_off()
    {
        Assert.False(Limiter(0).Enabled);
        Assert.True(Limiter(1).Enabled);
    }

    private sealed class Clock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset UtcNow { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => UtcNow;
    }
}
