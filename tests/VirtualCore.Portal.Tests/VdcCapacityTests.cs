using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Domain;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Portal.Tests;

/// <summary>
/// A customer's vDataCenter bounds what it creates: its reseller (or the operator) sets cores, RAM and disk; every VM
/// that was not deleted and did not fail counts against them; a request beyond them is refused before anything exists.
/// </summary>
public sealed class VdcCapacityTests : IAsyncLifetime
{
    private readonly PortalFixture _portal = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task Creating_beyond_each_limit_is_refused_on_its_field_with_the_numbers_and_exactly_at_the_limit_works()
    {
        await SetCapacityAsync(_portal.ApiClient("operator", "operator-pass-1"), DemoTenants.DemoCustomerId, cores: 3, memoryGiB: 4, diskGiB: 60);
        var api = _portal.Demo();
        await api.CreateVmAsync("first", vcpus: 2, memoryGiB: 3, diskGiB: 40);
        var (vms, jobs) = (await _portal.CountAsync<VirtualMachine>(), await _portal.CountAsync<Job>());

        await AssertRefusedAsync(api, new { name = "cores", vCpus = 2, memoryGiB = 1, diskGiB = 10 }, "vcpus", "Your vDataCenter has 3 cores; 2 are in use, 1 is left.");
        await AssertRefusedAsync(api, new { name = "ram", vCpus = 1, memoryGiB = 2, diskGiB = 10 }, "memoryGiB", "Your vDataCenter has 4 GiB of RAM; 3 GiB are in use, 1 GiB is left.");
        await AssertRefusedAsync(api, new { name = "disk", vCpus = 1, memoryGiB = 1, diskGiB = 30 }, "diskGiB", "Your vDataCenter has 60 GiB of disk storage; 40 GiB are in use, 20 GiB are left.");
        Assert.Equal((vms, jobs), (await _portal.CountAsync<VirtualMachine>(), await _portal.CountAsync<Job>()));

        // All three at once: each field says its own reason.
        var all = await api.PostAsJsonAsync("/api/v1/vms", new { name = "all", vCpus = 4, memoryGiB = 4, diskGiB = 100 });
        var errors = (await all.ProblemAsync()).GetProperty("errors");
        Assert.Equal(["diskGiB", "memoryGiB", "vcpus"], errors.EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));

