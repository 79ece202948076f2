using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Portal.Tests;
using static VirtualCore.Portal.QemuTests.LiveMigrationTests;

namespace VirtualCore.Portal.QemuTests;

/// <summary>
/// A VM created through the API with cloud-init options boots with its seed: the rack server holds the seed the portal
/// wrote (the password only as a SHA-512 crypt hash, the pool's address as static network configuration, the
/// customer's own user data after the portal's part), and the guest reads it (the tiny guest copies the seed's
/// meta-data to its disk, read back here from the node's image).
/// </summary>
[Collection(QemuPortalCollection.Name)]
public sealed class CloudInitTests(QemuPortalFixture nodes, ITestOutputHelper output)
{
    private const string Key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHWQSCHC9CVT6OvNaSncq2nd/7GfMbzEplmb3XnFAUCf ops@example.test";

    [Fact]
    public async Task The_guest_reads_the_seed_the_portal_wrote_with_its_pool_address_and_a_hashed_password()
    {
        var api = await GuestTests.OnlineAsync(nodes);
        var provider = nodes.Portal.ApiClient("operator", "operator-pass-1");
        var pool = await provider.PostAsJsonAsync("/api/v1/ip-pools", new
        {
            name = "seeded-v4",
            subnet = "198.51.100.0/24",
            gateway = "198.51.100.1",
            dnsServers = new[] { "198.51.100.53" },
            customerId = VirtualCore.Modules.Tenancy.Contracts.DemoTenants.DemoCustomerId,
        });
        Assert.True(pool.StatusCode == HttpStatusCode.Created, await pool.Content.ReadAsStringAsync());
        var poolId = (await pool.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(Api.Json)).GetProperty("id").GetGuid();

        var create = await api.PostAsJsonAsync("/api/v1/vms", new
        {
            name = "seeded",
            vcpus = 1,
            memoryGiB = 1,
            diskGiB = 10,
            isoName = "tiny-guest",
            cloudInit = new
            {
                hostname = "seeded.example.test",
                sshAuthorizedKeys = new[] { Key },
                password = "correct horse battery",
                userData = "#!/bin/sh\necho hello from the customer\n",
            },
        });
        Assert.True(create.StatusCode == HttpStatusCode.Accepted, await create.Content.ReadAsStringAsync());
        var accepted = (await create.Content.ReadFromJsonAsync<JobAccepted>(Api.Json))!;
        Assert.True((await api.WaitForJobAsync(accepted.JobId, JobTimeout)).Status == JobStatuses.Completed);
        var vm = await api.GetAsync<VmView>($"/api/v1/vms/{accepted.VmId}");

        var seed = await nodes.SeedFilesAsync(vm.NodeName, vm.Id);
        Assert.Equal($"instance-id: \"{vm.Id}\"\nlocal-hostname: \"seeded.example.test\"\n", seed["meta-data"]);
        Assert.Contains($"macaddress: \"{await nodes.MacAddressAsync(vm.NodeName, vm.Id)}\"", seed["network-config"], StringComparison.Ordinal);
        Assert.Contains("- \"198.51.100.2/24\"", seed["network-config"], StringComparison.Ordinal);
        Assert.Contains("via: \"198.51.100.1\"", seed["network-config"], StringComparison.Ordinal);
        Assert.Contains($"  - \"{Key}\"", seed["user-data"], StringComparison.Ordinal);
        Assert.Matches("\npassword: \"\\$6\\$rounds=100000\\$[./0-9A-Za-z]{16}\\$[./0-9A-Za-z]{86}\"\n", seed["user-data"]);
        Assert.DoesNotContain("correct horse", seed["user-data"], StringComparison.Ordinal);
        Assert.True(
            seed["user-data"].IndexOf("#cloud-config", StringComparison.Ordinal) < seed["user-data"].IndexOf("echo hello from the customer", StringComparison.Ordinal),
            seed["user-data"]);
        Assert.Contains("Content-Type: text/x-shellscript", seed["user-data"], StringComparison.Ordinal);

        var started = Stopwatch.StartNew();
        Assert.True((await api.WaitForJobAsync((await api.ActAsync(vm.Id, "start")).JobId, JobTimeout)).Status == JobStatuses.Completed);
        var read = await PollAsync(() => nodes.DiskSectorAsync(vm.NodeName, vm.Id, 1), text => text.Contains("local-hostname", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
        output.WriteLine($"[portal-qemu] the guest read its seed {started.Elapsed.TotalSeconds:F1} s after the start job was queued");
        Assert.Equal(seed["meta-data"], read);

        await GuestTests.DeleteAsync(api, await api.GetAsync<VmView>($"/api/v1/vms/{vm.Id}"));
        await Assert.ThrowsAsync<FileNotFoundException>(() => nodes.SeedFilesAsync(vm.NodeName, vm.Id));
        Assert.Equal(HttpStatusCode.NoContent, (await provider.DeleteAsync($"/api/v1/ip-pools/{poolId}")).StatusCode);
    }
}
