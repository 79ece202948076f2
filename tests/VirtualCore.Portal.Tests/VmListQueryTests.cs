using System.Net;
using System.Text.Json;
using VirtualCore.Modules.Compute.Contracts;

namespace VirtualCore.Portal.Tests;

/// <summary>The VM list is filtered, sorted and paged by the database, within the caller's tenant.</summary>
public sealed class VmListQueryTests : IAsyncLifetime
{
    private readonly PortalFixture _portal = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task Pages_filters_and_sorts_cover_the_callers_VMs_and_no_others()
    {
        var demo = _portal.Demo();
        var other = _portal.Other();
        foreach (var name in new[] { "web-b", "db-a", "web-a", "cache-c" })
        {
            await demo.CompleteAsync(demo.CreateVmAsync(name));
        }

        await other.CompleteAsync(other.CreateVmAsync("web-other"));
        var started = (await demo.GetAsync<VmView[]>("/api/v1/vms")).Single(v => v.Name == "web-a");
        await demo.CompleteAsync(demo.ActAsync(started.Id, "start"));

        Assert.Equal(["cache-c", "db-a", "web-a", "web-b"], (await demo.GetAsync<VmView[]>("/api/v1/vms")).Select(v => v.Name));
        Assert.Equal(["web-b", "web-a", "db-a", "cache-c"], (await demo.GetAsync<VmView[]>("/api/v1/vms?sort=-name")).Select(v => v.Name));
        Assert.Equal(["web-a", "web-b"], (await demo.GetAsync<VmView[]>("/api/v1/vms?search=WEB")).Select(v => v.Name));
        Assert.Equal(["web-a"], (await demo.GetAsync<VmView[]>($"/api/v1/vms?state={VmStates.Running}")).Select(v => v.Name));

        var paged = new List<string>();
        for (var offset = 0; offset < 6; offset += 3)
        {
            paged.AddRange((await demo.GetAsync<VmView[]>($"/api/v1/vms?limit=3&offset={offset}")).Select(v => v.Name));
        }

        Assert.Equal(["cache-c", "db-a", "web-a", "web-b"], paged);
        Assert.Equal(["web-other"], (await other.GetAsync<VmView[]>("/api/v1/vms?search=web&limit=1000")).Select(v => v.Name));
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=1001", "limit")]
    [InlineData("offset=-1", "offset")]
    [InlineData("sort=price", "sort")]
    [InlineData("state=sleeping", "state")]
    public async Task A_bad_query_is_refused_on_its_field(string query, string field)
    {
        var response = await _portal.Demo().GetAsync($"/api/v1/vms?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), problem.RootElement.ToString());
    }
}
