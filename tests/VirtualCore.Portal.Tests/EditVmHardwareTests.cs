using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Xml.Linq;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Domain;
using VirtualCore.Modules.Identity.Features.Users;
using VirtualCore.Modules.Infrastructure.Contracts;

namespace VirtualCore.Portal.Tests;

/// <summary>
/// Hardware edits through the API reach libvirt's definition of the domain (read back with virsh from the rack
/// server's node file) and the portal's records; whatever cannot be done is refused before any job starts.
/// </summary>
public sealed class EditVmHardwareTests : IAsyncLifetime
{
    private readonly PortalFixture _portal = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task More_vcpus_get_free_dedicated_cores_on_the_same_rack_server_and_fewer_give_them_back()
    {
        var api = _portal.Demo();
        var grower = await CreatedAsync(api, "grower", vcpus: 2);
        var other = await CreatedAsync(api, "elsewhere", vcpus: 2);
        var neighbour = await CreatedAsync(api, "neighbour", vcpus: 1);
        Assert.NotEqual(grower.NodeName, other.NodeName);
        Assert.Equal(grower.NodeName, neighbour.NodeName);
        var neighbourPins = await PinsAsync(neighbour);

        var grown = await api.CompleteAsync(EditAsync(api, grower.Id, new { vCpus = 3 }));
        Assert.Equal(EditVmHardwareHandlerAction, grown.Action);
        var vm = await api.GetAsync<VmView>($"/api/v1/vms/{grower.Id}");
        Assert.Equal(3, vm.VCpus);
        Assert.Equal(3, vm.PinnedCores.Count);
        Assert.Equal(vm.PinnedCores, (await PinsAsync(vm)).Order());
        Assert.Equal(3, await VcpuCountAsync(vm));
        Assert.Equal(neighbourPins, await PinsAsync(neighbour));
        await AssertNoCoreSharedAsync();

        // The rack server has no core left: the refusal says so, and nothing is queued or held.
        var jobs = await _portal.CountAsync<Job>();
        var refused = await api.PatchAsJsonAsync($"/api/v1/vms/{grower.Id}/hardware", new { vCpus = 4 });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var reason = (await refused.ProblemAsync()).GetProperty("errors").GetProperty("vcpus")[0].GetString();
        Assert.Contains($"{vm.NodeName} has 0 dedicated cores free", reason);
        Assert.Contains("at most 3 vCPUs", reason);
        Assert.Equal(jobs, await _portal.CountAsync<Job>());
        Assert.Equal(6, await _portal.CountAsync<CoreAllocation>());
        Assert.Equal(0, await _portal.CountAsync<HardwareEdit>());

        await api.CompleteAsync(EditAsync(api, grower.Id, new { vCpus = 1 }));
        vm = await api.GetAsync<VmView>($"/api/v1/vms/{grower.Id}");
        Assert.Equal((1, 1), (vm.VCpus, vm.PinnedCores.Count));
        Assert.Equal(vm.PinnedCores, await PinsAsync(vm));
        Assert.Equal(1, await VcpuCountAsync(vm));
        var node = (await api.GetAsync<NodeUsageView[]>("/api/v1/nodes")).Single(n => n.Name == vm.NodeName);
        Assert.Equal(2, node.UsedCores);
        await AssertNoCoreSharedAsync();

        // The cores it gave back serve another VM.
        var after = await CreatedAsync(api, "after-shrink", vcpus: 2);
        Assert.Equal(vm.NodeName, after.NodeName);
        await AssertNoCoreSharedAsync();
    }

