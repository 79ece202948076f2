using System.Net;
using System.Net.Http.Json;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Portal.Tests;

namespace VirtualCore.Security.Tests;

/// <summary>
/// A caller without the right is refused before its request is looked at: the answer never depends on whether a
/// name exists or the input is valid, so it tells nothing about other people's data.
/// </summary>
public sealed class AuthoriseBeforeValidateTests : IAsyncLifetime
{
    private readonly PortalFixture _portal = new(settings: new Dictionary<string, string> { ["DemoVms"] = "true" });

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task A_user_without_the_right_to_create_gets_the_same_refusal_for_a_taken_and_a_free_name()
    {
        using var geselle = Callers.Basic(_portal, "kamp.localhost", "geselle", "geselle-pass-1");
        var taken = await geselle.PostAsJsonAsync("/api/v1/vms", new { name = "shop-web", vCpus = 1, memoryGiB = 1, diskGiB = 20 });
        var free = await geselle.PostAsJsonAsync("/api/v1/vms", new { name = "never-used-name", vCpus = 1, memoryGiB = 1, diskGiB = 20 });
        var invalid = await geselle.PostAsJsonAsync("/api/v1/vms", new { name = "Not A DNS Name", vCpus = 99, memoryGiB = 1, diskGiB = 20 });

        Assert.Equal(HttpStatusCode.Forbidden, taken.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, free.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, invalid.StatusCode);
        Assert.Equal(await Detail(taken), await Detail(free));
        Assert.Equal(await Detail(free), await Detail(invalid));
    }

    [Fact]
    public async Task A_vm_request_is_refused_on_the_callers_level_before_its_input_is_checked()
    {
        using var baecker = Callers.Basic(_portal, "kamp.localhost", "baecker", "baecker-pass-1");
        var shopWeb = await WaitForVmAsync(baecker, "shop-web");
        var shopDb = await WaitForVmAsync(baecker, "shop-db");
        using var geselle = Callers.Basic(_portal, "kamp.localhost", "geselle", "geselle-pass-1");

        // shop-web: geselle may operate it, not manage it — invalid and valid changes are refused alike.
        var invalidEdit = await geselle.PatchAsJsonAsync($"/api/v1/vms/{shopWeb.Id}/hardware", new { vCpus = 99, diskBus = "floppy" });
        var validEdit = await geselle.PatchAsJsonAsync($"/api/v1/vms/{shopWeb.Id}/hardware", new { vCpus = 2 });
        var wrongConfirm = await geselle.DeleteAsync($"/api/v1/vms/{shopWeb.Id}?confirm=nope");
        Assert.Equal(HttpStatusCode.Forbidden, invalidEdit.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, validEdit.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, wrongConfirm.StatusCode);

        // shop-db: not granted — answered exactly as a VM that does not exist.
        var hidden = await geselle.PatchAsJsonAsync($"/api/v1/vms/{shopDb.Id}/hardware", new { vCpus = 99 });
        var madeUp = await geselle.PatchAsJsonAsync($"/api/v1/vms/{Guid.NewGuid()}/hardware", new { vCpus = 99 });
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, madeUp.StatusCode);
        Assert.Equal(await Detail(madeUp), await Detail(hidden));
    }

    private static async Task<VmView> WaitForVmAsync(HttpClient client, string name)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var vm = (await client.GetAsync<VmView[]>("/api/v1/vms")).SingleOrDefault(v => v.Name == name);
            if (vm is not null)
            {
                return vm;
            }

            await Task.Delay(100, cts.Token);
        }
    }

    private static async Task<string?> Detail(HttpResponseMessage response) => (await response.ProblemAsync()).GetProperty("detail").GetString();
}
