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

    /// <summary>Requests per window for each API token, and for each account calling without one; 0 switches the limit off.</summary>
    public int RequestsPerWindow { get; set; } = 1200;

    /// <summary>The window the requests are counted in.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// Rate limits on the API, per API token (each token its own budget, so one runaway script does not starve the
/// account's others) and per account for callers with a password or session. Every answer to a counted request says
/// where the caller stands, in the IETF's <c>RateLimit-Policy</c> and <c>RateLimit</c> fields
/// (draft-ietf-httpapi-ratelimit-headers): <c>RateLimit-Policy: "caller";q=1200;w=60</c> and
/// <c>RateLimit: "caller";r=1187;t=42</c> (requests remaining, seconds until the window ends). Over the limit the
/// answer is 429 with <c>Retry-After</c> and a problem document. Callers that are not signed in are not counted here:
/// they get no further than the sign-in, which has its own limit per address.
/// </summary>
public sealed class ApiRateLimiter(TimeProvider time, IOptions<ApiRateLimitOptions> options)
{
    public const string PolicyName = "caller";

    /// <summary>The refusal's text (translated like every problem document).</summary>
    public const string RefusalDetail = "Too many API requests from this token or account. The RateLimit and Retry-After headers say when the next one is accepted.";

    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private long _lastSweep;

    /// <summary>The caller's key: its API token, else its account; null for callers that are not signed in.</summary>
    public static string? KeyOf(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.Identity?.IsAuthenticated != true)
        {
            return null;
        }

        return user.FindFirst(ApiScopes.TokenIdClaim)?.Value is { } token
            ? "token:" + token
            : user.FindFirst(ClaimTypes.NameIdentifier)?.Value is { } account ? "account:" + account : null;
    }

    /// <summary>Counts one request of <paramref name="key"/>; whether it is allowed, what remains and when the window ends.</summary>
    public RateLimitDecision Take(string key)
    {
        var limit = options.Value.RequestsPerWindow;
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
            .Validate(o => o.Window >= TimeSpan.FromSeconds(1), "ApiRateLimits:Window must be at least one second.")
            .ValidateOnStart();
        services.AddSingleton<ApiRateLimiter>();
        return services;
    }

    /// <summary>Counts API requests of signed-in callers (after authentication), answering 429 over the limit.</summary>
    public static IApplicationBuilder UseApiRateLimits(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        var limiter = http.RequestServices.GetRequiredService<ApiRateLimiter>();
        if (!limiter.Enabled || !IsApi(http.Request.Path) || ApiRateLimiter.KeyOf(http.User) is not { } key)
        {
            await next(http);
            return;
        }

        var decision = limiter.Take(key);
        var headers = http.Response.Headers;
        headers["RateLimit-Policy"] = string.Create(CultureInfo.InvariantCulture, $"\"{ApiRateLimiter.PolicyName}\";q={decision.Limit};w={decision.WindowSeconds}");
        headers["RateLimit"] = string.Create(CultureInfo.InvariantCulture, $"\"{ApiRateLimiter.PolicyName}\";r={decision.Remaining};t={decision.ResetSeconds}");
        if (decision.Allowed)
        {
            await next(http);
            return;
        }

        headers.RetryAfter = decision.ResetSeconds.ToString(CultureInfo.InvariantCulture);
        await Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests.", detail: ApiRateLimiter.RefusalDetail)
            .ExecuteAsync(http);
    });

    // The API and its SOAP endpoint; the interactive documentation's page and script are not calls.
    private static bool IsApi(PathString path) =>
        path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase) && !path.StartsWithSegments("/api/docs", StringComparison.OrdinalIgnoreCase);
}
