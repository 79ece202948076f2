using System.Globalization;
using System.Text.Json;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using VirtualCore.Framework.Localisation;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Security;
using VirtualCore.Framework.Web;
using VirtualCore.Framework.Web.Pages;
using VirtualCore.Modules.Tenancy.Contracts;
using VirtualCore.Modules.Tenancy.Features.Themes;

namespace VirtualCore.Modules.Tenancy.Web.Pages;

/// <summary>
/// The theme editor (/admin/theme): the settings as a form beside a live preview of the real pages, the upload of a
/// whole theme zip, every version with preview, activation and download, and the roll back. Its API is /api/v1/theme.
/// </summary>
internal static class ThemePage
{
    public const string Template = "Tenancy/Theme.sbn-html";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var admin = endpoints.MapGroup("/admin/theme").RequireAuthorization().ExcludeFromDescription();
        admin.MapGet("/", (HttpContext http, IPageRenderer renderer, ISender sender, Guid? preview, string? notice) =>
            RenderAsync(http, renderer, sender, preview, Notice(notice), null, [], StatusCodes.Status200OK));
        admin.MapPost("/settings", async (HttpContext http, IPageRenderer renderer, ISender sender) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            var settings = ThemeSettingsForm.Read(form);
            var draft = form["action"] == "preview";
            try
            {
                var saved = await sender.Send(new SaveThemeSettings(settings, Guid.TryParse(form["from"], out var from) ? from : null, draft), http.RequestAborted);
                return Results.Redirect($"/admin/theme?preview={saved.Id}&notice={(draft ? "draft" : "saved")}");
            }
            catch (RequestValidationException ex)
            {
                return await RenderAsync(http, renderer, sender, null, null, settings, ex.Errors, StatusCodes.Status400BadRequest);
            }
        }).AddEndpointFilter<AntiforgeryFilter>();
        admin.MapPost("/upload", async (HttpContext http, IPageRenderer renderer, ISender sender, IOptions<ThemeStoreOptions> options) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            try
            {
                var file = form.Files.GetFile("package") ?? throw new RequestValidationException("package", "Choose a theme zip to upload.");
                if (file.Length > options.Value.Limits.MaxPackageBytes)
                {
                    throw new RequestValidationException("package", $"The theme zip is larger than {options.Value.MaxPackageMiB} MiB.");
                }

                using var buffer = new MemoryStream();
                await file.CopyToAsync(buffer, http.RequestAborted);
                var saved = await sender.Send(new UploadTheme(buffer.ToArray()), http.RequestAborted);
                return Results.Redirect($"/admin/theme?preview={saved.Id}&notice=uploaded");
            }
            catch (RequestValidationException ex)
            {
                return await RenderAsync(http, renderer, sender, null, null, null, ex.Errors, StatusCodes.Status400BadRequest, uploadFailed: true);
            }
        }).AddEndpointFilter<AntiforgeryFilter>().AddEndpointFilter<UploadSizeFilter>();
        admin.MapPost("/versions/{versionId:guid}/activate", async (Guid versionId, HttpContext http, ISender sender) =>
        {
            await sender.Send(new ActivateThemeVersion(versionId), http.RequestAborted);
            return Results.Redirect("/admin/theme?notice=activated");
        }).AddEndpointFilter<AntiforgeryFilter>();
        admin.MapPost("/rollback", async (HttpContext http, ISender sender) =>
        {
            await sender.Send(new RollBackTheme(), http.RequestAborted);
            return Results.Redirect("/admin/theme?notice=rolled-back");
        }).AddEndpointFilter<AntiforgeryFilter>();
        admin.MapPost("/language", async (HttpContext http, IPageRenderer renderer, ISender sender) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            try
            {
                await sender.Send(new SetPortalLanguage(form["language"].ToString()), http.RequestAborted);
                return Results.Redirect("/admin/theme?notice=language");
            }
            catch (RequestValidationException ex)
            {
                return await RenderAsync(http, renderer, sender, null, null, null, ex.Errors, StatusCodes.Status400BadRequest);
            }
        }).AddEndpointFilter<AntiforgeryFilter>();
        admin.MapPost("/texts", async (HttpContext http, IPageRenderer renderer, ISender sender) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            var language = form["language"].ToString();
            var texts = form["texts"].ToString();
            try
            {
                var saved = await sender.Send(new SaveThemeTexts(language, texts, null), http.RequestAborted);
                return Results.Redirect($"/admin/theme?preview={saved.Id}&notice=saved");
            }
            catch (RequestValidationException ex)
            {
                return await RenderAsync(http, renderer, sender, null, null, null, ex.Errors, StatusCodes.Status400BadRequest, texts: (language, texts));
            }
        }).AddEndpointFilter<AntiforgeryFilter>();

        var api = endpoints.MapGroup("/api/v1/theme").RequireAuthorization().RequireScope(ApiScopes.Manage).WithTags("Theme");
        api.MapGet("/", (ISender sender, CancellationToken ct) => sender.Send(new GetTheme(), ct))
            .WithName("GetTheme").WithSummary("Your portal's theme: the version in use, every version, the draft, its settings and the settings schema.")
            .Produces<ThemeOverview>();
        api.MapPut("/draft", (ThemeSettingsInput? body, ISender sender, CancellationToken ct) => sender.Send(new SaveThemeSettings(body?.Settings, body?.From, Draft: true), ct))
            .WithName("SaveThemeDraft").WithSummary("Replaces the draft with these settings over a version's templates (`from`, else the one in use), to preview with `?theme-preview={id}`.")
            .Produces<ThemeVersionView>().ProducesValidationProblem();
        api.MapPost("/versions", async (ThemeSettingsInput? body, ISender sender, CancellationToken ct) =>
            {
                var saved = await sender.Send(new SaveThemeSettings(body?.Settings, body?.From, Draft: false), ct);
                return Results.Created($"/api/v1/theme/versions/{saved.Id}", saved);
            })
            .WithName("SaveThemeVersion").WithSummary("Saves these settings over a version's templates as a new version (not yet in use).")
            .Produces<ThemeVersionView>(StatusCodes.Status201Created).ProducesValidationProblem();
        api.MapPost("/uploads", async (HttpContext http, ISender sender, IOptions<ThemeStoreOptions> options) =>
            {
                var package = await ReadBodyAsync(http, options.Value.Limits.MaxPackageBytes);
                var saved = await sender.Send(new UploadTheme(package), http.RequestAborted);
                return Results.Created($"/api/v1/theme/versions/{saved.Id}", saved);
            })
            .AddEndpointFilter<UploadSizeFilter>()
            .WithName("UploadTheme").WithSummary("Uploads a theme zip (body `application/zip`): checked file by file, each page rendered once; refused with file, line and reason, else kept as a new version (not yet in use).")
            .Produces<ThemeVersionView>(StatusCodes.Status201Created).ProducesValidationProblem();
        api.MapPost("/versions/{versionId:guid}/activate", (Guid versionId, ISender sender, CancellationToken ct) => sender.Send(new ActivateThemeVersion(versionId), ct))
            .WithName("ActivateThemeVersion").WithSummary("Puts a saved version in use on your portal.")
            .Produces<ThemeVersionView>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPut("/language", (PortalLanguageInput? body, ISender sender, CancellationToken ct) => sender.Send(new SetPortalLanguage(body?.Language), ct))
            .WithName("SetPortalLanguage").WithSummary("The language your portal speaks to visitors and to users who chose none: en or de.")
            .Produces<ThemeOverview>().ProducesValidationProblem();
        api.MapPut("/texts/{language}", async (string language, ThemeTextsInput? body, ISender sender, CancellationToken ct) =>
            {
                var saved = await sender.Send(new SaveThemeTexts(language, body?.Texts, body?.From), ct);
                return Results.Created($"/api/v1/theme/versions/{saved.Id}", saved);
            })
            .WithName("SaveThemeTexts").WithSummary("Saves your own wording of a language as a new version: a JSON object from the portal's English text to yours (see docs/themes).")
            .Produces<ThemeVersionView>(StatusCodes.Status201Created).ProducesValidationProblem();
        api.MapPost("/rollback", (ISender sender, CancellationToken ct) => sender.Send(new RollBackTheme(), ct))
            .WithName("RollBackTheme").WithSummary("Puts the theme in use before the last change back in use.")
            .Produces<ThemeOverview>().ProducesProblem(StatusCodes.Status409Conflict);
        api.MapGet("/versions/{versionId:guid}/package", async (Guid versionId, ISender sender, CancellationToken ct) =>
            {
                var file = await sender.Send(new GetThemePackage(versionId), ct);
                return Results.File(file.Content, "application/zip", file.FileName);
            })
            .WithName("DownloadThemeVersion").WithSummary("A version as a theme zip, to edit and upload again.")
            .Produces<byte[]>(StatusCodes.Status200OK, "application/zip").ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<byte[]> ReadBodyAsync(HttpContext http, long limit)
    {
        if (http.Request.ContentLength > limit)
        {
            throw new RequestValidationException("package", $"The theme zip is larger than {limit / 1024 / 1024} MiB.");
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                throw new RequestValidationException("package", $"The theme zip is larger than {limit / 1024 / 1024} MiB.");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.Length == 0 ? throw new RequestValidationException("package", "Send the theme zip as the request body.") : buffer.ToArray();
    }

    private static string? Notice(string? notice) => notice switch
    {
        "draft" => "The preview shows your changes. Save them as a version to keep them.",
        "saved" => "Saved as a new version. Use it when it looks right.",
        "uploaded" => "The theme passed every check and is kept as a new version. Preview it, then use it.",
        "activated" => "Your portal now uses this version.",
        "rolled-back" => "Your portal uses the theme it had before the last change again.",
        "language" => "Your portal's language is saved.",
        _ => null,
    };

    private static async Task<IResult> RenderAsync(
        HttpContext http,
        IPageRenderer renderer,
        ISender sender,
        Guid? preview,
        string? notice,
        IReadOnlyDictionary<string, JsonElement>? input,
        IReadOnlyList<FieldError> errors,
        int status,
        bool uploadFailed = false,
        (string Language, string Texts)? texts = null)
    {
        var theme = await sender.Send(new GetTheme(), http.RequestAborted);
        var previewId = preview is { } wanted && (theme.Versions.Any(v => v.Id == wanted) || theme.Draft?.Id == wanted) ? wanted : theme.ActiveVersionId;
        var byField = uploadFailed ? new Dictionary<string, string>() : errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.First().Reason);
        var fields = theme.Schema.Select(f =>
        {
            var value = input is not null
                ? Text(input.GetValueOrDefault(f.Key), f.Kind)
                : theme.Settings.TryGetValue(f.Key, out var current) ? Text(JsonSerializer.SerializeToElement(current), f.Kind) : "";
            return new ThemeFieldRow(
                f.Key,
                f.Kind,
                f.Label,
                f.Help,
                value,
                f.Kind switch { "email" => "email", "phone" => "tel", _ => "text" },
                f.MaxLength,
                f.Choices ?? [],
                theme.Inherited.TryGetValue(f.Key, out var inherited) && inherited is string text ? text : "",
                byField.GetValueOrDefault("settings." + f.Key) ?? byField.Where(e => e.Key.StartsWith("settings." + f.Key + "[", StringComparison.Ordinal)).Select(e => $"{e.Key["settings.".Length..]}: {e.Value}").FirstOrDefault());
        }).ToList();
        var model = new ThemePageModel(
            notice,
            theme.InstalledTheme,
            theme.Versions.FirstOrDefault(v => v.Active) is { } active ? Row(active) : null,
            theme.CanRollBack,
            theme.RollBackTo is { } back ? theme.Versions.FirstOrDefault(v => v.Id == back) is { } to ? $"version {to.Number}" : "an earlier version" : $"the installed theme ({theme.InstalledTheme})",
            fields,
            [.. theme.Versions.Select(Row)],
            theme.Draft is { } draft ? Row(draft) : null,
            previewId?.ToString(),
            previewId is { } id ? (theme.Draft?.Id == id ? "the draft" : theme.Versions.FirstOrDefault(v => v.Id == id) is { } shown ? $"version {shown.Number}" : "") : $"the installed theme ({theme.InstalledTheme})",
            uploadFailed ? [.. errors.Select(e => new ThemeProblemRow(e.Field, e.Reason))] : [],
            input is not null && errors.Count > 0 ? "Some settings were not accepted; they are marked below." : null,
            theme.Language,
            [.. PortalLanguages.All.Select(code => new ThemeLanguageRow(
                code,
                PortalLanguages.NativeName(code),
                code == theme.Language,
                texts is { } posted && posted.Language == code ? posted.Texts : theme.Texts.GetValueOrDefault(code, ""),
                texts is { } failed && failed.Language == code && errors.Count > 0 ? string.Join(" ", errors.Select(e => e.Reason)) : null))],
            byField.GetValueOrDefault("language"));
        return await renderer.RenderAsync(http, Template, "Theme", model, status);
    }

    private static ThemeVersionRow Row(ThemeVersionView v) => new(
        v.Id.ToString(),
        v.Number?.ToString(CultureInfo.InvariantCulture) ?? "draft",
        v.Source == "upload" ? "uploaded" : "edited",
        v.Name,
        v.Label ?? "",
        v.BaseTheme,
        PageFormat.Timestamp(v.CreatedAt),
        v.CreatedBy,
        v.Active,
        v.Size < 1024 ? $"{v.Size} B" : $"{v.Size / 1024.0:0.#} KiB",
        v.Sha256[..12]);

    private static string Text(JsonElement value, string kind) =>
        value.ValueKind switch
        {
            JsonValueKind.String => value.GetString() ?? "",
            JsonValueKind.Array when kind == "links" => string.Join("\n", value.EnumerateArray().Select(l =>
                $"{(l.TryGetProperty("label", out var label) ? label.GetString() : "")} | {(l.TryGetProperty("url", out var url) ? url.GetString() : "")}")),
            _ => "",
        };
}

