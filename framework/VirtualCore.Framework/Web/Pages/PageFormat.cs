using System.Globalization;

namespace VirtualCore.Framework.Web.Pages;

/// <summary>
/// How every page shows times, dates, sizes and shares: one format for the whole portal, the same the live updates
/// (<c>live.js</c>) use, so a row pushed over SignalR looks like one rendered by the server.
/// </summary>
public static class PageFormat
{
    /// <summary>A moment in UTC to the second, ISO 8601: <c>2026-12-04T18:50:12Z</c>; empty when there is none.</summary>
    public static string Timestamp(DateTimeOffset? at) =>
        at?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "";

    /// <summary>The UTC day of a moment: <c>2026-12-04</c>; empty when there is none.</summary>
    public static string Day(DateTimeOffset? at) =>
        at?.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "";

    /// <summary>A day as forms show and read it: <c>2026-12-04</c>.</summary>
    public static string Day(DateOnly? day) => day?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "";

    /// <summary>Bytes in GiB with one decimal from 1 GiB on, else in MiB.</summary>
    public static string Bytes(long bytes) => bytes >= 1L << 30
        ? (bytes / (double)(1L << 30)).ToString("0.#", CultureInfo.InvariantCulture) + " GiB"
        : (bytes / (double)(1L << 20)).ToString("0", CultureInfo.InvariantCulture) + " MiB";

    /// <summary>A share in whole percent, 0–100; 0 when the total is not positive.</summary>
    public static int Percent(long used, long total) => total <= 0 ? 0 : (int)Math.Clamp(used * 100 / total, 0, 100);

    /// <summary>A number as forms show it (invariant culture); empty for none.</summary>
    public static string Number(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";
}
