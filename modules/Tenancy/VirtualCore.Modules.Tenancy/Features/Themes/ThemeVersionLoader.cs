using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Views;
using VirtualCore.Modules.Tenancy.Domain;

namespace VirtualCore.Modules.Tenancy.Features.Themes;

/// <summary>Settings of resellers' theme versions (section <c>Themes</c>).</summary>
internal sealed class ThemeStoreOptions
{
    public const string Section = "Themes";

    /// <summary>Largest theme zip a reseller may upload, in MiB.</summary>
    public int MaxPackageMiB { get; set; } = 5;

    /// <summary>Theme versions each portal instance keeps loaded; the least used are unloaded first (and reloaded when asked for).</summary>
    public int LoadedVersions { get; set; } = 100;

    public ThemePackageLimits Limits => new() { MaxPackageBytes = MaxPackageMiB * 1024L * 1024L };
}

/// <summary>The theme name a version is rendered under: <c>v</c> and its id, so no reseller can name another's.</summary>
internal static class ThemeVersionKeys
{
    public static string Of(Guid versionId) => "v" + versionId.ToString("N");

    public static bool TryParse(string? name, out Guid versionId)
    {
        versionId = Guid.Empty;
        return name is { Length: 33 } && name[0] == 'v' && Guid.TryParseExact(name.AsSpan(1), "N", out versionId);
    }
}

/// <summary>
/// Loads resellers' theme versions from the database into this instance's theme registry when a request needs one,
/// each once; versions never change, so a loaded one stays right. The least used are unloaded beyond a limit.
/// </summary>
internal sealed class ThemeVersionLoader(
    IServiceScopeFactory scopes,
    ThemeRegistry registry,
    ThemePackageReader reader,
    IOptions<ThemeStoreOptions> options,
    ILogger<ThemeVersionLoader> logger)
{
    private readonly ConcurrentDictionary<Guid, Lazy<Task<Guid?>>> _loads = new();
    private readonly ConcurrentDictionary<Guid, long> _lastUse = new();
    private long _uses;

    /// <summary>
    /// Loads the version if it is <paramref name="resellerId"/>'s and can be rendered; its theme name is
    /// <see cref="ThemeVersionKeys.Of"/>.
    /// </summary>
    public async Task<bool> EnsureLoadedAsync(Guid versionId, Guid resellerId, CancellationToken cancellationToken)
    {
        var load = _loads.GetOrAdd(versionId, id => new Lazy<Task<Guid?>>(() => LoadAsync(id)));
        Guid? owner;
        try
        {
            owner = await load.Value.WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A database hiccup is not the version's fault: the next request tries again.
            _loads.TryRemove(new KeyValuePair<Guid, Lazy<Task<Guid?>>>(versionId, load));
            logger.LogWarning(ex, "Theme version {Version} could not be loaded.", versionId);
            return false;
        }

        _lastUse[versionId] = Interlocked.Increment(ref _uses);
        Evict(versionId);
        return owner == resellerId;
    }

    /// <summary>Loads a version just saved, so its first preview needs no second read.</summary>
    public bool TryAdd(Guid versionId, Guid resellerId, ThemePackage package)
    {
        _lastUse[versionId] = Interlocked.Increment(ref _uses);
        return _loads.TryAdd(versionId, new Lazy<Task<Guid?>>(Task.FromResult(Add(versionId, resellerId, package))));
    }

    [SuppressMessage("Reliability", "CA2007", Justification = "No synchronisation context in ASP.NET Core.")]
    private async Task<Guid?> LoadAsync(Guid versionId)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var version = await db.Set<ThemeVersion>().AsNoTracking()
            .Where(v => v.Id == versionId)
            .Select(v => new { v.ResellerId, v.Package })
            .SingleOrDefaultAsync();
        if (version is null)
        {
            return null;
        }

        ThemePackage package;
        try
        {
            package = reader.Read(version.Package, options.Value.Limits);
        }
        catch (ThemePackageException ex)
        {
            // Checked when saved; refused now only if the installed themes changed under it.
            logger.LogWarning("Theme version {Version} no longer loads: {Reason}", versionId, ex.Message);
            return null;
        }

        return Add(versionId, version.ResellerId, package);
    }

    private Guid? Add(Guid versionId, Guid resellerId, ThemePackage package)
    {
        var name = ThemeVersionKeys.Of(versionId);
        if (!registry.IsLoaded(name))
        {
            try
            {
                registry.AddPackage(name, package);
            }
            catch (InvalidOperationException)
            {
                // Added by a request that raced this one.
            }
            catch (ThemeValidationException ex)
            {
                logger.LogWarning("Theme version {Version} no longer loads: {Reason}", versionId, ex.Message);
                return null;
            }
        }

        return resellerId;
    }

    private void Evict(Guid keep)
    {
        var limit = Math.Max(1, options.Value.LoadedVersions);
        while (_lastUse.Count > limit)
        {
            var oldest = _lastUse.Where(u => u.Key != keep).OrderBy(u => u.Value).Select(u => (Guid?)u.Key).FirstOrDefault();
            if (oldest is not { } id || !_lastUse.TryRemove(id, out _))
            {
                return;
            }

            _loads.TryRemove(id, out _);
            registry.RemovePackage(ThemeVersionKeys.Of(id));
        }
    }
}
