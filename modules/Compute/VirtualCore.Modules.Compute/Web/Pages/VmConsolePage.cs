using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Framework.Web;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Infrastructure.Contracts;

namespace VirtualCore.Modules.Compute.Web.Pages;

/// <summary>The model of <c>Compute/VmConsole.sbn-html</c> and <c>Compute/VmSerial.sbn-html</c>: one vServer's screen or serial console on a page of its own.</summary>
/// <param name="Vm">The VM.</param>
/// <param name="ConsoleSimulated">True when its rack server is simulated (its screen shows typed keys as blocks).</param>
/// <param name="ConsoleAutoconnect">True: the console connects as the page opens.</param>
public sealed record VmConsoleModel(VmRow Vm, bool ConsoleSimulated, bool ConsoleAutoconnect);

/// <summary>GET /vms/{id}/console and /vms/{id}/serial: the screen and the serial console on pages of their own, for those who may operate the VM.</summary>
internal static class VmConsolePage
{
    public const string Template = "Compute/VmConsole.sbn-html";

    public const string SerialTemplate = "Compute/VmSerial.sbn-html";

    public static void Map(RouteGroupBuilder pages)
    {
        pages.MapGet("/vms/{vmId:guid}/console", (Guid vmId, HttpContext http, IPageRenderer renderer, ISender sender) =>
            RenderAsync(vmId, http, renderer, sender, Template, "Console"));
        pages.MapGet("/vms/{vmId:guid}/serial", (Guid vmId, HttpContext http, IPageRenderer renderer, ISender sender) =>
        {
            http.Response.Headers.ContentSecurityPolicy = SecurityHeaders.TerminalContentSecurityPolicy;
            return RenderAsync(vmId, http, renderer, sender, SerialTemplate, "Serial console");
        });
    }

    private static async Task<IResult> RenderAsync(Guid vmId, HttpContext http, IPageRenderer renderer, ISender sender, string template, string what)
    {
        await http.RequestServices.GetRequiredService<IVmGuard>().EnsureAsync(vmId, AccessLevel.Operate, http.RequestAborted);
        var vm = await sender.Send(new GetVm(vmId), http.RequestAborted);
        return await renderer.RenderAsync(
            http, template, $"{what} of {vm.Name}", new VmConsoleModel(VmRow.Of(vm), await SimulatedAsync(sender, vm.NodeName, http.RequestAborted), true));
    }

    /// <summary>True when the rack server is a simulated one (libvirt's test driver): its screens are simulated too.</summary>
    public static async Task<bool> SimulatedAsync(ISender sender, string node, CancellationToken cancellationToken) =>
        (await sender.Send(new ListRackServers(), cancellationToken)).SingleOrDefault(s => s.Name == node)?.MigrationUri?.StartsWith("test:", StringComparison.Ordinal) == true;
}
