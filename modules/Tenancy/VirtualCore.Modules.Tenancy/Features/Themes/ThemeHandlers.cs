using System.Security.Cryptography;
using System.Text.Json;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VirtualCore.Framework.Localisation;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Framework.Views;
using VirtualCore.Modules.Tenancy.Contracts;
using VirtualCore.Modules.Tenancy.Domain;

namespace VirtualCore.Modules.Tenancy.Features.Themes;

/// <summary>What every theme use case needs: the caller's reseller, its versions, and turning a package into a version.</summary>
internal sealed class ThemeStore(
    PortalDbContext db,
    ITenantContext tenant,
    ThemeRegistry registry,
    ThemePackageReader reader,
    ThemeTrial trial,
    ThemeVersionLoader loader,
    IOptions<ThemeStoreOptions> options,
    TimeProvider clock)
{
    public const int MaxVersions = 200;

    public Guid ResellerId => tenant.ResellerId ?? throw new ForbiddenException("Only a reseller's portal has a theme.");

    public Task<Reseller> ResellerAsync(CancellationToken cancellationToken) =>
        db.Set<Reseller>().SingleAsync(r => r.Id == ResellerId, cancellationToken);

    public async Task<ThemeVersion> VersionAsync(Guid versionId, CancellationToken cancellationToken) =>
        await db.Set<ThemeVersion>().SingleOrDefaultAsync(v => v.Id == versionId && v.ResellerId == ResellerId, cancellationToken)
        ?? throw new NotFoundException("The theme version");

    /// <summary>The package of a version, or of the installed theme the reseller uses when there is none.</summary>
    public async Task<ThemePackage> SourceAsync(Guid? versionId, CancellationToken cancellationToken)
    {
        var reseller = await ResellerAsync(cancellationToken);
        if ((versionId ?? reseller.ActiveThemeVersionId) is { } id)
        {
            return Read((await VersionAsync(id, cancellationToken)).Package, "from");
        }

        var installed = registry.IsInstalled(reseller.ThemeName) ? reseller.ThemeName : "Default";
        return ThemePackage.Of(new ThemeManifest("Theme", installed, new ThemeVariables(BrandName: reseller.BrandName), "1.0.0"));
    }

    /// <summary>The settings a theme built on <paramref name="baseTheme"/> inherits where it sets nothing.</summary>
    public IReadOnlyDictionary<string, object> Inherited(string? baseTheme)
    {
        var name = baseTheme is not null && registry.IsInstalled(baseTheme) ? baseTheme : ThemeRegistry.DefaultTheme;
        return ThemeSettingsSchema.ToDictionary(registry.GetVariables(name));
    }

    /// <summary>Checks a package, renders each of its pages once, and keeps it as a version (a draft replaces the last draft).</summary>
    public async Task<ThemeVersionView> KeepAsync(ThemePackage package, string source, bool draft, CancellationToken cancellationToken)
    {
        var trialName = "t" + Guid.NewGuid().ToString("N");
        registry.AddPackage(trialName, package);
        IReadOnlyList<ThemeProblem> problems;
        try
        {
            problems = await trial.RunAsync(trialName, cancellationToken);
        }
        finally
        {
            registry.RemovePackage(trialName);
        }

        if (problems.Count > 0)
        {
            throw Refusal(problems);
        }

        var resellerId = ResellerId;
        var versions = db.Set<ThemeVersion>().Where(v => v.ResellerId == resellerId);
        if (draft)
        {
            await versions.Where(v => v.Number == null).ExecuteDeleteAsync(cancellationToken);
        }
        else if (await versions.CountAsync(v => v.Number != null, cancellationToken) >= MaxVersions)
        {
            throw new ConflictException($"A portal keeps at most {MaxVersions} theme versions.");
        }

        var bytes = ThemePackageReader.Write(package);
        var version = new ThemeVersion
        {
            Id = Guid.NewGuid(),
            ResellerId = resellerId,
            Number = draft ? null : (await versions.MaxAsync(v => v.Number, cancellationToken) ?? 0) + 1,
            Source = source,
            Name = package.Manifest.Name,
            Label = package.Manifest.Version,
            BaseTheme = package.Manifest.Base ?? "Default",
            Package = bytes,
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)),
            CreatedAt = clock.GetUtcNow(),
            CreatedBy = tenant.UserName,
        };
        db.Add(version);
        loader.TryAdd(version.Id, resellerId, package);
        return View(version, false);
    }

    public ThemePackage Read(byte[] zip, string field)
    {
        try
        {
            return reader.Read(zip, options.Value.Limits);
        }
        catch (ThemePackageException ex)
        {
            throw Refusal(ex.Problems, field);
        }
    }

    public static ThemeVersionView View(ThemeVersion v, bool active) =>
        new(v.Id, v.Number, v.Source, v.Name, v.Label, v.BaseTheme, v.Package.LongLength, v.Sha256, v.CreatedAt, v.CreatedBy, active);

    /// <summary>Every problem as a field error named by file and line, e.g. <c>templates/Compute/VmList.sbn-html:12</c>.</summary>
    private static RequestValidationException Refusal(IReadOnlyList<ThemeProblem> problems, string? field = null) =>
        new([.. problems.Take(50).Select(p => new FieldError(field ?? (p.Line is { } line ? $"{p.File}:{line}" : p.File), field is null ? p.Reason : p.ToString()))]);
}

