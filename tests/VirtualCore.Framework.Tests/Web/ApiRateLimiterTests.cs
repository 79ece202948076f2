using System.Security.Claims;
using Microsoft.Extensions.Options;
using VirtualCore.Framework.Security;
using VirtualCore.Framework.Web;

namespace VirtualCore.Framework.Tests.Web;

public sealed class ApiRateLimiterTests
{
    private readonly Clock _clock = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));

    private ApiRateLimiter Limiter(int limit, int windowSeconds = 60) =>
        new(_clock, Options.Create(new ApiRateLimitOptions { RequestsPerWindow = limit, Window = TimeSpan.FromSeconds(windowSeconds) }));

    [Fact]
    public void A_caller_gets_its_limit_in_a_window_counted_down_and_is_refused_after_it_until_the_window_ends()
    {
        var limiter = Limiter(3);
        Assert.Equal(new RateLimitDecision(true, 3, 2, 60, 60), limiter.Take("token:a"));
        _clock.UtcNow = _clock.UtcNow.AddMilliseconds(20_500);
        Assert.Equal(new RateLimitDecision(true, 3, 1, 40, 60), limiter.Take("token:a"));
        Assert.Equal(new RateLimitDecision(true, 3, 0, 40, 60), limiter.Take("token:a"));
        Assert.Equal(new RateLimitDecision(false, 3, 0, 40, 60), limiter.Take("token:a"));
        Assert.Equal(new RateLimitDecision(false, 3, 0, 40, 60), limiter.Take("token:a"));

        // Another caller has a budget of its own.
        Assert.Equal(new RateLimitDecision(true, 3, 2, 60, 60), limiter.Take("token:b"));

        // The last second of the window still refuses, with a second to wait; then a new window begins.
        _clock.UtcNow = _clock.UtcNow.AddMilliseconds(39_400);
        Assert.Equal(new RateLimitDecision(false, 3, 0, 1, 60), limiter.Take("token:a"));
        _clock.UtcNow = _clock.UtcNow.AddMilliseconds(100);
        Assert.Equal(new RateLimitDecision(true, 3, 2, 60, 60), limiter.Take("token:a"));
    }

    [Fact]
    public void Refused_requests_do_not_push_the_window_on()
    {
        var limiter = Limiter(1, windowSeconds: 10);
        Assert.True(limiter.Take("account:x").Allowed);
        for (var i = 0; i < 9; i++)
        {
            _clock.UtcNow = _clock.UtcNow.AddSeconds(1);
            Assert.False(limiter.Take("account:x").Allowed);
        }

        _clock.UtcNow = _clock.UtcNow.AddSeconds(1);
        Assert.True(limiter.Take("account:x").Allowed);
    }

    [Fact]
    public void The_key_is_the_token_when_there_is_one_else_the_account_and_nothing_for_anonymous_callers()
    {
        var account = new Claim(ClaimTypes.NameIdentifier, "7f1c0d3e-0000-4000-8000-000000000001");
        var withToken = new ClaimsPrincipal(new ClaimsIdentity([account, new Claim(ApiScopes.TokenIdClaim, "t1")], "token"));
        var withPassword = new ClaimsPrincipal(new ClaimsIdentity([account], "basic"));
        var anonymous = new ClaimsPrincipal(new ClaimsIdentity([account]));

        Assert.Equal("token:t1", ApiRateLimiter.KeyOf(withToken));
        Assert.Equal("account:7f1c0d3e-0000-4000-8000-000000000001", ApiRateLimiter.KeyOf(withPassword));
        Assert.Null(ApiRateLimiter.KeyOf(anonymous));
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