    [Fact]
    public async Task Ram_grows_as_far_as_the_rack_server_has_it_free_and_a_running_vm_says_what_waits_for_its_next_boot()
    {
        var api = _portal.Demo();
        var vm = await CreatedAsync(api, "memory", memoryGiB: 2);

        var refused = await api.PatchAsJsonAsync($"/api/v1/vms/{vm.Id}/hardware", new { memoryGiB = 9 });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var reason = (await refused.ProblemAsync()).GetProperty("errors").GetProperty("memoryGiB")[0].GetString();
        Assert.Contains($"{vm.NodeName} has 6 GiB of RAM free", reason);
        Assert.Contains("at most 8 GiB", reason);
        Assert.Equal(2L << 30, await MemoryBytesAsync(vm));

        await api.CompleteAsync(EditAsync(api, vm.Id, new { memoryGiB = 8 }));
        Assert.Equal(8L << 30, await MemoryBytesAsync(vm));
        Assert.Equal(8, (await api.GetAsync<VmView>($"/api/v1/vms/{vm.Id}")).MemoryGiB);
        Assert.Equal(8L << 30, (await api.GetAsync<NodeUsageView[]>("/api/v1/nodes")).Single(n => n.Name == vm.NodeName).UsedMemoryBytes);

        // Running: less RAM reaches the guest at once, another vCPU only when it boots again.
        await api.CompleteAsync(api.ActAsync(vm.Id, "start"));
        var job = await api.CompleteAsync(EditAsync(api, vm.Id, new { memoryGiB = 4, vCpus = 2 }));
        Assert.Contains("Applied now: RAM.", job.Info);
        Assert.Contains("At the next boot: vCPUs.", job.Info);
        var running = await api.GetAsync<VmView>($"/api/v1/vms/{vm.Id}");
        Assert.Equal((VmStates.Running, 4, 2), (running.State, running.MemoryGiB, running.VCpus));
        Assert.Equal(["vcpus"], running.NextBootChanges);
        Assert.Equal(4L << 30, await MemoryBytesAsync(vm));
        Assert.Equal(2, await VcpuCountAsync(vm));

        using var browser = _portal.Session();
        Assert.Equal("/vms", await browser.SignInAsync("demo", "demo-pass-1"));
        var page = await browser.Client.GetStringAsync($"/vms/{vm.Id}");
        Assert.Contains("Takes effect at next boot: vCPUs.", page);
        Assert.Contains("data-next-boot=\"vcpus\"", page);
        Assert.DoesNotContain("data-next-boot=\"memory\"", page);

        // Once off, it boots with everything: nothing waits any more.
        await api.CompleteAsync(api.ActAsync(vm.Id, "power-off"));
        Assert.Empty((await api.GetAsync<VmView>($"/api/v1/vms/{vm.Id}")).NextBootChanges);
        Assert.DoesNotContain("Takes effect at next boot", await browser.Client.GetStringAsync($"/vms/{vm.Id}"));
    }

