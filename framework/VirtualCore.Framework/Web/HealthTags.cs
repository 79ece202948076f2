namespace VirtualCore.Framework.Web;

/// <summary>Which health checks answer /health/ready (database, bus, agents); /health/live runs none.</summary>
public static class HealthTags
{
    public const string Ready = "ready";
}