internal sealed class GetThemeHandler(PortalDbContext db, ThemeStore store) : IQueryHandler<GetTheme, ThemeOverview>
{
    public async ValueTask<ThemeOverview> Handle(GetTheme query, CancellationToken cancellationToken) => await OverviewAsync(db, store, cancellationToken);

    public static async Task<ThemeOverview> OverviewAsync(PortalDbContext db, ThemeStore store, CancellationToken cancellationToken)
    {
        var reseller = await store.ResellerAsync(cancellationToken);
        var versions = await db.Set<ThemeVersion>().AsNoTracking().Where(v => v.ResellerId == reseller.Id).ToListAsync(cancellationToken);
        var rollBack = await RollBackThemeHandler.PreviousAsync(db, reseller.Id, cancellationToken);
        var package = await store.SourceAsync(null, cancellationToken);
        var source = package.Manifest;
        var settings = ThemeSettingsSchema.ToDictionary(source.Variables);
        var ownTexts = package.Locales.ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal);
        return new ThemeOverview(
            reseller.ActiveThemeVersionId,
            reseller.ThemeName,
            rollBack.Exists,
            rollBack.VersionId,
            [.. versions.Where(v => v.Number != null).OrderByDescending(v => v.Number).Select(v => ThemeStore.View(v, v.Id == reseller.ActiveThemeVersionId))],
            versions.Where(v => v.Number == null).Select(v => ThemeStore.View(v, false)).SingleOrDefault(),
            settings,
            store.Inherited(source.Base),
            [.. ThemeSettingsSchema.Fields.Select(f => new ThemeSettingView(
                f.Key,
                f.Kind.ToString().ToLowerInvariant(),
                f.Label,
                f.Help,
                f.MaxLength,
                f.Kind == ThemeSettingKind.Font ? [.. ThemeSettingsSchema.Fonts.Keys] : null))],
            reseller.Language,
            ownTexts);
    }
}