    [Fact]
    public async Task A_vm_created_with_cloud_init_options_gets_its_seed_drive_which_iso_changes_leave_alone()
    {
        var api = _portal.Demo();
        await WaitForCapabilitiesAsync(_portal);
        var created = await api.PostAsJsonAsync("/api/v1/vms", new
        {
            name = "seeded",
            vcpus = 1,
            memoryGiB = 1,
            diskGiB = 20,
            isoName = "debian-12.8.0-amd64-netinst",
            cloudInit = new { hostname = "seeded.example.test", password = "correct horse battery", sshAuthorizedKeys = new[] { "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHWQSCHC9CVT6OvNaSncq2nd/7GfMbzEplmb3XnFAUCf ops@example.test" } },
        });
        Assert.True(created.StatusCode == HttpStatusCode.Accepted, await created.Content.ReadAsStringAsync());
        var accepted = (await created.Content.ReadFromJsonAsync<JobAccepted>(Api.Json))!;
        Assert.Equal(JobStatuses.Completed, (await api.WaitForJobAsync(accepted.JobId, TimeSpan.FromSeconds(30))).Status);
        var vm = await api.GetAsync<VmView>($"/api/v1/vms/{accepted.VmId}");
        var seed = $"vm-{vm.Id:N}-cidata.iso";

        // The job's record keeps the command without the seed: its keys, password hash and user data are not kept.
        var command = await _portal.DbAsync(db => db.Set<Job>().Where(j => j.Id == accepted.JobId).Select(j => j.CommandJson).SingleAsync());
        Assert.Contains(vm.Id.ToString(), command, StringComparison.Ordinal);
        Assert.DoesNotContain("ssh-ed25519", command, StringComparison.Ordinal);
        Assert.DoesNotContain("$6$", command, StringComparison.Ordinal);
        Assert.DoesNotContain("seeded.example.test", command, StringComparison.Ordinal);

        var xml = await DomainXmlAsync(vm);
        Assert.Equal([await IsoPathAsync("debian-12.8.0-amd64-netinst"), seed], CdromSources(xml).Select(s => s!.EndsWith(seed, StringComparison.Ordinal) ? seed : s));
        Assert.Equal("ide", (string?)xml.Element("devices")!.Elements("disk").Last().Element("target")!.Attribute("bus"));

        await api.CompleteAsync(EditAsync(api, vm.Id, new { detachIso = true }));
        Assert.Equal([seed], CdromSources(await DomainXmlAsync(vm)).Select(Path.GetFileName));

        // A VM without options has no seed.
        var plain = await CreatedAsync(api, "unseeded");
        Assert.DoesNotContain(CdromSources(await DomainXmlAsync(plain)), s => s!.EndsWith("-cidata.iso", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cloud_init_options_outside_their_limits_are_refused_with_the_field_and_nothing_is_created()
    {
        var api = _portal.Demo();
        var before = (await api.GetAsync<VmView[]>("/api/v1/vms")).Length;
        var bad = new
        {
            name = "badseed",
            vcpus = 1,
            memoryGiB = 1,
            diskGiB = 20,
            isoName = (string?)null,
            cloudInit = new
            {
                hostname = "web\nfqdn: evil",
                sshAuthorizedKeys = new[] { "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHWQSCHC9CVT6OvNaSncq2nd/7GfMbzEplmb3XnFAUCf ops@example.test", "ssh-ed25519 AAAA" },
                password = "short",
                userData = "runcmd: [reboot]",
            },
        };

        var refused = await api.PostAsJsonAsync("/api/v1/vms", bad);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var errors = (await refused.ProblemAsync()).GetProperty("errors");
        Assert.Equal(
            ["cloudInit.hostname", "cloudInit.password", "cloudInit.sshAuthorizedKeys[1]", "cloudInit.userData"],
            errors.EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.Equal(before, (await api.GetAsync<VmView[]>("/api/v1/vms")).Length);
    }

    [Fact]
    public async Task The_iso_is_detached_and_attached_and_boot_order_disk_bus_and_nic_model_change_in_the_definition()
    {
        var api = _portal.Demo();
        var vm = await CreatedAsync(api, "devices");
        await WaitForCapabilitiesAsync(_portal);
        var isos = await api.GetAsync<IsoImageView[]>("/api/v1/isos");
        var debian = isos.Single(i => i.Name == "debian-12.8.0-amd64-netinst");
        Assert.Equal([await IsoPathAsync(debian.Name)], CdromSources(await DomainXmlAsync(vm)));

        await api.CompleteAsync(EditAsync(api, vm.Id, new { detachIso = true }));
        Assert.Null((await api.GetAsync<VmView>($"/api/v1/vms/{vm.Id}")).IsoName);
        Assert.Empty(CdromSources(await DomainXmlAsync(vm)));

        var other = isos.First(i => i.Name != debian.Name);
        await api.CompleteAsync(EditAsync(api, vm.Id, new { isoName = other.Name, bootOrder = new[] { "cdrom", "disk" }, diskBus = "sata", nicModel = "e1000" }));
        var edited = await api.GetAsync<VmView>($"/api/v1/vms/{vm.Id}");
        Assert.Equal((other.Name, "sata", "e1000"), (edited.IsoName, edited.DiskBus, edited.NicModel));
        Assert.Equal(["cdrom", "disk"], edited.BootOrder);
        Assert.Empty(edited.NextBootChanges);

        var xml = await DomainXmlAsync(vm);
        Assert.Equal([await IsoPathAsync(other.Name)], CdromSources(xml));
        Assert.Equal(["cdrom", "hd"], xml.Element("os")!.Elements("boot").Select(b => (string?)b.Attribute("dev")));
        Assert.All(Disks(xml), d => Assert.Equal("sata", (string?)d.Element("target")!.Attribute("bus")));
        Assert.Equal(["e1000"], xml.Element("devices")!.Elements("interface").Select(i => (string?)i.Element("model")?.Attribute("type")));

        await api.CompleteAsync(EditAsync(api, vm.Id, new { bootOrder = new[] { "network", "disk" }, diskBus = "virtio", nicModel = "virtio" }));
        xml = await DomainXmlAsync(vm);
        Assert.Equal(["network", "hd"], xml.Element("os")!.Elements("boot").Select(b => (string?)b.Attribute("dev")));
        Assert.All(Disks(xml), d => Assert.Equal("virtio", (string?)d.Element("target")!.Attribute("bus")));
        Assert.Equal(["virtio"], xml.Element("devices")!.Elements("interface").Select(i => (string?)i.Element("model")?.Attribute("type")));
    }

    [Fact]
    public async Task Only_a_user_who_manages_the_vm_changes_its_hardware_another_customer_does_not_find_it()
    {
        var admin = _portal.ApiClient("baecker", "baecker-pass-1");
        admin.BaseAddress = new Uri("http://kamp.localhost");
        var geselle = _portal.ApiClient("geselle", "geselle-pass-1");
        geselle.BaseAddress = new Uri("http://kamp.localhost");
        var vm = await CreatedAsync(admin, "shop-hw");
        var geselleId = (await admin.GetAsync<UserView[]>("/api/v1/users")).Single(u => u.UserName == "geselle").Id;
        using var browser = _portal.Session("kamp.localhost");
        Assert.Equal("/vms", await browser.SignInAsync("geselle", "geselle-pass-1"));

        foreach (var level in new[] { "view", "operate" })
        {
            var granted = await admin.PostAsJsonAsync($"/api/v1/users/{geselleId}/grants", new { vmId = vm.Id, level });
            Assert.True(granted.IsSuccessStatusCode, await granted.Content.ReadAsStringAsync());
            var refused = await geselle.PatchAsJsonAsync($"/api/v1/vms/{vm.Id}/hardware", new { vCpus = 2 });
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await browser.Client.GetAsync($"/vms/{vm.Id}/hardware")).StatusCode);
            Assert.DoesNotContain("Edit hardware", await browser.Client.GetStringAsync($"/vms/{vm.Id}"));
        }

        Assert.Equal(HttpStatusCode.NotFound, (await _portal.Other().PatchAsJsonAsync($"/api/v1/vms/{vm.Id}/hardware", new { vCpus = 2 })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _portal.Demo().PatchAsJsonAsync($"/api/v1/vms/{vm.Id}/hardware", new { vCpus = 2 })).StatusCode);
        Assert.Single(await admin.GetAsync<JobView[]>($"/api/v1/jobs?vmId={vm.Id}"));
        Assert.Equal(1, (await admin.GetAsync<VmView>($"/api/v1/vms/{vm.Id}")).VCpus);

        var granted2 = await admin.PostAsJsonAsync($"/api/v1/users/{geselleId}/grants", new { vmId = vm.Id, level = "manage" });
        Assert.True(granted2.IsSuccessStatusCode, await granted2.Content.ReadAsStringAsync());
        await geselle.CompleteAsync(EditAsync(geselle, vm.Id, new { vCpus = 2 }));
        Assert.Equal(2, (await admin.GetAsync<VmView>($"/api/v1/vms/{vm.Id}")).VCpus);
    }

    [Fact]
    public async Task A_change_while_another_job_is_open_is_refused_and_holds_nothing()
    {
        var api = _portal.Demo();
        var vm = await CreatedAsync(api, "busy-hw");
        await _portal.Agents[vm.NodeName].StopAsync();
        var start = await api.ActAsync(vm.Id, "start");

        var refused = await api.PatchAsJsonAsync($"/api/v1/vms/{vm.Id}/hardware", new { vCpus = 2, memoryGiB = 2 });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("Another job", (await refused.ProblemAsync()).GetProperty("detail").GetString());
        Assert.Equal(1, await _portal.CountAsync<CoreAllocation>());
        Assert.Equal(0, await _portal.CountAsync<HardwareEdit>());

        await _portal.Agents[vm.NodeName].StartAsync(default);
        await api.CompleteAsync(Task.FromResult(start));
        Assert.Empty(await api.GetAsync<JobView[]>($"/api/v1/jobs?vmId={vm.Id}&action=hardware"));
        Assert.Equal(1, await VcpuCountAsync(vm));
    }

    [Fact]
    public async Task A_parked_vm_keeps_its_hardware_until_it_is_unparked()
    {
        var api = _portal.Demo();
        var vm = await CreatedAsync(api, "parked-hw");
        await api.CompleteAsync(api.ActAsync(vm.Id, "start"));
        await api.CompleteAsync(api.ActAsync(vm.Id, "park"));

        var refused = await api.PatchAsJsonAsync($"/api/v1/vms/{vm.Id}/hardware", new { nicModel = "e1000" });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("unpark it", (await refused.ProblemAsync()).GetProperty("detail").GetString());
        Assert.Empty(await api.GetAsync<JobView[]>($"/api/v1/jobs?vmId={vm.Id}&action=hardware"));

        await api.CompleteAsync(api.ActAsync(vm.Id, "unpark"));
        await api.CompleteAsync(EditAsync(api, vm.Id, new { nicModel = "e1000" }));
        Assert.Equal(["nic-model"], (await api.GetAsync<VmView>($"/api/v1/vms/{vm.Id}")).NextBootChanges);
    }

    [Fact]
    public async Task Extra_cores_and_ram_are_held_while_the_job_waits_and_given_back_when_it_fails()
    {
        var api = _portal.Demo();
        var vm = await CreatedAsync(api, "held");
        var agent = _portal.Agents[vm.NodeName];
        await agent.StopAsync();
        var accepted = await EditAsync(api, vm.Id, new { vCpus = 3, memoryGiB = 5 });

        // Queued, not yet on the rack server: its two extra cores and 4 GiB are already taken for it.
        var node = (await api.GetAsync<NodeUsageView[]>("/api/v1/nodes")).Single(n => n.Name == vm.NodeName);
        Assert.Equal((3, 5L << 30), (node.UsedCores, node.UsedMemoryBytes));
        var waiting = await api.GetAsync<VmView>($"/api/v1/vms/{vm.Id}");
        Assert.Equal((1, 1), (waiting.VCpus, waiting.MemoryGiB));

        // The domain disappears from the rack server behind the portal's back, so the change fails there.
        var nodeFile = Path.Combine(_portal.DataDirectory, "nodes", vm.NodeName + ".xml");
        var description = XDocument.Load(nodeFile);
        description.Root!.Elements("domain").Where(d => (string?)d.Element("uuid") == vm.Id.ToString()).Remove();
        description.Save(nodeFile);
        await agent.StartAsync(default);
        var job = await api.WaitForJobAsync(accepted.JobId);
        Assert.Equal(JobStatuses.Failed, job.Status);
        node = (await api.GetAsync<NodeUsageView[]>("/api/v1/nodes")).Single(n => n.Name == vm.NodeName);
        Assert.Equal((1, 1L << 30), (node.UsedCores, node.UsedMemoryBytes));
        Assert.Equal(0, await _portal.CountAsync<HardwareEdit>());
        Assert.Equal(vm.PinnedCores, (await api.GetAsync<VmView>($"/api/v1/vms/{vm.Id}")).PinnedCores);
    }

    private const string EditVmHardwareHandlerAction = "hardware";

    private async Task<VmView> CreatedAsync(HttpClient api, string name, int vcpus = 1, int memoryGiB = 1)
    {
        var created = await api.CreateVmAsync(name, vcpus, memoryGiB);
        await api.CompleteAsync(Task.FromResult(created));
        return await api.GetAsync<VmView>($"/api/v1/vms/{created.VmId}");
    }

    internal static async Task<JobAccepted> EditAsync(HttpClient api, Guid vmId, object change)
    {
        var response = await api.PatchAsJsonAsync($"/api/v1/vms/{vmId}/hardware", change);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"edit: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JobAccepted>(Api.Json))!;
    }

    private async Task AssertNoCoreSharedAsync()
    {
        var cores = await _portal.DbAsync(db => db.Set<CoreAllocation>().Select(c => new { c.NodeName, c.Core, c.VmId }).ToListAsync());
        Assert.Equal(cores.Count, cores.Select(c => (c.NodeName, c.Core)).Distinct().Count());

        // And libvirt pins every domain on a rack server to cores no other domain there has.
        foreach (var byNode in cores.GroupBy(c => c.NodeName))
        {
            var pinned = new List<int>();
            foreach (var vmId in byNode.Select(c => c.VmId).Distinct())
            {
                var pins = await PinsAsync(byNode.Key, vmId);
                Assert.Equal(byNode.Where(c => c.VmId == vmId).Select(c => c.Core).Order(), pins.Order());
                pinned.AddRange(pins);
            }

            Assert.Equal(pinned.Count, pinned.Distinct().Count());
        }
    }

    private Task<IReadOnlyList<int>> PinsAsync(VmView vm) => PinsAsync(vm.NodeName, vm.Id);

    private async Task<IReadOnlyList<int>> PinsAsync(string node, Guid vmId) =>
        (await DomainXmlAsync(node, vmId)).Element("cputune")?.Elements("vcpupin").Select(p => int.Parse((string)p.Attribute("cpuset")!, System.Globalization.CultureInfo.InvariantCulture)).ToList() ?? [];

    private async Task<int> VcpuCountAsync(VmView vm) => (int)(await DomainXmlAsync(vm)).Element("vcpu")!;

    private async Task<long> MemoryBytesAsync(VmView vm)
    {
        var memory = (await DomainXmlAsync(vm)).Element("memory")!;
        Assert.Equal("KiB", (string?)memory.Attribute("unit"));
        return (long)memory * 1024;
    }

    private Task<XElement> DomainXmlAsync(VmView vm) => DomainXmlAsync(vm.NodeName, vm.Id);

    /// <summary>Where the image lies on the rack servers, as the portal asks itself (users never see it).</summary>
    private async Task<string> IsoPathAsync(string name)
    {
        await using var scope = _portal.Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<ISender>().Send(new GetIsoImageFile(name)))!.Path;
    }

    /// <summary>The domain's persistent definition as libvirt reads it from the rack server's node file (virsh dumpxml --inactive).</summary>
    private async Task<XElement> DomainXmlAsync(string node, Guid vmId)
    {
        var uri = "test://" + Path.GetFullPath(NodeFile.FoldedCopy(Path.Combine(_portal.DataDirectory, "nodes", node + ".xml"), _portal.DataDirectory));
        using var virsh = Process.Start(new ProcessStartInfo("virsh", ["-c", uri, "dumpxml", "--inactive", vmId.ToString()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = virsh.StandardOutput.ReadToEndAsync();
        var errors = virsh.StandardError.ReadToEndAsync();
        await virsh.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        Assert.True(virsh.ExitCode == 0, await errors);
        return XElement.Parse(await output);
    }

    private static IReadOnlyList<string?> CdromSources(XElement domain) =>
        domain.Element("devices")!.Elements("disk").Where(d => (string?)d.Attribute("device") == "cdrom").Select(d => (string?)d.Element("source")?.Attribute("file")).ToList();

    private static IEnumerable<XElement> Disks(XElement domain) =>
        domain.Element("devices")!.Elements("disk").Where(d => (string?)d.Attribute("device") is null or "disk");

    /// <summary>Waits until every compute rack server has reported its adapter's capabilities (they come with heartbeats).</summary>
    internal static async Task WaitForCapabilitiesAsync(PortalFixture portal)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            await using (var scope = portal.Services.CreateAsyncScope())
            {
                var servers = await scope.ServiceProvider.GetRequiredService<ISender>().Send(new ListRackServers(), cts.Token);
                if (servers.Where(s => s.Role == "compute").All(s => s.Capabilities is { Count: > 0 }))
                {
                    return;
                }
            }

            await Task.Delay(100, cts.Token);
        }
    }
}

/// <summary>Every refused hardware change names its field and reason, starts no job and leaves the VM and the rack server as they were.</summary>
public sealed class EditVmHardwareBadInputTests : IClassFixture<EditVmHardwareBadInputTests.Portal>
{
    public sealed class Portal : IAsyncLifetime
    {
        public PortalFixture Fixture { get; } = new();

        public VmView Vm { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            var api = Fixture.Demo();
            var created = await api.CreateVmAsync("fixed", vcpus: 2, memoryGiB: 2, diskGiB: 20);
            await api.CompleteAsync(Task.FromResult(created));
            Vm = await api.GetAsync<VmView>($"/api/v1/vms/{created.VmId}");
            await EditVmHardwareTests.WaitForCapabilitiesAsync(Fixture);
        }

        public async Task DisposeAsync() => await Fixture.DisposeAsync();
    }

    private readonly Portal _portal;

    public EditVmHardwareBadInputTests(Portal portal) => _portal = portal;

    public static TheoryData<string, object, string> BadChanges => new()
    {
        { "vcpus", new { vCpus = 0 }, "1 to 8" },
        { "vcpus", new { vCpus = 9 }, "1 to 8" },
        { "memoryGiB", new { memoryGiB = 0 }, "1 to 16" },
        { "memoryGiB", new { memoryGiB = 17 }, "1 to 16" },
        { "diskGiB", new { diskGiB = 2049 }, "10 to 2048" },
        { "diskGiB", new { diskGiB = 9 }, "10 to 2048" },
        { "diskGiB", new { diskGiB = 15 }, "only grows" },
        { "diskGiB", new { diskGiB = 40 }, "cannot grow disks" },
        { "isoName", new { isoName = "../../etc/passwd" }, "ISO library" },
        { "isoName", new { isoName = "debian-12.8.0-amd64-netinst", detachIso = true }, "not both" },
        { "bootOrder", new { bootOrder = new[] { "floppy" } }, "each at most once" },
        { "bootOrder", new { bootOrder = new[] { "disk", "disk" } }, "each at most once" },
        { "bootOrder", new { bootOrder = Array.Empty<string>() }, "each at most once" },
        { "diskBus", new { diskBus = "ide" }, "virtio, sata" },
        { "nicModel", new { nicModel = "rtl8139" }, "virtio, e1000" },
        { "hardware", new { }, "change at least one" },
        { "hardware", new { vCpus = 2, memoryGiB = 2, diskGiB = 20, isoName = "debian-12.8.0-amd64-netinst", bootOrder = new[] { "disk", "cdrom" }, diskBus = "virtio", nicModel = "virtio" }, "change at least one" },
    };

    [Theory]
    [MemberData(nameof(BadChanges))]
    public async Task A_bad_change_is_refused_naming_the_field_and_nothing_changes(string field, object body, string reason)
    {
        var fixture = _portal.Fixture;
        var jobs = await fixture.CountAsync<Job>();
        var cores = await fixture.CountAsync<CoreAllocation>();
        var before = await fixture.Demo().GetAsync<VmView>($"/api/v1/vms/{_portal.Vm.Id}");

        var response = await fixture.Demo().PatchAsJsonAsync($"/api/v1/vms/{_portal.Vm.Id}/hardware", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await response.ProblemAsync()).GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out var reasons), $"no error for {field}: {errors}");
        Assert.Contains(reason, reasons[0].GetString());
        Assert.Equal(jobs, await fixture.CountAsync<Job>());
        Assert.Equal(cores, await fixture.CountAsync<CoreAllocation>());
        Assert.Equal(0, await fixture.CountAsync<HardwareEdit>());
        var after = await fixture.Demo().GetAsync<VmView>($"/api/v1/vms/{_portal.Vm.Id}");
        Assert.Equal(
            (before.VCpus, before.MemoryGiB, before.DiskGiB, before.IsoName, before.DiskBus, before.NicModel, string.Join(',', before.BootOrder), string.Join(',', before.PinnedCores)),
            (after.VCpus, after.MemoryGiB, after.DiskGiB, after.IsoName, after.DiskBus, after.NicModel, string.Join(',', after.BootOrder), string.Join(',', after.PinnedCores)));
        var domain = (await fixture.Agents[_portal.Vm.NodeName].Adapter.ListDomainsAsync(default)).Single(d => d.Id == _portal.Vm.Id);
        Assert.Equal((2, 2L << 30), (domain.VCpus, domain.MemoryBytes));
    }

