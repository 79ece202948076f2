using VirtualCore.Framework.Tenancy;

namespace VirtualCore.Modules.Monitoring.Domain;

/// <summary>
/// One VM's, vDataCenter's or rack server's usage history. A VM's and a vDataCenter's belong to their customer (the
/// tenant filter applies); a rack server's to nobody but the provider (empty reseller and customer, which only the
/// operator sees).
/// </summary>
internal sealed class MetricSeries : ITenantOwned
{
    public const string VmKind = "vm";
    public const string NodeKind = "node";

    /// <summary>A customer's vDataCenter: its VMs' figures summed, made by the minute rollup.</summary>
    public const string VdcKind = "vdc";

    public int Id { get; set; }

    public required string Kind { get; set; }

    /// <summary>The VM's id, the customer's id (a vDataCenter), or the rack server's name.</summary>
    public required string Subject { get; set; }

    public Guid ResellerId { get; set; }

    public Guid CustomerId { get; set; }

    /// <summary>The figures come from a simulated rack server.</summary>
    public bool Simulated { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public List<MetricPoint> Points { get; set; } = [];

    public List<TrafficMonth> Traffic { get; set; } = [];
}

/// <summary>
/// One bucket of a series in one tier: a fixed slot of a round-robin ring (the bucket's start divided by the tier's step,
/// modulo its length), overwritten when the ring comes round, so a series never grows beyond its tiers' lengths.
/// <see cref="Data"/> holds the figures (<see cref="MetricData"/>).
/// </summary>
internal sealed class MetricPoint
{
    public int SeriesId { get; set; }

    public int Tier { get; set; }

    public int Slot { get; set; }

    /// <summary>Unix seconds.</summary>
    public long BucketStart { get; set; }

    /// <summary>How many raw samples the bucket summarises.</summary>
    public int Count { get; set; }

    public required byte[] Data { get; set; }
}

/// <summary>How far a tier has been rolled up from the tier below: every bucket that starts before <see cref="DoneUntil"/>.</summary>
internal sealed class MetricRollupMark
{
    public int Tier { get; set; }

    public long DoneUntil { get; set; }
}

/// <summary>What a VM received and sent in one calendar month (UTC), counted as its usage arrives.</summary>
internal sealed class TrafficMonth
{
    public int SeriesId { get; set; }

    /// <summary>Year × 100 + month, e.g. 202612.</summary>
    public int Month { get; set; }

    public long InBytes { get; set; }

    public long OutBytes { get; set; }
}
