using Microsoft.Playwright;
using VirtualCore.Modules.Compute.Contracts;

namespace VirtualCore.Portal.Tests.Browser;

/// <summary>The portal in a real browser (Debian's Chromium): sign in, see rack servers, create, start and stop a VM, watch the job log live.</summary>
public sealed class PortalPageTests : PortalBrowserTests
{
    [Fact]
    public async Task A_customer_creates_starts_and_stops_a_vm_and_watches_the_job_log_live()
    {
        await using var context = await Browser.NewContextAsync();
        var page = await SignedInPageAsync(context);
        await Assertions.Expect(page.Locator(".empty-state")).ToContainTextAsync("No vServers yet");

        await page.ClickAsync("nav.mainnav >> text=Rack servers");
        await Assertions.Expect(page.Locator("[data-node]")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator("[data-node=rack-1]")).ToContainTextAsync("online");

        // The job log stays open in its own tab; it must follow everything without a reload.
        var log = await context.NewPageAsync();
        await log.GotoAsync(BaseUrl + "/jobs");
        await log.EvaluateAsync("() => window.__notReloaded = true");
        await Assertions.Expect(log.Locator("html[data-live=on]")).ToHaveCountAsync(1);

        await page.GotoAsync(BaseUrl + "/vms/new");
        await page.FillAsync("#name", "shop-1");
        await page.FillAsync("#vcpus", "2");
        await page.FillAsync("#memoryGiB", "2");
        await page.FillAsync("#diskGiB", "40");
        await page.SelectOptionAsync("#isoName", "debian-12.8.0-amd64-netinst");
        await page.ClickAsync("button:has-text('Create vServer')");
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/vms/[0-9a-f-]{36}$"));
        var badge = page.Locator("#vm-detail [data-vm-state]");
        await Assertions.Expect(badge).ToHaveTextAsync(VmStates.ShutOff);

        await page.ClickAsync("button[data-action=start]");
        await Assertions.Expect(badge).ToHaveTextAsync(VmStates.Running);
        await Assertions.Expect(page.Locator("button[data-action=shutdown]")).ToBeEnabledAsync();
        await page.ClickAsync("button[data-action=shutdown]");
        await Assertions.Expect(badge).ToHaveTextAsync(VmStates.ShutOff);

        var rows = log.Locator("#job-table tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(3);
        await Assertions.Expect(rows.Nth(0)).ToContainTextAsync("shutdown (demo)");
        await Assertions.Expect(rows.Nth(1)).ToContainTextAsync("start (demo)");
        await Assertions.Expect(rows.Nth(2)).ToContainTextAsync("create (demo)");
        foreach (var i in new[] { 0, 1, 2 })
        {
            await Assertions.Expect(rows.Nth(i).Locator(".badge")).ToHaveTextAsync(JobStatuses.Completed);
            await Assertions.Expect(rows.Nth(i)).ToContainTextAsync("shop-1");
        }

        Assert.True(await log.EvaluateAsync<bool>("() => window.__notReloaded === true"));
        Assert.Equal(VmStates.ShutOff, (await Portal.Demo().GetAsync<VmView[]>("/api/v1/vms")).Single().State);
    }

    [Fact]
    public async Task The_job_log_shows_a_job_go_from_queued_to_completed_without_a_reload()
    {
        var api = Portal.Demo();
        var created = await api.CreateVmAsync("waiting");
        await api.CompleteAsync(Task.FromResult(created));
        var vm = await api.GetAsync<VmView>($"/api/v1/vms/{created.VmId}");

        await using var context = await Browser.NewContextAsync();
        var page = await SignedInPageAsync(context);
        await page.GotoAsync(BaseUrl + "/jobs");
        await Assertions.Expect(page.Locator("html[data-live=on]")).ToHaveCountAsync(1);
        await page.EvaluateAsync("() => window.__notReloaded = true");

        await Portal.Agents[vm.NodeName].StopAsync();
        var start = await api.ActAsync(vm.Id, "start");
        var row = page.Locator($"#job-table tr[data-job-id='{start.JobId}']");
        await Assertions.Expect(row.Locator(".badge")).ToHaveTextAsync(JobStatuses.Queued);

        await Portal.Agents[vm.NodeName].StartAsync(default);
        await Assertions.Expect(row.Locator(".badge")).ToHaveTextAsync(JobStatuses.Completed);
        await Assertions.Expect(row).ToContainTextAsync("Running on");
        Assert.True(await page.EvaluateAsync<bool>("() => window.__notReloaded === true"));
    }

    [Fact]
    public async Task A_customer_edits_the_hardware_of_a_running_vm_through_the_form_and_sees_what_waits_for_the_next_boot()
    {
        var api = Portal.Demo();
        var created = await api.CreateVmAsync("tuned");
        await api.CompleteAsync(Task.FromResult(created));
        await api.CompleteAsync(api.ActAsync(created.VmId, "start"));

        await using var context = await Browser.NewContextAsync();
        var page = await SignedInPageAsync(context);
        await page.GotoAsync($"{BaseUrl}/vms/{created.VmId}");
        await page.ClickAsync("#edit-hardware");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/vms/{created.VmId}/hardware$"));
        await Assertions.Expect(page.Locator("[data-timing=vcpus]")).ToContainTextAsync("more at the next boot");
        await Assertions.Expect(page.Locator("[data-timing=nic-model]")).ToContainTextAsync("At the next boot");
        await Assertions.Expect(page.Locator("#vcpus")).ToHaveValueAsync("1");
        await page.FillAsync("#vcpus", "2");
        await page.SelectOptionAsync("#bootOrder", "cdrom,disk");
        await page.SelectOptionAsync("#nicModel", "e1000");
        await page.ClickAsync("button:has-text('Apply changes')");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/vms/{created.VmId}$"));
        var row = page.Locator("#job-table tbody tr").First;
        await Assertions.Expect(row).ToContainTextAsync("hardware (demo)");
        await Assertions.Expect(row.Locator(".badge")).ToHaveTextAsync(JobStatuses.Completed);
        await Assertions.Expect(row).ToContainTextAsync("At the next boot: vCPUs, boot order, NIC model.");

        // Without a reload by hand: the page shows the VM as it is once the change has finished.
        await Assertions.Expect(page.Locator("#next-boot")).ToContainTextAsync("Takes effect at next boot: vCPUs, boot order, NIC model.");

        var vm = await api.GetAsync<VmView>($"/api/v1/vms/{created.VmId}");
        Assert.Equal((2, "e1000", "virtio"), (vm.VCpus, vm.NicModel, vm.DiskBus));
        Assert.Equal(["cdrom", "disk"], vm.BootOrder);
    }

    [Fact]
    public async Task A_customer_exports_a_stopped_vms_disk_and_downloads_it_from_the_vm_page()
    {
        var api = Portal.Demo();
        var created = await api.CreateVmAsync("exported");
        await api.CompleteAsync(Task.FromResult(created));

        await using var context = await Browser.NewContextAsync(new BrowserNewContextOptions { AcceptDownloads = true });
        var page = await SignedInPageAsync(context);
        await page.GotoAsync($"{BaseUrl}/vms/{created.VmId}");
        var section = page.Locator("#disk-exports");
        await Assertions.Expect(section).ToContainTextAsync("No exports.");
        await section.Locator("#export-format").SelectOptionAsync("raw");
        await section.Locator("button:has-text('Export the disk')").ClickAsync();

        // Without a reload by hand: the page shows the export once its job has finished.
        var download = section.Locator("a:has-text('Download')");
        await Assertions.Expect(download).ToBeVisibleAsync(new LocatorAssertionsToBeVisibleOptions { Timeout = 30_000 });
        await Assertions.Expect(section.Locator("tbody tr")).ToContainTextAsync("the disk as it was");
        await Assertions.Expect(section.Locator("tbody tr")).ToContainTextAsync("16 MiB");
        var file = await page.RunAndWaitForDownloadAsync(() => download.ClickAsync());
        Assert.Matches("^exported-[0-9]{8}-[0-9]{6}\\.raw$", file.SuggestedFilename);
        var path = await file.PathAsync();
        Assert.Equal(16L << 20, new FileInfo(path).Length);

        await section.Locator("button:has-text('Delete')").ClickAsync();
        await Assertions.Expect(section).ToContainTextAsync("No exports.", new LocatorAssertionsToContainTextOptions { Timeout = 30_000 });
    }

    [Fact]
    public async Task The_create_form_names_the_wrong_field_and_keeps_the_input()
    {
        await using var context = await Browser.NewContextAsync();
        var page = await SignedInPageAsync(context);
        await page.GotoAsync(BaseUrl + "/vms/new");
        await page.FillAsync("#name", "Bad Name!");
        await page.FillAsync("#vcpus", "12");
        await page.ClickAsync("button:has-text('Create vServer')");

        await Assertions.Expect(page.Locator(".alert-error")).ToContainTextAsync("not created");
        await Assertions.Expect(page.Locator("#name-error")).ToContainTextAsync("lower-case");
        await Assertions.Expect(page.Locator("#vcpus-error")).ToContainTextAsync("1 to 8");
        await Assertions.Expect(page.Locator("#name")).ToHaveValueAsync("Bad Name!");
        await Assertions.Expect(page.Locator("#name")).ToHaveAttributeAsync("aria-invalid", "true");
        Assert.Empty(await Portal.Demo().GetAsync<VmView[]>("/api/v1/vms"));
    }

    [Fact]
    public async Task The_cloud_init_part_of_the_create_form_names_its_wrong_fields_never_shows_the_password_again_and_creates_the_vm()
    {
        await using var context = await Browser.NewContextAsync();
        var page = await SignedInPageAsync(context);
        await page.GotoAsync(BaseUrl + "/vms/new");
        await page.FillAsync("#name", "seeded-web");
        await page.ClickAsync("#cloud-init > summary");
        await page.CheckAsync("input[name=cloudInit]");
        await page.FillAsync("#hostname", "web_1.example.test");
        await page.FillAsync("#sshKeys", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHWQSCHC9CVT6OvNaSncq2nd/7GfMbzEplmb3XnFAUCf ops@example.test\nssh-ed25519 AAAA-not-a-key");
        await page.FillAsync("#password", "Zq7x");
        await page.FillAsync("#userData", "#cloud-config\npackages: [nginx]");
        await page.ClickAsync("button:has-text('Create vServer')");

        await Assertions.Expect(page.Locator(".alert-error")).ToContainTextAsync("not created");
        await Assertions.Expect(page.Locator("#cloud-init")).ToHaveAttributeAsync("open", "");
        await Assertions.Expect(page.Locator("[id='cloudInit.hostname-error']")).ToContainTextAsync("host name");
        await Assertions.Expect(page.Locator("[id='cloudInit.sshAuthorizedKeys-error']")).ToContainTextAsync("Key 2:");
        await Assertions.Expect(page.Locator("[id='cloudInit.password-error']")).ToContainTextAsync("8 to 128");
        await Assertions.Expect(page.Locator("#hostname")).ToHaveValueAsync("web_1.example.test");
        await Assertions.Expect(page.Locator("#userData")).ToHaveValueAsync("#cloud-config\npackages: [nginx]");
        await Assertions.Expect(page.Locator("#password")).ToHaveValueAsync("");
        Assert.DoesNotContain("Zq7x", await page.ContentAsync(), StringComparison.Ordinal);

        await page.FillAsync("#hostname", "web-1.example.test");
        await page.FillAsync("#sshKeys", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHWQSCHC9CVT6OvNaSncq2nd/7GfMbzEplmb3XnFAUCf ops@example.test");
        await page.FillAsync("#password", "correct horse battery");
        await page.ClickAsync("button:has-text('Create vServer')");
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/vms/[0-9a-f-]{36}$"));
        var vm = Assert.Single(await Portal.Demo().GetAsync<VmView[]>("/api/v1/vms"));
        Assert.Equal("seeded-web", vm.Name);
    }

    [Fact]
    public async Task A_wrong_password_is_refused_without_saying_which_part_was_wrong()
    {
        await using var context = await Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(BaseUrl + "/login");
        await page.FillAsync("#userName", "demo");
        await page.FillAsync("#password", "not-the-password");
        await page.ClickAsync("form[action='/login'] button[type=submit]");
        await Assertions.Expect(page.Locator(".alert-error")).ToHaveTextAsync(VirtualCore.Modules.Identity.Features.Login.LoginOutcome.Refusal);
        Assert.EndsWith("/login", page.Url);
    }
}
