using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Framework.Web;
using VirtualCore.Framework.Web.Pages;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Features.Create;
using VirtualCore.Modules.Compute.Features.EditHardware;
using VirtualCore.Modules.Infrastructure.Contracts;

namespace VirtualCore.Modules.Compute.Web.Pages;

/// <summary>The model of <c>Compute/VmHardware.sbn-html</c>: the hardware form of one vServer.</summary>
/// <param name="Vm">The VM.</param>
/// <param name="Input">What the form shows: the VM's values, or what was posted.</param>
/// <param name="Error">Why the change was refused as a whole, or null.</param>
/// <param name="HasErrors">True when fields were refused.</param>
/// <param name="Errors">The reasons by field name ("vcpus", "memoryGiB", "diskGiB", "isoName", "bootOrder", …).</param>
/// <param name="Isos">The ISO library.</param>
/// <param name="BootOrders">The boot orders offered.</param>
/// <param name="DiskBuses">The disk buses offered.</param>
/// <param name="NicModels">The NIC models offered.</param>
/// <param name="Active">True while the VM runs or is paused (some changes wait for its next boot).</param>
/// <param name="FreeCores">Free dedicated cores on its rack server.</param>
/// <param name="FreeMemoryGib">Free RAM on its rack server, in GiB.</param>
/// <param name="MaxVcpus">The most vCPUs it can have there.</param>
/// <param name="MaxMemoryGib">The most RAM it can have there, in GiB.</param>
/// <param name="MaxDiskGib">The largest disk, in GiB.</param>
/// <param name="CanGrowDisk">True when its rack server can grow disks.</param>
/// <param name="Timing">When each kind of change takes effect, in words.</param>
public sealed record VmHardwareModel(
    VmRow Vm,
    HardwareForm Input,
    string? Error,
    bool HasErrors,
    IReadOnlyDictionary<string, string> Errors,
    IReadOnlyList<IsoOption> Isos,
    IReadOnlyList<BootOrderOption> BootOrders,
    IReadOnlyList<string> DiskBuses,
    IReadOnlyList<string> NicModels,
    bool Active,
    int FreeCores,
    long FreeMemoryGib,
    int MaxVcpus,
    int MaxMemoryGib,
    int MaxDiskGib,
    bool CanGrowDisk,
    HardwareTiming Timing);

/// <summary>The values of the hardware form.</summary>
/// <param name="Vcpus">Dedicated cores.</param>
/// <param name="MemoryGib">RAM in GiB.</param>
/// <param name="DiskGib">Disk size in GiB.</param>
/// <param name="IsoName">The image in the CD-ROM drive, or empty for none.</param>
/// <param name="BootOrder">Boot devices, comma-separated.</param>
/// <param name="DiskBus">"virtio" or "sata".</param>
/// <param name="NicModel">"virtio" or "e1000".</param>
public sealed record HardwareForm(int Vcpus, int MemoryGib, int DiskGib, string IsoName, string BootOrder, string DiskBus, string NicModel)
{
    internal static HardwareForm Of(VmView vm) =>
        new(vm.VCpus, vm.MemoryGiB, vm.DiskGiB, vm.IsoName ?? "", string.Join(',', vm.BootOrder), vm.DiskBus, vm.NicModel);
}

/// <summary>A boot order the form offers.</summary>
/// <param name="Value">The devices, comma-separated.</param>
/// <param name="Label">The same in words.</param>
public sealed record BootOrderOption(string Value, string Label);

/// <summary>When each kind of hardware change takes effect, in words.</summary>
/// <param name="Vcpus">vCPUs.</param>
/// <param name="Memory">RAM.</param>
/// <param name="Disk">Disk size.</param>
/// <param name="Devices">CD-ROM, boot order, disk bus and NIC model.</param>
public sealed record HardwareTiming(string Vcpus, string Memory, string Disk, string Devices);

/// <summary>GET and POST /vms/{id}/hardware: changing a vServer's hardware from the page.</summary>
internal static class VmHardwarePage
{
    public const string Template = "Compute/VmHardware.sbn-html";

