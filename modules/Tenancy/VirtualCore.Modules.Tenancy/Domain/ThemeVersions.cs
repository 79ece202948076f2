namespace VirtualCore.Modules.Tenancy.Domain;

/// <summary>
/// One version of a reseller's theme: the whole theme as a zip (theme.json, templates, assets), checked when it was
/// saved. Versions never change; the editor's draft is the one version without a number, replaced at each preview.
/// </summary>
internal sealed class ThemeVersion
{
    public Guid Id { get; set; }

    public Guid ResellerId { get; set; }

    /// <summary>1, 2, 3… per reseller; null for the editor's draft.</summary>
    public int? Number { get; set; }

    /// <summary>"editor" or "upload".</summary>
    public required string Source { get; set; }

    /// <summary>The name in its theme.json.</summary>
    public required string Name { get; set; }

    /// <summary>The version in its theme.json, if it gives one.</summary>
    public string? Label { get; set; }

    /// <summary>The installed theme it is built on.</summary>
    public required string BaseTheme { get; set; }

    public required byte[] Package { get; set; }

    public required string Sha256 { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public required string CreatedBy { get; set; }
}

/// <summary>A theme change of a reseller's portal: the version activated (null: back to the installed theme).</summary>
internal sealed class ThemeActivation
{
    public long Id { get; set; }

    public Guid ResellerId { get; set; }

    public Guid? VersionId { get; set; }

    public DateTimeOffset At { get; set; }

    public required string By { get; set; }
}
