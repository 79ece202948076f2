using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Node.Contracts.V1;
using VirtualCore.Portal.Tests;

namespace VirtualCore.Security.Tests;

/// <summary>
/// A VM's name is its customer's word and repeats across tenants; on the rack server a domain is known by its VM id
/// only, and what a job tells a user never carries another domain's name or id. Nor does the ISO library show
/// where its files lie on the operator's hosts.
/// </summary>
public sealed class VmNamesTests : IAsyncLifetime
{
    private readonly PortalFixture _portal = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task Customers_of_two_resellers_run_VMs_of_one_name_on_one_rack_server_and_neither_hears_of_the_other()
    {
        var baecker = Customer("baecker", "kamp.localhost");
        var widget = Customer("widget", "acme.localhost");
        var kamp = await baecker.CreateVmAsync("shop-web", vcpus: 2);
        await baecker.CompleteAsync(Task.FromResult(kamp));

        // Every other rack server is filled (four cores each), so the second shop-web can only go where the first one is.
        var demo = _portal.Demo();
        for (var filler = 1; ; filler++)
        {
            var response = await demo.PostAsJsonAsync("/api/v1/vms", new { name = $"filler-{filler}", vCpus = 4, memoryGiB = 1, diskGiB = 20 });
            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
                break;
            }

            await demo.CompleteAsync(response.Content.ReadFromJsonAsync<JobAccepted>(Api.Json)!);
        }

        var acme = await widget.CreateVmAsync("shop-web", vcpus: 2);
        await widget.CompleteAsync(Task.FromResult(acme));
        await baecker.CompleteAsync(baecker.ActAsync(kamp.VmId, "start"));
        await widget.CompleteAsync(widget.ActAsync(acme.VmId, "start"));

        var kampVm = await baecker.GetAsync<VmView>($"/api/v1/vms/{kamp.VmId}");
        var acmeVm = await widget.GetAsync<VmView>($"/api/v1/vms/{acme.VmId}");
        Assert.Equal(kampVm.NodeName, acmeVm.NodeName);
        Assert.Equal((VmStates.Running, VmStates.Running), (kampVm.State, acmeVm.State));
        AssertNoMention(await baecker.GetAsync<JobView[]>($"/api/v1/jobs?vmId={kamp.VmId}"), acme.VmId);
        AssertNoMention(await widget.GetAsync<JobView[]>($"/api/v1/jobs?vmId={acme.VmId}"), kamp.VmId);

