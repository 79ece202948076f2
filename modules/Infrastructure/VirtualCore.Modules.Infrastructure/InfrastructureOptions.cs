namespace VirtualCore.Modules.Infrastructure;

/// <summary>The rack servers this installation knows, from configuration ("RackServers").</summary>
public sealed class InfrastructureOptions
{
    public const string Section = "Infrastructure";

    public List<RackServerRegistration> RackServers { get; set; } = [];

    /// <summary>ISO images to put in the library besides the ones already there (matched by name).</summary>
    public List<IsoImageRegistration> IsoImages { get; set; } = [];

    /// <summary>A node whose agent was silent this long counts as offline.</summary>
    public TimeSpan OfflineAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Where uploaded ISO images are kept, and how large they and a customer's share may be.</summary>
    public IsoLibraryOptions IsoLibrary { get; set; } = new();
}

/// <summary>
/// Uploaded ISO images ("Infrastructure:IsoLibrary"). The directory must be one the rack servers reach at the same
/// path (the nodes' shared image storage); on the embedded default it is the data directory's <c>isos</c>.
/// </summary>
public sealed class IsoLibraryOptions
{
    public const long Gib = 1L << 30;

    /// <summary>The directory of uploaded images; null: the data directory's <c>isos</c>.</summary>
    public string? Path { get; set; }

    /// <summary>The largest image one upload may be.</summary>
    public long MaxImageBytes { get; set; } = 16 * Gib;

    /// <summary>What one customer's uploaded images (finished and in progress) may add up to.</summary>
    public long CustomerQuotaBytes { get; set; } = 20 * Gib;

    /// <summary>An upload that received nothing for this long is removed with what arrived of it.</summary>
    public TimeSpan AbandonedAfter { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often each portal instance looks for images the provider asked it to fetch from a URL.</summary>
    public TimeSpan FetchPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a fetch is its instance's without a sign of progress; then another instance goes on with it.</summary>
    public TimeSpan FetchClaim { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a fetch may wait for the server's first answer and for each further piece of the file.</summary>
    public TimeSpan FetchTimeout { get; set; } = TimeSpan.FromSeconds(60);
}

public sealed class RackServerRegistration
{
    public string Name { get; set; } = "";

    public string Role { get; set; } = "compute";

    public int ReservedHostCores { get; set; }

    public long ReservedMemoryBytes { get; set; }

    /// <summary>Nodes naming the same shared storage reach the same disk images; a VM moving between others has its disks copied.</summary>
    public string? SharedStorage { get; set; }
}

public sealed class IsoImageRegistration
{
    public string Name { get; set; } = "";

    public string Title { get; set; } = "";

    /// <summary>Where the image lies on the nodes' image storage.</summary>
    public string Path { get; set; } = "";

    public long SizeBytes { get; set; }
}
