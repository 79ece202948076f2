using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Framework.Web;
using VirtualCore.Framework.Web.Pages;
using VirtualCore.Modules.Identity.Contracts;
using VirtualCore.Modules.Infrastructure.Contracts;
using VirtualCore.Modules.Infrastructure.Features;

namespace VirtualCore.Modules.Infrastructure.Web;

/// <summary>GET /isos: the images the caller can boot from, and (for who may) the upload of new ones.</summary>
internal static class IsoLibraryPage
{
    public const string Template = "Infrastructure/Isos.sbn-html";

    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/isos", async (HttpContext http, IPageRenderer renderer, ISender sender, ITenantContext tenant, IOptions<InfrastructureOptions> options) =>
        {
            var images = await sender.Send(new ListIsoImages(), http.RequestAborted);
            var canUpload = http.RequestServices.GetRequiredService<IPermissionChecker>().Has(Permissions.ImageUpload)
                && (tenant.IsOperator || tenant.CustomerId is not null);
            var library = options.Value.IsoLibrary;
            var fetches = canUpload && tenant.IsOperator ? await sender.Send(new ListIsoFetches(), http.RequestAborted) : [];
            var used = images.Where(i => i.Owner == IsoOwners.Customer).Sum(i => i.SizeBytes ?? 0);
            var model = new IsoLibraryModel(
                images.Select(i => new IsoRow(
                    i.Name,
                    i.Title,
                    i.SizeBytes is { } size ? PageFormat.Bytes(size) : "",
                    IsoImageFormats.IsDisk(i.Format)
                        ? $"Disk image ({i.Format}){(i.VirtualSizeBytes is { } disk ? $", disk of {PageFormat.Bytes(disk)}" : "")}"
                            + (i.ApplianceVCpus is { } cpus ? $"; appliance: {cpus} vCPUs, {PageFormat.Bytes((i.ApplianceMemoryMiB ?? 0) << 20)} RAM" : "")
                        : "Installation medium (ISO)",
                    i.Sha256 ?? "",
                    i.Owner == IsoOwners.Library ? "Library" : tenant.IsOperator ? "Customer upload" : "Yours",
                    i.UploadedBy ?? "",
                    PageFormat.Timestamp(i.UploadedAt),
                    i.Deletable)).ToArray(),
                canUpload,
                tenant.CustomerId is null ? "the provider's library, for every customer" : "your account, for your VMs only",
                PageFormat.Bytes(library.MaxImageBytes),
                tenant.CustomerId is null ? "" : PageFormat.Bytes(used),
                tenant.CustomerId is null ? "" : PageFormat.Bytes(library.CustomerQuotaBytes),
                tenant.CustomerId is null ? 0 : PageFormat.Percent(used, library.CustomerQuotaBytes),
                canUpload && tenant.IsOperator,
                fetches.Select(f => new IsoFetchRow(
                    f.Name,
                    f.Title,
                    f.Url,
                    f.State,
                    f.SizeBytes > 0 ? $"{PageFormat.Percent(f.Received, f.SizeBytes)} % of {PageFormat.Bytes(f.SizeBytes)}" : PageFormat.Bytes(f.Received),
                    f.Problem ?? "")).ToArray());
            return await renderer.RenderAsync(http, Template, "Images", model);
        }).RequireAuthorization().ExcludeFromDescription();
}

/// <summary>What Infrastructure/Isos.sbn-html shows.</summary>
/// <param name="Images">The images the caller may boot from, by title.</param>
/// <param name="CanUpload">True when the caller may upload (a customer's administrator, the operator).</param>
/// <param name="UploadTarget">Where an upload goes, in words.</param>
/// <param name="MaxSize">The largest image, e.g. "16 GiB".</param>
/// <param name="QuotaUsed">What the customer's images take; empty for the operator.</param>
/// <param name="Quota">What they may take; empty for the operator.</param>
/// <param name="QuotaPercent">Used of the quota, 0–100.</param>
/// <param name="CanFetch">True for the provider: images can be added from a URL.</param>
/// <param name="Fetches">Images being fetched from a URL, and failed fetches.</param>
public sealed record IsoLibraryModel(
    IReadOnlyList<IsoRow> Images,
    bool CanUpload,
    string UploadTarget,
    string MaxSize,
    string QuotaUsed,
    string Quota,
    int QuotaPercent,
    bool CanFetch,
    IReadOnlyList<IsoFetchRow> Fetches);

/// <summary>An image the portal fetches from a URL for the provider's library, or failed to.</summary>
/// <param name="Name">Its short name.</param>
/// <param name="Title">What users will see.</param>
/// <param name="Url">Where it comes from.</param>
/// <param name="State">"fetching" or "failed".</param>
/// <param name="Progress">How much arrived, e.g. "42 % of 630 MiB".</param>
/// <param name="Problem">Why it failed.</param>
public sealed record IsoFetchRow(string Name, string Title, string Url, string State, string Progress, string Problem);

/// <summary>One image.</summary>
/// <param name="Name">Its short name (what the API's isoName takes).</param>
/// <param name="Title">What users see.</param>
/// <param name="Size">Its size, e.g. "630 MiB"; empty when unknown.</param>
/// <param name="Sha256">Its SHA-256 as computed on upload; empty for registered images.</param>
/// <param name="Owner">"Library", "Yours" or "Customer upload".</param>
/// <param name="UploadedBy">Who uploaded it.</param>
/// <param name="UploadedAt">When (UTC, ISO 8601).</param>
/// <param name="Deletable">True when the caller may remove it.</param>
public sealed record IsoRow(string Name, string Title, string Size, string Kind, string Sha256, string Owner, string UploadedBy, string UploadedAt, bool Deletable);