        // On the rack server each domain is named by its id; the customer's name is only its title.
        var domains = NodeDomains(kampVm.NodeName);
        Assert.Equal(("vm-" + kamp.VmId.ToString("N"), "shop-web"), domains[kamp.VmId]);
        Assert.Equal(("vm-" + acme.VmId.ToString("N"), "shop-web"), domains[acme.VmId]);
    }

    [Fact]
    public async Task A_failure_the_rack_server_words_with_another_domains_name_and_id_reaches_the_user_without_them()
    {
        var widget = Customer("widget", "acme.localhost");
        var created = await widget.CreateVmAsync("widget-api");
        await widget.CompleteAsync(Task.FromResult(created));
        var vm = await widget.GetAsync<VmView>($"/api/v1/vms/{created.VmId}");
        await _portal.Agents[vm.NodeName].StopAsync();
        var start = await widget.ActAsync(vm.Id, "start");

        // libvirt's own words name whatever stands in the way, whoever it belongs to; so may a third-party adapter's code.
        var stranger = Guid.NewGuid();
        await _portal.Services.GetRequiredService<IBus>().Publish(new NodeJobFailed(
            start.JobId,
            vm.NodeName,
            $"Could not start domain {vm.Id}: domain 'shop-web' vm-{stranger:N} is already active with uuid {stranger}",
            $"OperationFailed: {stranger}",
            DateTimeOffset.UtcNow,
            "shut-off"));
        var job = await widget.WaitForJobAsync(start.JobId);

        Assert.Equal(JobStatuses.Failed, job.Status);
        Assert.Contains("OperationFailed", job.Info, StringComparison.Ordinal);
        Assert.DoesNotContain("shop-web", job.Info, StringComparison.Ordinal);
        AssertNoMention([job], stranger);
    }

    [Fact]
    public async Task The_iso_library_shows_names_titles_and_sizes_but_never_where_the_files_lie()
    {
        var image = Path.Combine(_portal.DataDirectory, "rescue.iso");
        await File.WriteAllBytesAsync(image, new byte[12345]);
        await using var portal = new PortalFixture(settings: new Dictionary<string, string>
        {
            ["Infrastructure:IsoImages:0:Name"] = "rescue",
            ["Infrastructure:IsoImages:0:Title"] = "Rescue system",
            ["Infrastructure:IsoImages:0:Path"] = image,
            ["Infrastructure:IsoImages:1:Name"] = "elsewhere",
            ["Infrastructure:IsoImages:1:Title"] = "Elsewhere",
            ["Infrastructure:IsoImages:1:Path"] = "/srv/iso/not-on-the-portal.iso",
        });
        var widget = portal.ApiClient("widget", "widget-pass-1");
        widget.BaseAddress = new Uri("http://acme.localhost");

        var json = await widget.GetStringAsync("/api/v1/isos");

        Assert.DoesNotContain("/", json, StringComparison.Ordinal);
        var isos = JsonDocument.Parse(json).RootElement.EnumerateArray().ToList();
        Assert.All(isos, iso => Assert.DoesNotContain(iso.EnumerateObject(), p => p.Name.Contains("path", StringComparison.OrdinalIgnoreCase)));
        Assert.Equal(
            new (string?, string?, long?)[] { ("elsewhere", "Elsewhere", null), ("rescue", "Rescue system", 12345L) },
            isos.Where(i => i.GetProperty("name").GetString() is "elsewhere" or "rescue").Select(i => (i.GetProperty("name").GetString(), i.GetProperty("title").GetString(), i.GetProperty("sizeBytes").ValueKind == JsonValueKind.Null ? (long?)null : i.GetProperty("sizeBytes").GetInt64())));

        // The portal still knows where the image lies: the rack server gets the path.
        var created = await widget.CreateVmAsync("rescued", iso: "rescue");
        await widget.CompleteAsync(Task.FromResult(created));
        var vm = await widget.GetAsync<VmView>($"/api/v1/vms/{created.VmId}");
        var domain = NodeFile.Current(Path.Combine(portal.DataDirectory, "nodes", vm.NodeName + ".xml")).Root!.Elements("domain")
            .Single(d => (string?)d.Element("uuid") == vm.Id.ToString());
        Assert.Equal([image], domain.Descendants("disk").Where(d => (string?)d.Attribute("device") == "cdrom").Select(d => (string?)d.Element("source")?.Attribute("file")));
    }

    private HttpClient Customer(string user, string host)
    {
        var client = _portal.ApiClient(user, user + "-pass-1");
        client.BaseAddress = new Uri($"http://{host}");
        return client;
    }

    /// <summary>The rack server's domains as its node file keeps them: name and title by UUID.</summary>
    private Dictionary<Guid, (string Name, string? Title)> NodeDomains(string node) =>
        NodeFile.Current(Path.Combine(_portal.DataDirectory, "nodes", node + ".xml")).Root!.Elements("domain")
            .ToDictionary(d => Guid.Parse((string)d.Element("uuid")!), d => ((string)d.Element("name")!, (string?)d.Element("title")));

    private static void AssertNoMention(IEnumerable<JobView> jobs, Guid other)
    {
        foreach (var job in jobs)
        {
            Assert.DoesNotContain(other.ToString("D"), job.Info, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(other.ToString("N"), job.Info, StringComparison.OrdinalIgnoreCase);
        }
    }
}
