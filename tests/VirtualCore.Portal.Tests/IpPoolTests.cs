using System.Net;
using System.Net.Http.Json;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Infrastructure.Contracts;
using VirtualCore.Modules.Infrastructure.Features;

namespace VirtualCore.Portal.Tests;

/// <summary>
/// The provider's IP pools: a new VM gets an address of each family from its customer's pool or the shared one, gives
/// it back when deleted, and its customer names it for reverse DNS, which the provider exports as zone lines.
/// </summary>
public sealed class IpPoolTests : IAsyncLifetime
{
    private readonly PortalFixture _portal = new(settings: new Dictionary<string, string> { ["DemoVms"] = "false" });

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    private HttpClient Provider => _portal.ApiClient("operator", "operator-pass-1");

    [Fact]
    public async Task New_vms_get_addresses_of_their_customers_pool_and_the_shared_one_and_name_them_for_reverse_dns()
    {
        var demoCustomer = VirtualCore.Modules.Tenancy.Contracts.DemoTenants.DemoCustomerId;
        await CreatedAsync(new { name = "demo-v4", subnet = "192.0.2.0/28", gateway = "192.0.2.1", dnsServers = new[] { "192.0.2.53", "2001:db8::53" }, customerId = demoCustomer });
        await CreatedAsync(new { name = "shared-v6", subnet = "2001:db8:1::/64", firstAddress = "2001:db8:1::10", lastAddress = "2001:db8:1::12" });

        var demo = _portal.Demo();
        var vm = await demo.CompleteAsync(demo.CreateVmAsync("addressed"));
        var addresses = await demo.GetAsync<VmAddressView[]>($"/api/v1/vms/{vm.TargetId}/addresses");
        Assert.Equal(["192.0.2.2", "2001:db8:1::10"], addresses.Select(a => a.Address));
        Assert.Equal((28, "192.0.2.1"), (addresses[0].PrefixLength, addresses[0].Gateway));
        Assert.Equal(["192.0.2.53", "2001:db8::53"], addresses[0].DnsServers);

        // Another customer has no IPv4 pool: only the shared IPv6 one.
        var other = _portal.Other();
        var otherVm = await other.CompleteAsync(other.CreateVmAsync("elsewhere"));
        Assert.Equal(["2001:db8:1::11"], (await other.GetAsync<VmAddressView[]>($"/api/v1/vms/{otherVm.TargetId}/addresses")).Select(a => a.Address));

        // The customer names its addresses; another customer cannot reach them.
        var named = await demo.PutAsJsonAsync($"/api/v1/vms/{vm.TargetId}/addresses/192.0.2.2/reverse-name", new { reverseName = "WWW.Demo.Example." });
        Assert.Equal(HttpStatusCode.OK, named.StatusCode);
        Assert.Equal("www.demo.example", (await named.Content.ReadFromJsonAsync<VmAddressView>(Api.Json))!.ReverseName);
        Assert.Equal(HttpStatusCode.OK, (await demo.PutAsJsonAsync($"/api/v1/vms/{vm.TargetId}/addresses/2001:db8:1::10/reverse-name", new { reverseName = "v6.demo.example" })).StatusCode);
        foreach (var bad in new[] { "not a name", "-x.example", "x..example", "example", new string('a', 64) + ".example" })
        {
            var refused = await demo.PutAsJsonAsync($"/api/v1/vms/{vm.TargetId}/addresses/192.0.2.2/reverse-name", new { reverseName = bad });
            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, bad);
            Assert.True((await refused.ProblemAsync()).GetProperty("errors").TryGetProperty("reverseName", out _), bad);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await other.PutAsJsonAsync($"/api/v1/vms/{vm.TargetId}/addresses/192.0.2.2/reverse-name", new { reverseName = "evil.example" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/v1/vms/{vm.TargetId}/addresses")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await demo.PutAsJsonAsync($"/api/v1/vms/{vm.TargetId}/addresses/2001:db8:1::11/reverse-name", new { reverseName = "theirs.example" })).StatusCode);

        // The provider exports the names as PTR records, IPv6 by nibbles.
        var pools = await Provider.GetAsync<IpPoolView[]>("/api/v1/ip-pools");
        Assert.Equal(1, pools.Single(p => p.Name == "demo-v4").Used);
        Assert.Equal(3, pools.Single(p => p.Name == "shared-v6").Size);
        var v4Zone = await Provider.GetStringAsync($"/api/v1/ip-pools/{pools.Single(p => p.Name == "demo-v4").Id}/reverse-zone");
        Assert.Contains("2.2.0.192.in-addr.arpa.\t3600\tIN\tPTR\twww.demo.example.\n", v4Zone, StringComparison.Ordinal);
        var v6Zone = await Provider.GetStringAsync($"/api/v1/ip-pools/{pools.Single(p => p.Name == "shared-v6").Id}/reverse-zone");
        Assert.Contains("0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.\t3600\tIN\tPTR\tv6.demo.example.\n", v6Zone, StringComparison.Ordinal);
        Assert.DoesNotContain("2001:db8:1::11", v6Zone, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await demo.GetAsync($"/api/v1/ip-pools/{pools[0].Id}/reverse-zone")).StatusCode);

        // The provider's page lists the pools with their use and the zone link; customers do not reach it.
        using (var operatorSession = _portal.Session())
        {
            Assert.NotNull(await operatorSession.SignInAsync("operator", "operator-pass-1"));
            var poolsPage = await operatorSession.Client.GetStringAsync("/operations/ip-pools");
            Assert.Contains("demo-v4", poolsPage, StringComparison.Ordinal);
            Assert.Contains("1 of 14", poolsPage, StringComparison.Ordinal);
            Assert.Contains($"/api/v1/ip-pools/{pools.Single(p => p.Name == "shared-v6").Id}/reverse-zone", poolsPage, StringComparison.Ordinal);
        }

        // The VM page shows them, with the name to edit.
        using var session = _portal.Session();
        Assert.NotNull(await session.SignInAsync("demo", "demo-pass-1"));
        Assert.Equal(HttpStatusCode.Forbidden, (await session.Client.GetAsync("/operations/ip-pools")).StatusCode);
        var page = await session.Client.GetStringAsync($"/vms/{vm.TargetId}");
        Assert.Contains("192.0.2.2/28", page, StringComparison.Ordinal);
        Assert.Contains("value=\"www.demo.example\"", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_full_pool_refuses_a_new_vm_until_a_deleted_one_gives_its_address_back()
    {
        var demoCustomer = VirtualCore.Modules.Tenancy.Contracts.DemoTenants.DemoCustomerId;
        var pool = await CreatedAsync(new { name = "small", subnet = "203.0.113.0/24", firstAddress = "203.0.113.10", lastAddress = "203.0.113.11", customerId = demoCustomer });
        var demo = _portal.Demo();
        var first = await demo.CompleteAsync(demo.CreateVmAsync("one"));
        await demo.CompleteAsync(demo.CreateVmAsync("two"));
        var full = await demo.PostAsJsonAsync("/api/v1/vms", new { name = "three", vCpus = 1, memoryGiB = 1, diskGiB = 20 });
        Assert.Equal(HttpStatusCode.Conflict, full.StatusCode);
        Assert.Contains("pool 'small'", (await full.ProblemAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, (await Provider.DeleteAsync($"/api/v1/ip-pools/{pool.Id}")).StatusCode);

        var deleted = await demo.DeleteAsync($"/api/v1/vms/{first.TargetId}?confirm=one");
        Assert.Equal(HttpStatusCode.Accepted, deleted.StatusCode);
        await demo.CompleteAsync(deleted.Content.ReadFromJsonAsync<JobAccepted>(Api.Json)!);
        var third = await demo.CompleteAsync(demo.CreateVmAsync("three"));
        Assert.Equal(JobStatuses.Completed, third.Status);
        Assert.Equal(["203.0.113.10"], (await demo.GetAsync<VmAddressView[]>($"/api/v1/vms/{third.TargetId}/addresses")).Select(a => a.Address));
    }

    [Fact]
    public async Task Pools_are_the_providers_and_refused_when_not_a_subnets_hosts_or_overlapping()
    {
        await CreatedAsync(new { name = "taken", subnet = "192.0.2.0/24", firstAddress = "192.0.2.100", lastAddress = "192.0.2.150" });
        foreach (var (body, field) in new (object Body, string Field)[]
        {
            (new { name = "", subnet = "198.51.100.0/24" }, "name"),
            (new { name = "taken", subnet = "198.51.100.0/24" }, "name"),
            (new { name = "x", subnet = "198.51.100.5/24" }, "subnet"),
            (new { name = "x", subnet = "not-a-subnet" }, "subnet"),
            (new { name = "x", subnet = "198.51.100.0/31" }, "subnet"),
            (new { name = "x", subnet = "198.51.100.0/24", firstAddress = "198.51.101.1" }, "firstAddress"),
            (new { name = "x", subnet = "198.51.100.0/24", lastAddress = "198.51.100.255" }, "lastAddress"),
            (new { name = "x", subnet = "198.51.100.0/24", firstAddress = "198.51.100.9", lastAddress = "198.51.100.8" }, "lastAddress"),
            (new { name = "x", subnet = "198.51.100.0/24", gateway = "2001:db8::1" }, "gateway"),
            (new { name = "x", subnet = "198.51.100.0/24", dnsServers = new[] { "dns.example" } }, "dnsServers"),
            (new { name = "x", subnet = "198.51.100.0/24", nodeNames = new[] { "rack-9" } }, "nodeNames"),
            (new { name = "x", subnet = "192.0.2.0/24", firstAddress = "192.0.2.150", lastAddress = "192.0.2.160" }, "firstAddress"),
        })
        {
            var response = await Provider.PostAsJsonAsync("/api/v1/ip-pools", body);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body.ToString());
            Assert.True((await response.ProblemAsync()).GetProperty("errors").TryGetProperty(field, out _), $"{body}: {await response.Content.ReadAsStringAsync()}");
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await _portal.Demo().PostAsJsonAsync("/api/v1/ip-pools", new { name = "mine", subnet = "10.0.0.0/24" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _portal.Demo().GetAsync("/api/v1/ip-pools")).StatusCode);
        var reseller = _portal.ApiClient("kamp-admin", "kamp-admin-pass-1");
        reseller.BaseAddress = new Uri("http://kamp.localhost");
        Assert.Equal(HttpStatusCode.Forbidden, (await reseller.PostAsJsonAsync("/api/v1/ip-pools", new { name = "mine", subnet = "10.0.0.0/24" })).StatusCode);
        Assert.Single(await Provider.GetAsync<IpPoolView[]>("/api/v1/ip-pools"));
    }

    private async Task<IpPoolView> CreatedAsync(object body)
    {
        var response = await Provider.PostAsJsonAsync("/api/v1/ip-pools", body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<IpPoolView>(Api.Json))!;
    }
}
