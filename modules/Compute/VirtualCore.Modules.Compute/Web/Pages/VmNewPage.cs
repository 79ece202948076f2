using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Web;
using VirtualCore.Framework.Web.Pages;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Infrastructure.Contracts;

namespace VirtualCore.Modules.Compute.Web.Pages;

/// <summary>The model of <c>Compute/VmNew.sbn-html</c>: the form for a new vServer.</summary>
/// <param name="Input">What the form shows: the defaults, or what was posted.</param>
/// <param name="HasErrors">True when the posted values were refused.</param>
/// <param name="Errors">The reasons by field name ("name", "vcpus", "memoryGiB", "diskGiB", "isoName", "imageName", "cloudInit.hostname",
/// "cloudInit.sshAuthorizedKeys" (which key, and why), "cloudInit.password", "cloudInit.userData").</param>
/// <param name="Isos">The ISO library's installation media.</param>
/// <param name="CloudImages">The library's cloud images (qcow2), with the smallest disk each needs.</param>
/// <param name="FreeCores">The most free dedicated cores on one online compute rack server.</param>
/// <param name="FreeMemoryGib">The most free RAM on one online compute rack server, in GiB.</param>
/// <param name="Capacity">The vDataCenter's use and limits.</param>
/// <param name="RequestId">The form's idempotency key: posting it twice creates one VM.</param>
public sealed record VmNewModel(
    CreateForm Input, bool HasErrors, IReadOnlyDictionary<string, string> Errors, IReadOnlyList<IsoOption> Isos, IReadOnlyList<CloudImageOption> CloudImages, int FreeCores, long FreeMemoryGib, CapacityRow? Capacity,
    string RequestId);

/// <summary>A cloud image to start a new vServer from.</summary>
/// <param name="Name">Its name (imageName).</param>
/// <param name="Title">What users see.</param>
/// <param name="MinDiskGib">The smallest disk it fits on.</param>
public sealed record CloudImageOption(string Name, string Title, long MinDiskGib);

/// <summary>The values of the new-vServer form.</summary>
/// <param name="Name">The VM's name.</param>
/// <param name="Vcpus">Dedicated cores.</param>
/// <param name="MemoryGib">RAM in GiB.</param>
/// <param name="DiskGib">Disk size in GiB.</param>
/// <param name="IsoName">The image to boot from, or empty.</param>
/// <param name="ImageName">The cloud image the disk is made from, or empty for an empty disk.</param>
/// <param name="CloudInit">True to give the VM a cloud-init seed with the values below.</param>
/// <param name="Hostname">cloud-init's host name, or empty for the VM's name.</param>
/// <param name="SshKeys">OpenSSH public keys, one per line.</param>
/// <param name="UserData">More user data, or empty. (A password given is never shown again.)</param>
public sealed record CreateForm(string Name, int Vcpus, int MemoryGib, int DiskGib, string IsoName, string ImageName = "", bool CloudInit = false, string Hostname = "", string SshKeys = "", string UserData = "")
{
    /// <summary>The cloud-init options the form asks for, or null when it asks for none.</summary>
    public CloudInitOptions? Options(string? password) =>
        CloudInit
            ? new CloudInitOptions(
                PageForms.Blank(Hostname.Trim()),
                SshKeys.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                string.IsNullOrEmpty(password) ? null : password,
                PageForms.Blank(UserData.Replace("\r\n", "\n", StringComparison.Ordinal)))
            : null;
}

/// <summary>GET /vms/new and POST /vms: creating a vServer from the page.</summary>
internal static class VmNewPage
{
    public const string Template = "Compute/VmNew.sbn-html";

    public static void Map(RouteGroupBuilder pages)
    {
        pages.MapGet("/vms/new", async (HttpContext http, IPageRenderer renderer, ISender sender) =>
            await renderer.RenderAsync(http, Template, "New vServer", await ModelAsync(sender, http, new CreateForm("", 1, 1, 50, ""), [])));

        pages.MapPost("/vms", async (HttpContext http, IPageRenderer renderer, ISender sender) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            var input = new CreateForm(
                form["name"].ToString().Trim(), PageForms.Int(form["vcpus"]), PageForms.Int(form["memoryGiB"]), PageForms.Int(form["diskGiB"]), form["isoName"].ToString(),
                form["imageName"].ToString(), form["cloudInit"] == "on", form["hostname"].ToString(), form["sshKeys"].ToString(), form["userData"].ToString());
            try
            {
                var accepted = await sender.Send(
                    new CreateVm(input.Name, input.Vcpus, input.MemoryGib, input.DiskGib, PageForms.Blank(input.IsoName), IdempotencyKey.Of(http))
                    {
                        CloudInit = input.Options(form["password"].ToString()),
                        ImageName = PageForms.Blank(input.ImageName),
                    },
                    http.RequestAborted);
                return Results.Redirect($"/vms/{accepted.VmId}");
            }
            catch (RequestValidationException ex)
            {
                return await renderer.RenderAsync(http, Template, "New vServer", await ModelAsync(sender, http, input, ex.Errors), StatusCodes.Status400BadRequest);
            }
        }).AddEndpointFilter<AntiforgeryFilter>();
    }

    private static async Task<VmNewModel> ModelAsync(ISender sender, HttpContext http, CreateForm input, IReadOnlyList<FieldError> errors)
    {
        var isos = await sender.Send(new ListIsoImages(), http.RequestAborted);
        var nodes = await sender.Send(new ListNodeUsage(), http.RequestAborted);
        var computeNodes = nodes.Where(n => n.Role == "compute" && n.Online).ToArray();
        var capacity = http.RequestServices.GetRequiredService<IPermissionChecker>().Has(Identity.Contracts.Permissions.VmCreate)
            ? CapacityRow.Of(await sender.Send(new GetVdcCapacity(), http.RequestAborted))
            : null;
        return new VmNewModel(
            input,
            errors.Count > 0,
            PageForms.ErrorsByField(errors.Select(e => e.Field.StartsWith("cloudInit.sshAuthorizedKeys[", StringComparison.Ordinal)
                ? new FieldError("cloudInit.sshAuthorizedKeys", $"Key {int.Parse(e.Field["cloudInit.sshAuthorizedKeys[".Length..^1], System.Globalization.CultureInfo.InvariantCulture) + 1}: {e.Reason}")
                : e).ToList()),
            isos.Where(i => i.Format == IsoImageFormats.Iso).Select(i => new IsoOption(i.Name, i.Title, i.SizeBytes is { } size ? PageFormat.Bytes(size) : null)).ToArray(),
            isos.Where(i => IsoImageFormats.IsDisk(i.Format))
                .Select(i => new CloudImageOption(i.Name, i.Title, Math.Max(1, ((i.VirtualSizeBytes ?? 0) + (1L << 30) - 1) >> 30))).ToArray(),
            computeNodes.Length == 0 ? 0 : computeNodes.Max(n => n.CoresForVms - n.UsedCores),
            computeNodes.Length == 0 ? 0 : computeNodes.Max(n => (n.MemoryForVmsBytes - n.UsedMemoryBytes) / (1024L * 1024 * 1024)),
            capacity,
            Guid.NewGuid().ToString());
    }
}
