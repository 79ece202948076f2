using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using VirtualCore.Framework.Security;

namespace VirtualCore.Framework.Web;

/// <summary>How many API requests a caller may make (configuration section <c>ApiRateLimits</c>).</summary>
public sealed class ApiRateLimitOptions
{
    public const string Section = "ApiRateLimits";

    /// <summary>Requests per window for each API token; 0 switches the limits off.</summary>
    public int RequestsPerWindow { get; set; } = 1200;

    /// <summary>
    /// Requests per window for each account, all its tokens and its password or session together: a script cannot
    /// multiply its budget by making more tokens.
    /// </summary>
    public int AccountRequestsPerWindow { get; set; } = 4800;

    /// <summary>The window the requests are counted in.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// Rate limits on the API: each API token has a budget of its own (one runaway script does not starve the account's
/// other tokens), and each account one for all its tokens and its password or session together (more tokens do not
/// give more requests). Every answer to a counted request says where the caller stands, in the IETF's
/// <c>RateLimit-Policy</c> and <c>RateLimit</c> fields (draft-ietf-httpapi-ratelimit-headers), one item per budget:
/// <c>RateLimit-Policy: "token";q=1200;w=60, "account";q=4800;w=60</c> and
/// <c>RateLimit: "token";r=1187;t=42, "account";r=4650;t=42</c> (requests remaining, seconds until the window ends).
/// Over a limit the answer is 429 with <c>Retry-After</c> and a problem document. Callers that are not signed in are not
/// counted here: they get no further than the sign-in, which has its own limit per address.
/// </summary>
public sealed class ApiRateLimiter(TimeProvider time, IOptions<ApiRateLimitOptions> options)
{
    public const string TokenPolicy = "token";
    public const string AccountPolicy = "account";

    /// <summary>The refusal's text (translated like every problem document).</summary>
    public const string RefusalDetail = "Too many API requests from this token or account. The RateLimit and Retry-After headers say when the next one is accepted.";

    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private long _lastSweep;

    /// <summary>The budgets a caller's request counts against: its token's (when it has one), then its account's.</summary>
    public IReadOnlyList<(string Policy, string Key, int Limit)> BudgetsOf(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.Identity?.IsAuthenticated != true)
        {
            return [];
        }

        var budgets = new List<(string, string, int)>(2);
        if (user.FindFirst(ApiScopes.TokenIdClaim)?.Value is { } token)
        {
            budgets.Add((TokenPolicy, "token:" + token, options.Value.RequestsPerWindow));
        }

        if (user.FindFirst(ClaimTypes.NameIdentifier)?.Value is { } account)
        {
            budgets.Add((AccountPolicy, "account:" + account, options.Value.AccountRequestsPerWindow));
        }

        return budgets;
    }

    /// <summary>
    /// Counts one request against each budget in turn, stopping at the first that refuses it (a request its token
    /// refuses does not use up its account's budget).
    /// </summary>
    public IReadOnlyList<(string Policy, RateLimitDecision Decision)> Take(IReadOnlyList<(string Policy, string Key, int Limit)> budgets)
    {
        ArgumentNullException.ThrowIfNull(budgets);
        var decisions = new List<(string, RateLimitDecision)>(budgets.Count);
        foreach (var (policy, key, limit) in budgets)
        {
            var decision = Take(key, limit);
            decisions.Add((policy, decision));
            if (!decision.Allowed)
            {
                break;
            }
        }

        return decisions;
    }

    /// <summary>Counts one request of <paramref name="key"/>; whether it is allowed, what remains and when the window ends.</summary>
    public RateLimitDecision Take(string key, int limit)
    {
        var window = options.Value.Window;
        var now = time.GetUtcNow().UtcTicks;
        SweepIfDue(now, window.Ticks);
        var entry = _windows.GetOrAdd(key, _ => new Window(now));
        lock (entry)
        {
            if (now - entry.Start >= window.Ticks)
            {
                entry.Start = now;
                entry.Count = 0;
            }

            var allowed = entry.Count < limit;
            if (allowed)
            {
                entry.Count++;
            }

            var resetSeconds = (int)Math.Ceiling(TimeSpan.FromTicks(entry.Start + window.Ticks - now).TotalSeconds);
            return new RateLimitDecision(allowed, limit, Math.Max(0, limit - entry.Count), Math.Max(1, resetSeconds), (int)window.TotalSeconds);
        }
    }

    /// <summary>Whether any limit applies.</summary>
    public bool Enabled => options.Value.RequestsPerWindow > 0;

    // Windows that ended are forgotten once a window, so the table holds only callers of the last window.
    private void SweepIfDue(long now, long windowTicks)
    {
        var last = Interlocked.Read(ref _lastSweep);
        if (now - last < windowTicks || Interlocked.CompareExchange(ref _lastSweep, now, last) != last)
        {
            return;
        }

        foreach (var (key, entry) in _windows)
        {
            if (now - entry.Start >= windowTicks)
            {
                _windows.TryRemove(new KeyValuePair<string, Window>(key, entry));
            }
        }
    }

    private sealed class Window(long start)
    {
        public long Start { get; set; } = start;

        public int Count { get; set; }
    }
}

/// <summary>One request's place in its caller's budget.</summary>
public sealed record RateLimitDecision(bool Allowed, int Limit, int Remaining, int ResetSeconds, int WindowSeconds);

public static class ApiRateLimits
{
    public static IServiceCollection AddApiRateLimits(this IServiceCollection services)
    {
        services.AddOptions<ApiRateLimitOptions>().BindConfiguration(ApiRateLimitOptions.Section)
            .Validate(o => o.RequestsPerWindow >= 0, "ApiRateLimits:RequestsPerWindow must be 0 (off) or more.")
            .Validate(o => o.AccountRequestsPerWindow >= 1, "ApiRateLimits:AccountRequestsPerWindow must be 1 or more.")
            .Validate(o => o.Window >= TimeSpan.FromSeconds(1), "ApiRateLimits:Window must be at least one second.")
            .ValidateOnStart();
        services.AddSingleton<ApiRateLimiter>();
        return services;
    }

    /// <summary>Counts API requests of signed-in callers (after authentication), answering 429 over the limit.</summary>
    public static IApplicationBuilder UseApiRateLimits(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        var limiter = http.RequestServices.GetRequiredService<ApiRateLimiter>();
        if (!limiter.Enabled || !IsApi(http.Request.Path) || limiter.BudgetsOf(http.User) is not { Count: > 0 } budgets)
        {
            await next(http);
            return;
        }

        var decisions = limiter.Take(budgets);
        var headers = http.Response.Headers;
        headers["RateLimit-Policy"] = string.Join(", ", budgets.Select(b => string.Create(CultureInfo.InvariantCulture, $"\"{b.Policy}\";q={b.Limit};w={decisions[0].Decision.WindowSeconds}")));
        headers["RateLimit"] = string.Join(", ", decisions.Select(d => string.Create(CultureInfo.InvariantCulture, $"\"{d.Policy}\";r={d.Decision.Remaining};t={d.Decision.ResetSeconds}")));
        if (decisions[^1].Decision.Allowed)
        {
            await next(http);
            return;
        }

        headers.RetryAfter = decisions[^1].Decision.ResetSeconds.ToString(CultureInfo.InvariantCulture);
        await Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests.", detail: ApiRateLimiter.RefusalDetail)
            .ExecuteAsync(http);
    });

    // The API and its SOAP endpoint; the interactive documentation's page and script are not calls.
    private static bool IsApi(PathString path) =>
        path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase) && !path.StartsWithSegments("/api/docs", StringComparison.OrdinalIgnoreCase);
}
