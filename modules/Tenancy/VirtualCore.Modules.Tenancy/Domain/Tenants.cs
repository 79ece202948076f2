namespace VirtualCore.Modules.Tenancy.Domain;

/// <summary>A reseller: runs a branded portal on its own host names for its customers. The provider is the first.</summary>
internal sealed class Reseller
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    public required string BrandName { get; set; }

    /// <summary>The installed theme (a folder) the portal uses when no theme version of the reseller's is active.</summary>
    public string ThemeName { get; set; } = "Default";

    /// <summary>The reseller's own theme version the portal uses, if any (<see cref="ThemeVersion"/>).</summary>
    public Guid? ActiveThemeVersionId { get; set; }

    /// <summary>The provider itself: its portal is where the operator signs in.</summary>
    public bool IsProvider { get; set; }

    public bool OtpRequired { get; set; }

    /// <summary>The language the portal speaks to visitors and to users who chose none (<c>en</c>, <c>de</c>).</summary>
    public string Language { get; set; } = "en";

    public List<ResellerHostName> HostNames { get; set; } = [];

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A host name a reseller's portal answers on. A host name belongs to one reseller only.</summary>
internal sealed class ResellerHostName
{
    public required string HostName { get; set; }

    public Guid ResellerId { get; set; }
}

/// <summary>A customer of a reseller.</summary>
internal sealed class Customer
{
    public Guid Id { get; set; }

    public Guid ResellerId { get; set; }

    public required string Name { get; set; }

    public bool OtpRequired { get; set; }

    /// <summary>Dedicated cores its vDataCenter holds at most; null for no limit.</summary>
    public int? CoreLimit { get; set; }

    /// <summary>RAM in GiB its vDataCenter holds at most; null for no limit.</summary>
    public int? MemoryLimitGiB { get; set; }

    /// <summary>Disk storage in GiB its vDataCenter holds at most; null for no limit.</summary>
    public int? DiskLimitGiB { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Since when the customer is suspended (its VMs stopped, starting and consoles refused); null while in good standing.</summary>
    public DateTimeOffset? SuspendedAt { get; set; }

    /// <summary>Who suspended it: <see cref="Contracts.CustomerSuspension.ByBilling"/> or a user's name.</summary>
    public string? SuspendedBy { get; set; }

    /// <summary>Why, as its users are told.</summary>
    public string? SuspensionReason { get; set; }
}