    [Fact]
    public async Task The_form_shows_current_values_free_capacity_and_timing_and_names_the_wrong_field()
    {
        var fixture = _portal.Fixture;
        using var browser = fixture.Session();
        Assert.Equal("/vms", await browser.SignInAsync("demo", "demo-pass-1"));
        var form = await browser.Client.GetStringAsync($"/vms/{_portal.Vm.Id}/hardware");
        Assert.Contains("id=\"vcpus\" name=\"vcpus\" type=\"number\" min=\"1\" max=\"4\" value=\"2\"", form);
        Assert.Contains("2 dedicated cores and 6 GiB of RAM free on this rack server now", form);
        Assert.Contains("every change applies when it next starts", form);
        Assert.Contains("cannot grow disks", form);
        Assert.Contains("<option value=\"\">None (empty drive)</option>", form);
        Assert.Contains("<option value=\"debian-12.8.0-amd64-netinst\" selected>", form);
        Assert.Contains("<option value=\"disk,cdrom\" selected>", form);
        Assert.Contains("<option value=\"e1000\">", form);

        var refused = await browser.PostFormAsync(
            $"/vms/{_portal.Vm.Id}/hardware",
            new Dictionary<string, string> { ["vcpus"] = "2", ["memoryGiB"] = "2", ["diskGiB"] = "12", ["isoName"] = "debian-12.8.0-amd64-netinst", ["bootOrder"] = "disk,cdrom", ["diskBus"] = "virtio", ["nicModel"] = "virtio" },
            $"/vms/{_portal.Vm.Id}/hardware");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var page = await refused.Content.ReadAsStringAsync();
        Assert.Contains("<span class=\"error\" id=\"diskGiB-error\">A disk only grows", page);
        Assert.Contains("value=\"12\"", page);
        Assert.Equal(0, await fixture.CountAsync<HardwareEdit>());
    }

    [Fact]
    public async Task The_api_description_has_the_hardware_endpoint()
    {
        var document = await _portal.Fixture.CreateClient().GetStringAsync("/openapi/v1.json");
        var paths = System.Text.Json.JsonDocument.Parse(document).RootElement.GetProperty("paths");
        var patch = paths.GetProperty("/api/v1/vms/{vmId}/hardware").GetProperty("patch");
        Assert.Contains("hardware", patch.GetProperty("summary").GetString());
        Assert.True(patch.GetProperty("responses").TryGetProperty("202", out _));
    }
}