        // What is left fits exactly.
        await api.CreateVmAsync("last", vcpus: 1, memoryGiB: 1, diskGiB: 20);
        var capacity = await api.GetAsync<VdcCapacityView>("/api/v1/capacity");
        Assert.Equal(new VdcCapacityView(new(3, 3, 0), new(4, 4, 0), new(60, 60, 0)), capacity);
        Assert.Equal((vms + 1, jobs + 1), (await _portal.CountAsync<VirtualMachine>(), await _portal.CountAsync<Job>()));
    }

    [Fact]
    public async Task A_vm_whose_creation_failed_and_a_deleted_vm_give_their_capacity_back()
    {
        await SetCapacityAsync(_portal.ApiClient("operator", "operator-pass-1"), DemoTenants.DemoCustomerId, cores: 2, memoryGiB: null, diskGiB: null);
        var api = _portal.Demo();

        var failed = await _portal.CreateRefusedVmAsync(api, "clash", vcpus: 2);
        Assert.Equal(JobStatuses.Failed, (await api.WaitForJobAsync(failed.JobId)).Status);
        Assert.Equal(new CapacityItem(2, 0, 2), (await api.GetAsync<VdcCapacityView>("/api/v1/capacity")).Cores);

        var kept = await api.CreateVmAsync("kept", vcpus: 2);
        await api.CompleteAsync(Task.FromResult(kept));
        await AssertRefusedAsync(api, new { name = "more", vCpus = 1, memoryGiB = 1, diskGiB = 10 }, "vcpus", "Your vDataCenter has 2 cores; 2 are in use, 0 are left.");

        var deleted = await api.DeleteAsync($"/api/v1/vms/{kept.VmId}?confirm=kept");
        Assert.Equal(HttpStatusCode.Accepted, deleted.StatusCode);
        await api.CompleteAsync(deleted.Content.ReadFromJsonAsync<JobAccepted>(Api.Json)!);
        var capacity = await api.GetAsync<VdcCapacityView>("/api/v1/capacity");
        Assert.Equal((new CapacityItem(2, 0, 2), new CapacityItem(null, 0, null)), (capacity.Cores, capacity.MemoryGiB));
        await api.CreateVmAsync("more", vcpus: 2);
    }

    [Fact]
    public async Task Growing_a_vms_hardware_beyond_the_vdatacenter_is_refused_and_exactly_what_is_left_fits()
    {
        await SetCapacityAsync(_portal.ApiClient("operator", "operator-pass-1"), DemoTenants.DemoCustomerId, cores: 3, memoryGiB: 4, diskGiB: null);
        var api = _portal.Demo();
        var vm = await api.CreateVmAsync("grows", vcpus: 2, memoryGiB: 3);
        await api.CompleteAsync(Task.FromResult(vm));
        var jobs = await _portal.CountAsync<Job>();

        var response = await api.PatchAsJsonAsync($"/api/v1/vms/{vm.VmId}/hardware", new { vCpus = 4, memoryGiB = 5 });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.ProblemAsync()).GetProperty("errors");
        Assert.Equal("Your vDataCenter has 3 cores; 2 are in use, 1 is left.", errors.GetProperty("vcpus")[0].GetString());
        Assert.Equal("Your vDataCenter has 4 GiB of RAM; 3 GiB are in use, 1 GiB is left.", errors.GetProperty("memoryGiB")[0].GetString());
        Assert.Equal(jobs, await _portal.CountAsync<Job>());
        var unchanged = await api.GetAsync<VmView>($"/api/v1/vms/{vm.VmId}");
        Assert.Equal((2, 3, 2), (unchanged.VCpus, unchanged.MemoryGiB, unchanged.PinnedCores.Count));

        // Exactly what is left fits, and then nothing is left for a new VM.
        var grown = await api.PatchAsJsonAsync($"/api/v1/vms/{vm.VmId}/hardware", new { vCpus = 3, memoryGiB = 4 });
        Assert.Equal(HttpStatusCode.Accepted, grown.StatusCode);
        await api.CompleteAsync(grown.Content.ReadFromJsonAsync<JobAccepted>(Api.Json)!);
        var capacity = await api.GetAsync<VdcCapacityView>("/api/v1/capacity");
        Assert.Equal((new CapacityItem(3, 3, 0), new CapacityItem(4, 4, 0)), (capacity.Cores, capacity.MemoryGiB));
        var more = await api.PostAsJsonAsync("/api/v1/vms", new { name = "more", vCpus = 1, memoryGiB = 1, diskGiB = 10 });
        Assert.Equal(HttpStatusCode.BadRequest, more.StatusCode);
        Assert.Equal("Your vDataCenter has 3 cores; 3 are in use, 0 are left.", (await more.ProblemAsync()).GetProperty("errors").GetProperty("vcpus")[0].GetString());
    }

    [Fact]
    public async Task A_reseller_sets_the_limits_of_its_own_customers_only()
    {
        var kampAdmin = _portal.ApiClient("kamp-admin", "kamp-admin-pass-1");
        kampAdmin.BaseAddress = new Uri("http://kamp.localhost");
        var acmeBefore = await LimitsInDatabaseAsync(DemoTenants.AcmeCustomerId);

        var own = await SetCapacityAsync(kampAdmin, DemoTenants.KampCustomerId, cores: 6, memoryGiB: 12, diskGiB: null);
        Assert.Equal(new CustomerCapacity(6, 12, null), own.Capacity);
        Assert.Equal(new CustomerCapacity(6, 12, null), (await kampAdmin.GetAsync<CustomerView>($"/api/v1/customers/{DemoTenants.KampCustomerId}")).Capacity);

        // Another reseller's customer, and the provider's: not found, neither to read nor to set.
        foreach (var other in new[] { DemoTenants.AcmeCustomerId, DemoTenants.DemoCustomerId })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await kampAdmin.GetAsync($"/api/v1/customers/{other}")).StatusCode);
            var set = await kampAdmin.PutAsJsonAsync($"/api/v1/customers/{other}/capacity", new { cores = 64, memoryGiB = 512, diskGiB = 9000 });
            Assert.Equal(HttpStatusCode.NotFound, set.StatusCode);
        }

        Assert.DoesNotContain((await kampAdmin.GetAsync<CustomerView[]>("/api/v1/customers")), c => c.Id == DemoTenants.AcmeCustomerId);
        Assert.Equal(acmeBefore, await LimitsInDatabaseAsync(DemoTenants.AcmeCustomerId));
    }

    [Theory]
    [InlineData("localhost", "demo", "demo-pass-1", "7c0e1a5e-0000-4000-8000-0000000000c1")]
    [InlineData("kamp.localhost", "baecker", "baecker-pass-1", "7c0e1a5e-0000-4000-8000-0000000000c3")]
    [InlineData("kamp.localhost", "geselle", "geselle-pass-1", "7c0e1a5e-0000-4000-8000-0000000000c3")]
    public async Task A_customers_own_users_cannot_change_its_limits(string host, string user, string password, string customer)
    {
        var client = _portal.ApiClient(user, password);
        client.BaseAddress = new Uri($"http://{host}");
        var customerId = Guid.Parse(customer);
        var before = await LimitsInDatabaseAsync(customerId);

        var response = await client.PutAsJsonAsync($"/api/v1/customers/{customerId}/capacity", new { cores = 1000, memoryGiB = 1000, diskGiB = 100000 });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(before, await LimitsInDatabaseAsync(customerId));
    }

    [Fact]
    public async Task Limits_out_of_range_are_refused_on_their_fields_and_nothing_changes()
    {
        var operatorApi = _portal.ApiClient("operator", "operator-pass-1");
        var before = await LimitsInDatabaseAsync(DemoTenants.DemoCustomerId);

        var response = await operatorApi.PutAsJsonAsync($"/api/v1/customers/{DemoTenants.DemoCustomerId}/capacity", new { cores = 0, memoryGiB = 100000, diskGiB = 5 });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.ProblemAsync()).GetProperty("errors");
        Assert.Contains("1 to 1024 dedicated cores", errors.GetProperty("cores")[0].GetString());
        Assert.Contains("1 to 16384 GiB", errors.GetProperty("memoryGiB")[0].GetString());
        Assert.Contains("10 to 1048576 GiB", errors.GetProperty("diskGiB")[0].GetString());
        Assert.Equal(before, await LimitsInDatabaseAsync(DemoTenants.DemoCustomerId));

        var created = await operatorApi.PostAsJsonAsync("/api/v1/customers", new { name = "Tiny AG", otpRequired = false, capacity = new { cores = -1 } });
        Assert.Equal(HttpStatusCode.BadRequest, created.StatusCode);
        Assert.True((await created.ProblemAsync()).GetProperty("errors").TryGetProperty("cores", out _));
        Assert.DoesNotContain(await operatorApi.GetAsync<CustomerView[]>("/api/v1/customers"), c => c.Name == "Tiny AG");
    }

    [Fact]
    public async Task Only_a_customers_creators_read_its_vdatacenter()
    {
        // The operator and a customer user without the right to create VMs have no vDataCenter to fill.
        Assert.Equal(HttpStatusCode.Forbidden, (await _portal.ApiClient("operator", "operator-pass-1").GetAsync("/api/v1/capacity")).StatusCode);
        var geselle = _portal.ApiClient("geselle", "geselle-pass-1");
        geselle.BaseAddress = new Uri("http://kamp.localhost");
        Assert.Equal(HttpStatusCode.Forbidden, (await geselle.GetAsync("/api/v1/capacity")).StatusCode);

        // The demo data's limits, with room for what the demo customers run.
        var demo = await _portal.Demo().GetAsync<VdcCapacityView>("/api/v1/capacity");
        Assert.Equal(new VdcCapacityView(new(16, 0, 16), new(32, 0, 32), new(1000, 0, 1000)), demo);
    }

    [Fact]
    public async Task The_pages_show_the_use_and_what_is_left_and_the_customers_page_sets_the_limits()
    {
        using var operatorSession = _portal.Session();
        Assert.Equal("/vms", await operatorSession.SignInAsync("operator", "operator-pass-1"));
        var saved = await operatorSession.PostFormAsync(
            $"/admin/customers/{DemoTenants.DemoCustomerId}/capacity",
            new Dictionary<string, string> { ["cores"] = "4", ["memoryGiB"] = "8", ["diskGiB"] = "" },
            "/admin/customers");
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        Assert.Equal(new CustomerCapacity(4, 8, null), await LimitsInDatabaseAsync(DemoTenants.DemoCustomerId));

        var refused = await operatorSession.PostFormAsync(
            $"/admin/customers/{DemoTenants.DemoCustomerId}/capacity",
            new Dictionary<string, string> { ["cores"] = "many", ["memoryGiB"] = "8", ["diskGiB"] = "" },
            "/admin/customers");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("Give 1 to 1024 dedicated cores, or none for no limit.", WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync()));
        Assert.Equal(new CustomerCapacity(4, 8, null), await LimitsInDatabaseAsync(DemoTenants.DemoCustomerId));

        var created = await operatorSession.PostFormAsync(
            "/admin/customers",
            new Dictionary<string, string> { ["name"] = "Rechenzentrum AG", ["cores"] = "32", ["memoryGiB"] = "", ["diskGiB"] = "2000" },
            "/admin/customers");
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        var customers = await _portal.ApiClient("operator", "operator-pass-1").GetAsync<CustomerView[]>("/api/v1/customers");
        Assert.Equal(new CustomerCapacity(32, null, 2000), customers.Single(c => c.Name == "Rechenzentrum AG").Capacity);

        await _portal.Demo().CreateVmAsync("web-1", vcpus: 3, memoryGiB: 2, diskGiB: 50);
        using var demo = _portal.Session();
        Assert.Equal("/vms", await demo.SignInAsync("demo", "demo-pass-1"));
        var list = WebUtility.HtmlDecode(await demo.Client.GetStringAsync("/vms"));
        Assert.Contains("Your vDataCenter", list);
        Assert.Contains("3 / 4 in use · 1 left", list);
        Assert.Contains("2 / 8 GiB in use · 6 GiB left", list);
        Assert.Contains("50 GiB in use · no limit", list);
        var form = WebUtility.HtmlDecode(await demo.Client.GetStringAsync("/vms/new"));
        Assert.Contains("Your vDataCenter has 1 core, 6 GiB of RAM left.", form);
    }

    private static async Task AssertRefusedAsync(HttpClient api, object body, string field, string reason)
    {
        var response = await api.PostAsJsonAsync("/api/v1/vms", body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.ProblemAsync()).GetProperty("errors");
        Assert.Equal([field], errors.EnumerateObject().Select(e => e.Name));
        Assert.Equal(reason, errors.GetProperty(field)[0].GetString());
    }

    private static async Task<CustomerView> SetCapacityAsync(HttpClient client, Guid customerId, int? cores, int? memoryGiB, int? diskGiB)
    {
        var response = await client.PutAsJsonAsync($"/api/v1/customers/{customerId}/capacity", new { cores, memoryGiB, diskGiB });
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<CustomerView>(Api.Json))!;
    }

    private Task<CustomerCapacity> LimitsInDatabaseAsync(Guid customerId) =>
        _portal.DbAsync(db => db.Set<VirtualCore.Modules.Tenancy.Domain.Customer>().Where(c => c.Id == customerId)
            .Select(c => new CustomerCapacity(c.CoreLimit, c.MemoryLimitGiB, c.DiskLimitGiB)).SingleAsync());
}