internal sealed class SetPortalLanguageValidator : IValidator<SetPortalLanguage>
{
    public ValueTask<IReadOnlyList<FieldError>> ValidateAsync(SetPortalLanguage request, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<FieldError>>(PortalLanguages.IsSupported(request.Language)
            ? []
            : [new FieldError("language", $"Choose one of: {string.Join(", ", PortalLanguages.All)}.")]);
}

internal sealed class SetPortalLanguageHandler(PortalDbContext db, ThemeStore store, ISecurityAudit audit) : ICommandHandler<SetPortalLanguage, ThemeOverview>
{
    public async ValueTask<ThemeOverview> Handle(SetPortalLanguage command, CancellationToken cancellationToken)
    {
        var reseller = await store.ResellerAsync(cancellationToken);
        if (reseller.Language != command.Language)
        {
            reseller.Language = command.Language!;
            audit.Record("portal.language", reseller.Name, command.Language);
        }

        return await GetThemeHandler.OverviewAsync(db, store, cancellationToken);
    }
}

internal sealed class SaveThemeTextsValidator : IValidator<SaveThemeTexts>
{
    public ValueTask<IReadOnlyList<FieldError>> ValidateAsync(SaveThemeTexts request, CancellationToken cancellationToken)
    {
        if (!PortalLanguages.IsSupported(request.Language))
        {
            return ValueTask.FromResult<IReadOnlyList<FieldError>>([new FieldError("language", $"Choose one of: {string.Join(", ", PortalLanguages.All)}.")]);
        }

        if (string.IsNullOrWhiteSpace(request.Texts))
        {
            return ValueTask.FromResult<IReadOnlyList<FieldError>>([]);
        }

        if (request.Texts.Length > 512 * 1024)
        {
            return ValueTask.FromResult<IReadOnlyList<FieldError>>([new FieldError("texts", "Your texts are larger than 512 KiB.")]);
        }

        try
        {
            TextCatalogue.Parse(request.Texts);
            return ValueTask.FromResult<IReadOnlyList<FieldError>>([]);
        }
        catch (TextCatalogueException ex)
        {
            return ValueTask.FromResult<IReadOnlyList<FieldError>>([.. ex.Problems.Take(20).Select(p => new FieldError("texts", p.ToString()))]);
        }
    }
}

internal sealed class SaveThemeTextsHandler(ThemeStore store, ISecurityAudit audit) : ICommandHandler<SaveThemeTexts, ThemeVersionView>
{
    public async ValueTask<ThemeVersionView> Handle(SaveThemeTexts command, CancellationToken cancellationToken)
    {
        var source = await store.SourceAsync(command.From, cancellationToken);
        var saved = await store.KeepAsync(source.WithTexts(command.Language!, command.Texts), "editor", draft: false, cancellationToken);
        audit.Record("theme.saved", $"version {saved.Number}", $"texts ({command.Language}) edited");
        return saved;
    }
}

/// <summary>Settings, each by the schema's rules, and the version they are saved over.</summary>
internal sealed class SaveThemeSettingsValidator : IValidator<SaveThemeSettings>
{
    public ValueTask<IReadOnlyList<FieldError>> ValidateAsync(SaveThemeSettings request, CancellationToken cancellationToken)
    {
        IReadOnlyList<FieldError> errors = [];
        if (request.Settings is null)
        {
            errors = [new FieldError("settings", "Send the settings as an object of the schema's keys.")];
        }
        else
        {
            try
            {
                ThemeManifest.ValidateSettings(request.Settings);
            }
            catch (ThemeValidationException ex)
            {
                errors = [.. ex.Errors.Select(e => new FieldError(e.Field, e.Reason))];
            }
        }

        return ValueTask.FromResult(errors);
    }
}

internal sealed class SaveThemeSettingsHandler(ThemeStore store, ISecurityAudit audit) : ICommandHandler<SaveThemeSettings, ThemeVersionView>
{
    public async ValueTask<ThemeVersionView> Handle(SaveThemeSettings command, CancellationToken cancellationToken)
    {
        var settings = ThemeManifest.ValidateSettings(command.Settings!);
        var source = await store.SourceAsync(command.From, cancellationToken);
        var saved = await store.KeepAsync(source.WithSettings(settings), "editor", command.Draft, cancellationToken);
        if (!command.Draft)
        {
            audit.Record("theme.saved", $"version {saved.Number}", "settings edited");
        }

        return saved;
    }
}

internal sealed class UploadThemeHandler(ThemeStore store, ISecurityAudit audit) : ICommandHandler<UploadTheme, ThemeVersionView>
{
    public async ValueTask<ThemeVersionView> Handle(UploadTheme command, CancellationToken cancellationToken)
    {
        var package = store.Read(command.Package, "package");
        var saved = await store.KeepAsync(package, "upload", draft: false, cancellationToken);
        audit.Record("theme.uploaded", $"version {saved.Number}", $"{saved.Name} {saved.Label} sha256 {saved.Sha256}");
        return saved;
    }
}

internal sealed class ActivateThemeVersionHandler(PortalDbContext db, ThemeStore store, TimeProvider clock, ITenantContext tenant, ISecurityAudit audit)
    : ICommandHandler<ActivateThemeVersion, ThemeVersionView>
{
    public async ValueTask<ThemeVersionView> Handle(ActivateThemeVersion command, CancellationToken cancellationToken)
    {
        var version = await store.VersionAsync(command.VersionId, cancellationToken);
        if (version.Number is null)
        {
            throw new ConflictException("Save the draft as a version before using it.");
        }

        var reseller = await store.ResellerAsync(cancellationToken);
        if (reseller.ActiveThemeVersionId != version.Id)
        {
            reseller.ActiveThemeVersionId = version.Id;
            db.Add(new ThemeActivation { ResellerId = reseller.Id, VersionId = version.Id, At = clock.GetUtcNow(), By = tenant.UserName });
            audit.Record("theme.activated", $"version {version.Number}", version.Name);
        }

        return ThemeStore.View(version, true);
    }
}

internal sealed class RollBackThemeHandler(PortalDbContext db, ThemeStore store, TimeProvider clock, ITenantContext tenant, ISecurityAudit audit)
    : ICommandHandler<RollBackTheme, ThemeOverview>
{
    /// <summary>The theme in use before the current one: a version, or the installed theme (null).</summary>
    public static async Task<(bool Exists, Guid? VersionId)> PreviousAsync(PortalDbContext db, Guid resellerId, CancellationToken cancellationToken)
    {
        var last = await db.Set<ThemeActivation>().AsNoTracking().Where(a => a.ResellerId == resellerId)
            .OrderByDescending(a => a.Id).Select(a => new { a.VersionId }).Take(2).ToListAsync(cancellationToken);
        return last.Count == 2 ? (true, last[1].VersionId) : last.Count == 1 ? (true, null) : (false, null);
    }

    public async ValueTask<ThemeOverview> Handle(RollBackTheme command, CancellationToken cancellationToken)
    {
        var reseller = await store.ResellerAsync(cancellationToken);
        var previous = await PreviousAsync(db, reseller.Id, cancellationToken);
        if (!previous.Exists)
        {
            throw new ConflictException("The portal has had no other theme to go back to.");
        }

        reseller.ActiveThemeVersionId = previous.VersionId;
        db.Add(new ThemeActivation { ResellerId = reseller.Id, VersionId = previous.VersionId, At = clock.GetUtcNow(), By = tenant.UserName });
        audit.Record("theme.rolled-back", previous.VersionId?.ToString() ?? reseller.ThemeName, "the previous theme is in use again");
        await db.SaveChangesAsync(cancellationToken);
        return await GetThemeHandler.OverviewAsync(db, store, cancellationToken);
    }
}

internal sealed class GetThemePackageHandler(ThemeStore store) : IQueryHandler<GetThemePackage, ThemePackageFile>
{
    public async ValueTask<ThemePackageFile> Handle(GetThemePackage query, CancellationToken cancellationToken)
    {
        var version = await store.VersionAsync(query.VersionId, cancellationToken);
        return new ThemePackageFile($"{version.Name}-{version.Number?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "draft"}.zip", version.Package);
    }
}

/// <summary>Reads the settings a page form posts: one field per setting, footer links one "Label | URL" per line.</summary>
internal static class ThemeSettingsForm
{
    public static Dictionary<string, JsonElement> Read(Microsoft.AspNetCore.Http.IFormCollection form)
    {
        var settings = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var field in ThemeSettingsSchema.Fields)
        {
            var value = form[field.Key].ToString().Trim();
            if (field.Kind == ThemeSettingKind.Links)
            {
                var links = value.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(line => line.Split('|', 2, StringSplitOptions.TrimEntries))
                    .Select(parts => new Dictionary<string, string> { ["label"] = parts[0], ["url"] = parts.Length > 1 ? parts[1] : "" })
                    .ToArray();
                settings[field.Key] = JsonSerializer.SerializeToElement(links);
            }
            else
            {
                settings[field.Key] = JsonSerializer.SerializeToElement(value);
            }
        }

        return settings;
    }
}
