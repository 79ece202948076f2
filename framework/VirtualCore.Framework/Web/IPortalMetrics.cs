namespace VirtualCore.Framework.Web;

/// <summary>
/// A module's instruments for /metrics. Registered as a singleton of this interface; the portal creates every one at
/// start, so gauges that are only read at scrape time exist from the first scrape on.
/// </summary>
public interface IPortalMetrics
{
    /// <summary>The meter's name, which the metrics exporter listens to.</summary>
    string MeterName { get; }
}