/// <summary>
/// Caps a theme upload's request at the package limit (plus room for a form's fields) before anything reads the body,
/// so a larger one is cut off by the server rather than buffered first.
/// </summary>
internal sealed class UploadSizeFilter(IOptions<ThemeStoreOptions> options) : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (context.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = options.Value.Limits.MaxPackageBytes + (64 * 1024);
        }

        return next(context);
    }
}

/// <summary>The theme editor: settings, versions, the preview and what an upload was refused for.</summary>
public sealed record ThemePageModel(
    string? Notice,
    string InstalledTheme,
    ThemeVersionRow? Active,
    bool CanRollBack,
    string RollBackTo,
    IReadOnlyList<ThemeFieldRow> Fields,
    IReadOnlyList<ThemeVersionRow> Versions,
    ThemeVersionRow? Draft,
    string? PreviewId,
    string PreviewLabel,
    IReadOnlyList<ThemeProblemRow> UploadProblems,
    string? SettingsError,
    string Language,
    IReadOnlyList<ThemeLanguageRow> Languages,
    string? LanguageError);

/// <summary>A language of the portal in the editor: whether it is the default, and the reseller's own texts for it.</summary>
/// <param name="Texts">The theme's own texts for the language as JSON (empty: none).</param>
/// <param name="TextsError">Why the texts last posted were refused.</param>
public sealed record ThemeLanguageRow(string Code, string Name, bool Default, string Texts, string? TextsError);

/// <summary>One setting in the editor's form.</summary>
/// <param name="InputType">text, color, email, tel.</param>
/// <param name="Inherited">What the base theme gives where this setting is left empty.</param>
public sealed record ThemeFieldRow(string Key, string Kind, string Label, string Help, string Value, string InputType, int MaxLength, IReadOnlyList<string> Choices, string Inherited, string? Error);

public sealed record ThemeVersionRow(string Id, string Number, string Source, string Name, string Label, string BaseTheme, string Created, string CreatedBy, bool Active, string Size, string Sha256);

/// <summary>One reason an upload was refused: file (and line) and why.</summary>
public sealed record ThemeProblemRow(string File, string Reason);
