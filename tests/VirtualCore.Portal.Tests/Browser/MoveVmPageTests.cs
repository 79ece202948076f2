using Microsoft.Playwright;
using VirtualCore.Modules.Compute.Contracts;

namespace VirtualCore.Portal.Tests.Browser;

/// <summary>
/// Moving a VM in the browser: the Move-to menu on the VM page, and drag and drop on the rack servers page. On
/// libvirt's test driver the rack servers cannot migrate, so the portal's answer is the refusal, shown on the page.
/// </summary>
public sealed class MoveVmPageTests : PortalBrowserTests
{
    [Fact]
    public async Task The_menu_and_drag_and_drop_offer_the_other_rack_servers_and_show_why_a_move_is_refused()
    {
        var api = Portal.Demo();
        var created = await api.CreateVmAsync("mover");
        await api.CompleteAsync(Task.FromResult(created));
        await api.CompleteAsync(api.ActAsync(created.VmId, "start"));
        var vm = await api.GetAsync<VmView>($"/api/v1/vms/{created.VmId}");
        var target = vm.NodeName == "rack-1" ? "rack-2" : "rack-1";

        await using var context = await Browser.NewContextAsync();
        var page = await SignedInPageAsync(context);

        await page.GotoAsync($"{BaseUrl}/vms/{vm.Id}");
        var options = page.Locator("#move-vm select[name=targetNode] option");
        await Assertions.Expect(options).ToHaveCountAsync(2);
        var offered = options.Filter(new() { HasText = target });
        await Assertions.Expect(offered).ToContainTextAsync("free cores");
        await Assertions.Expect(offered).ToContainTextAsync($"{target} cannot take VMs live.");
        await Assertions.Expect(offered).ToBeDisabledAsync();
        await Assertions.Expect(options.Filter(new() { HasText = "reserve-1" })).ToContainTextAsync("reserve server");
        await Assertions.Expect(page.Locator("#move-vm button[data-move]")).ToBeDisabledAsync();

        // Rack servers page: the VM under its rack server; dropped on another, it asks first, then posts the move.
        await page.GotoAsync(BaseUrl + "/nodes");
        var chip = page.Locator($"[data-node='{vm.NodeName}'] .vm-chip[data-vm-id='{vm.Id}']");
        await Assertions.Expect(chip).ToContainTextAsync("mover");
        string? question = null;
        page.Dialog += async (_, dialog) =>
        {
            question = dialog.Message;
            await dialog.AcceptAsync();
        };
        await chip.DragToAsync(page.Locator($"[data-node='{target}']"));
        await Assertions.Expect(page.Locator(".alert-error")).ToContainTextAsync($"{target} cannot take VMs live.");
        Assert.Equal($"Move mover from {vm.NodeName} to {target} live?", question);
        Assert.Empty(await api.GetAsync<JobView[]>($"/api/v1/jobs?vmId={vm.Id}&action=migrate"));

        // Another customer sees the rack servers, never Demo's VMs on them.
        await using var otherContext = await Browser.NewContextAsync();
        var other = await SignedInPageAsync(otherContext, "other", "other-pass-1");
        await other.GotoAsync(BaseUrl + "/nodes");
        await Assertions.Expect(other.Locator("[data-node]")).ToHaveCountAsync(3);
        await Assertions.Expect(other.Locator(".vm-chip")).ToHaveCountAsync(0);
        Assert.DoesNotContain("mover", await other.ContentAsync(), StringComparison.Ordinal);
    }
}