    public static void Map(RouteGroupBuilder pages)
    {
        pages.MapGet("/vms/{vmId:guid}/hardware", async (Guid vmId, HttpContext http, IPageRenderer renderer, ISender sender) =>
        {
            var vm = await sender.Send(new GetVm(vmId), http.RequestAborted);
            return await RenderAsync(vm, http, renderer, sender, HardwareForm.Of(vm), [], null, StatusCodes.Status200OK);
        });

        pages.MapPost("/vms/{vmId:guid}/hardware", async (Guid vmId, HttpContext http, IPageRenderer renderer, ISender sender) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            var vm = await sender.Send(new GetVm(vmId), http.RequestAborted);
            var input = new HardwareForm(
                form.ContainsKey("vcpus") ? PageForms.Int(form["vcpus"]) : vm.VCpus,
                form.ContainsKey("memoryGiB") ? PageForms.Int(form["memoryGiB"]) : vm.MemoryGiB,
                form.ContainsKey("diskGiB") ? PageForms.Int(form["diskGiB"]) : vm.DiskGiB,
                form.ContainsKey("isoName") ? form["isoName"].ToString() : vm.IsoName ?? "",
                form.ContainsKey("bootOrder") ? form["bootOrder"].ToString() : string.Join(',', vm.BootOrder),
                form.ContainsKey("diskBus") ? form["diskBus"].ToString() : vm.DiskBus,
                form.ContainsKey("nicModel") ? form["nicModel"].ToString() : vm.NicModel);
            try
            {
                // "None" in the ISO list empties the drive; the other fields change only where they differ.
                await sender.Send(
                    new EditVmHardware(
                        vmId,
                        input.Vcpus,
                        input.MemoryGib,
                        input.DiskGib,
                        input.IsoName.Length == 0 ? null : input.IsoName,
                        input.IsoName.Length == 0 && vm.IsoName is not null,
                        input.BootOrder.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                        input.DiskBus,
                        input.NicModel,
                        IdempotencyKey.Of(http)),
                    http.RequestAborted);
                return Results.Redirect($"/vms/{vmId}");
            }
            catch (RequestValidationException ex)
            {
                return await RenderAsync(vm, http, renderer, sender, input, ex.Errors, null, StatusCodes.Status400BadRequest);
            }
            catch (ConflictException ex)
            {
                return await RenderAsync(vm, http, renderer, sender, input, [], ex.Message, StatusCodes.Status409Conflict);
            }
        }).AddEndpointFilter<AntiforgeryFilter>();
    }

    private static async Task<IResult> RenderAsync(
        VmView vm, HttpContext http, IPageRenderer renderer, ISender sender, HardwareForm input, IReadOnlyList<FieldError> errors, string? error, int status)
    {
        // The form is for those who may change the hardware: the same guard and words as the command itself.
        await http.RequestServices.GetRequiredService<IVmGuard>().EnsureAsync(vm.Id, EditVmHardwareHandler.Action.Level, acting: false, http.RequestAborted);
        var isos = (await sender.Send(new ListIsoImages(), http.RequestAborted)).Where(i => i.Format == IsoImageFormats.Iso).ToList();
        var usage = (await sender.Send(new ListNodeUsage(), http.RequestAborted)).SingleOrDefault(n => n.Name == vm.NodeName);
        var server = (await sender.Send(new ListRackServers(), http.RequestAborted)).SingleOrDefault(n => n.Name == vm.NodeName);
        var freeCores = usage is null ? 0 : Math.Max(0, usage.CoresForVms - usage.UsedCores);
        var freeMemoryGib = usage is null ? 0 : Math.Max(0, (usage.MemoryForVmsBytes - usage.UsedMemoryBytes) / (1024L * 1024 * 1024));
        var active = vm.State is VmStates.Running or VmStates.Paused;
        string When(string capability, string live, string otherwise) => !active ? "When it next starts." : server?.Can(capability) == true ? live : otherwise;
        var bootOrders = VmRow.BootOrders.Any(o => o.Value == input.BootOrder) ? VmRow.BootOrders : [.. VmRow.BootOrders, (input.BootOrder, input.BootOrder)];
        return await renderer.RenderAsync(http, Template, $"Hardware of {vm.Name}", new VmHardwareModel(
            VmRow.Of(vm),
            input,
            error,
            errors.Count > 0,
            PageForms.ErrorsByField(errors),
            isos.Select(i => new IsoOption(i.Name, i.Title, i.SizeBytes is { } size ? PageFormat.Bytes(size) : null)).ToArray(),
            bootOrders.Select(o => new BootOrderOption(o.Value, o.Label)).ToArray(),
            HardwareChoices.DiskBuses,
            HardwareChoices.NicModels,
            active,
            freeCores,
            freeMemoryGib,
            Math.Min(CreateVmRules.MaxVCpus, vm.VCpus + freeCores),
            Math.Min(CreateVmRules.MaxMemoryGiB, vm.MemoryGiB + (int)freeMemoryGib),
            CreateVmRules.MaxDiskGiB,
            server?.Can("DiskGrow") == true,
            new HardwareTiming(
                When("LiveVcpuChange", "Fewer vCPUs at once; more at the next boot.", "At the next boot."),
                When("LiveMemoryChange", "Less RAM at once; more at the next boot.", "At the next boot."),
                server?.Can("DiskGrow") == true ? (active ? "Grows at once; extend the partition inside the guest afterwards." : "When it next starts.") : $"{vm.NodeName} cannot grow disks.",
                active ? "At the next boot." : "When it next starts.")), status);
    }
}
