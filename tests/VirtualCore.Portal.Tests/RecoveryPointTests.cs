using System.Net;
using System.Net.Http.Json;
using VirtualCore.Modules.Compute.Contracts;

namespace VirtualCore.Portal.Tests;

public sealed class RecoveryPointTests : IAsyncLifetime
{
    private readonly PortalFixture _portal = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task Take_list_revert_after_confirmation_and_delete_a_recovery_point()
    {
        var api = _portal.Demo();
        var created = await api.CreateVmAsync("rp-vm");
        await api.CompleteAsync(Task.FromResult(created));
        var vmId = created.VmId;

        var stopped = await api.CompleteAsync(TakeAsync(api, vmId, "before the upgrade"));
        Assert.Equal("recovery-point", stopped.Action);
        await api.CompleteAsync(api.ActAsync(vmId, "start"));
        await api.CompleteAsync(TakeAsync(api, vmId, null));

        var points = await api.GetAsync<RecoveryPointView[]>($"/api/v1/vms/{vmId}/recovery-points");
        Assert.Equal(2, points.Length);
        Assert.All(points, p => Assert.Equal("ready", p.Status));
        Assert.Equal("before the upgrade", points[^1].Note);
        var names = (await _portal.Agents[(await api.GetAsync<VmView>($"/api/v1/vms/{vmId}")).NodeName].Adapter.ListRecoveryPointsAsync(vmId, default)).Select(p => p.Name);
        Assert.Equal(points.Select(p => p.Name).Order(), names.Order());

        var unconfirmed = await api.PostAsync($"/api/v1/vms/{vmId}/recovery-points/{points[^1].Id}/revert", null);
        Assert.Equal(HttpStatusCode.BadRequest, unconfirmed.StatusCode);
        Assert.True((await unconfirmed.ProblemAsync()).GetProperty("errors").TryGetProperty("confirm", out _));

        var revert = await api.PostAsync($"/api/v1/vms/{vmId}/recovery-points/{points[^1].Id}/revert?confirm=true", null);
        Assert.Equal(HttpStatusCode.Accepted, revert.StatusCode);
        await api.CompleteAsync(revert.Content.ReadFromJsonAsync<JobAccepted>(Api.Json)!);

        var delete = await api.DeleteAsync($"/api/v1/vms/{vmId}/recovery-points/{points[0].Id}");
        await api.CompleteAsync(delete.Content.ReadFromJsonAsync<JobAccepted>(Api.Json)!);
        Assert.Single(await api.GetAsync<RecoveryPointView[]>($"/api/v1/vms/{vmId}/recovery-points"));
    }

    [Fact]
    public async Task Reverting_to_a_recovery_point_of_another_vm_is_not_found_and_changes_nothing()
    {
        var api = _portal.Demo();
        var first = await api.CreateVmAsync("rp-a");
        var second = await api.CreateVmAsync("rp-b");
        await api.CompleteAsync(Task.FromResult(first));
        await api.CompleteAsync(Task.FromResult(second));
        await api.CompleteAsync(TakeAsync(api, first.VmId, null));
        var point = (await api.GetAsync<RecoveryPointView[]>($"/api/v1/vms/{first.VmId}/recovery-points")).Single();

        var crossed = await api.PostAsync($"/api/v1/vms/{second.VmId}/recovery-points/{point.Id}/revert?confirm=true", null);
        Assert.Equal(HttpStatusCode.NotFound, crossed.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _portal.Other().GetAsync($"/api/v1/vms/{first.VmId}/recovery-points")).StatusCode);
        Assert.Single(await api.GetAsync<JobView[]>($"/api/v1/jobs?vmId={second.VmId}"));
    }

    [Fact]
    public async Task A_note_longer_than_200_characters_is_refused()
    {
        var api = _portal.Demo();
        var created = await api.CreateVmAsync("rp-note");
        await api.CompleteAsync(Task.FromResult(created));
        var response = await api.PostAsJsonAsync($"/api/v1/vms/{created.VmId}/recovery-points", new { note = new string('x', 201) });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(await api.GetAsync<RecoveryPointView[]>($"/api/v1/vms/{created.VmId}/recovery-points"));
    }

    [Fact]
    public async Task The_vm_page_takes_and_lists_recovery_points()
    {
        var api = _portal.Demo();
        var created = await api.CreateVmAsync("rp-page");
        await api.CompleteAsync(Task.FromResult(created));
        using var browser = _portal.Session();
        Assert.Equal("/vms", await browser.SignInAsync("demo", "demo-pass-1"));

        var posted = await browser.PostFormAsync($"/vms/{created.VmId}/recovery-points", new Dictionary<string, string> { ["note"] = "<b>risky</b>" }, $"/vms/{created.VmId}");
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        var job = (await api.GetAsync<JobView[]>($"/api/v1/jobs?vmId={created.VmId}&action=recovery-point")).Single();
        await api.WaitForJobAsync(job.Id);

        var page = await browser.Client.GetStringAsync($"/vms/{created.VmId}");
        Assert.Contains("data-recovery-point=", page);
        Assert.Contains("&lt;b&gt;risky&lt;/b&gt;", page);
        Assert.DoesNotContain("<b>risky</b>", page);
    }

    private static async Task<JobAccepted> TakeAsync(HttpClient api, Guid vmId, string? note)
    {
        var response = await api.PostAsJsonAsync($"/api/v1/vms/{vmId}/recovery-points", new { note });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JobAccepted>(Api.Json))!;
    }
}
