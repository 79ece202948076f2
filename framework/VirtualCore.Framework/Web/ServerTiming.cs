using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace VirtualCore.Framework.Web;

/// <summary>
/// Tells every response how long the portal worked on it before its first byte (<c>Server-Timing: app;dur=12.3</c>):
/// browsers' developer tools show it beside the network time, and the load harness reads it to tell the portal's time
/// from the client's.
/// </summary>
public static class ServerTiming
{
    public const string Header = "Server-Timing";

    public static IApplicationBuilder UseServerTiming(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        var started = Stopwatch.GetTimestamp();
        http.Response.OnStarting(() =>
        {
            http.Response.Headers.Append(Header, "app;dur=" + Stopwatch.GetElapsedTime(started).TotalMilliseconds.ToString("F1", CultureInfo.InvariantCulture));
            return Task.CompletedTask;
        });
        return next(http);
    });
}
