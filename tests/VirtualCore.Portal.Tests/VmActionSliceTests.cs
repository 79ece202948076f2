using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Features.Actions;

namespace VirtualCore.Portal.Tests;

/// <summary>
/// A VM action is described once, by its descriptor: the handler refuses exactly the states the descriptor does not
/// allow, the VM page offers its button in exactly those states (and tells live.js which), the job log can filter by
/// every action, and the same idempotency key never queues a second job.
/// </summary>
public sealed partial class VmActionSliceTests : IAsyncLifetime
{
    private readonly PortalFixture _portal = new(settings: new Dictionary<string, string> { ["DemoVms"] = "false" });

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task The_handler_refuses_exactly_the_states_the_descriptor_does_not_allow_and_the_page_renders_them()
    {
        var api = _portal.Demo();
        var created = await api.CompleteAsync(api.CreateVmAsync("described"));
        var vm = await api.GetAsync<VmView>($"/api/v1/vms/{created.TargetId}");
        Assert.NotEmpty(VmActions.Buttons);

        using var session = _portal.Session("localhost");
        await session.SignInAsync("demo", "demo-pass-1");
        var html = await session.Client.GetStringAsync($"/vms/{vm.Id}");
        var rendered = Buttons().Matches(html).ToDictionary(m => m.Groups["action"].Value, m => m);
        Assert.Equal(VmActions.Buttons.Select(b => b.Name).Order(), rendered.Keys.Order());

        foreach (var action in VmActions.Buttons)
        {
            var button = rendered[action.Name];
            Assert.Equal(string.Join(' ', action.AllowedStates), button.Groups["states"].Value);
            Assert.Equal(!action.AllowsState(vm.State), button.Groups["disabled"].Success);
            if (action.AllowsState(vm.State))
            {
                continue;
            }

            // Refused before anything is written, with the descriptor's own reason.
            var refused = await api.PostAsync($"/api/v1/vms/{vm.Id}/{action.Name}", null);
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.Contains(action.Refusal, (await refused.ProblemAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Single(await api.GetAsync<JobView[]>($"/api/v1/jobs?vmId={vm.Id}"));
    }

    [Fact]
    public async Task The_job_log_filters_by_every_action_a_slice_declares()
    {
        using var session = _portal.Session("localhost");
        await session.SignInAsync("demo", "demo-pass-1");
        var html = await session.Client.GetStringAsync("/jobs");
        var select = html[html.IndexOf("<select name=\"action\"", StringComparison.Ordinal)..];
        select = select[..select.IndexOf("</select>", StringComparison.Ordinal)];
        var offered = Options().Matches(select).Select(m => m.Groups["value"].Value).Where(v => v.Length > 0).ToHashSet();
        Assert.Equal(VmActions.ByName.Keys.Order(), offered.Order());
        Assert.Contains("recovery-point", offered);
        Assert.Contains("recovery-point-delete", offered);
    }

    [Fact]
    public async Task The_same_idempotency_key_answers_with_the_first_job_and_is_refused_for_another_request()
    {
        var api = _portal.Demo();
        var first = await api.CompleteAsync(api.CreateVmAsync("keyed"));
        var other = await api.CompleteAsync(api.CreateVmAsync("unkeyed"));
        var key = Guid.NewGuid();

        var accepted = await SendAsync(api, $"/api/v1/vms/{first.TargetId}/start", key);
        var again = await SendAsync(api, $"/api/v1/vms/{first.TargetId}/start", key);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal((await accepted.Content.ReadFromJsonAsync<JobAccepted>(Api.Json))!.JobId, (await again.Content.ReadFromJsonAsync<JobAccepted>(Api.Json))!.JobId);
        Assert.Single(await api.GetAsync<JobView[]>($"/api/v1/jobs?vmId={first.TargetId}&action=start"));

        // The key belongs to that request: another VM or another action with it is refused, naming the key.
        foreach (var (path, status) in new[] { ($"/api/v1/vms/{other.TargetId}/start", HttpStatusCode.BadRequest), ($"/api/v1/vms/{first.TargetId}/power-off", HttpStatusCode.BadRequest) })
        {
            var refused = await SendAsync(api, path, key);
            Assert.Equal(status, refused.StatusCode);
            Assert.True((await refused.ProblemAsync()).GetProperty("errors").TryGetProperty("requestId", out _));
        }

        // Nor may another user of the same customer, allowed to start that VM, reuse it to learn of the first job.
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync("/api/v1/users", new { userName = "kollegin", displayName = "Kim Kollegin", password = "kollegin-pass-1", role = "customer-admin" })).StatusCode);
        var colleague = _portal.ApiClient("kollegin", "kollegin-pass-1");
        var reused = await SendAsync(colleague, $"/api/v1/vms/{first.TargetId}/start", key);
        Assert.Equal(HttpStatusCode.BadRequest, reused.StatusCode);

        var malformed = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/vms/{other.TargetId}/start");
        malformed.Headers.TryAddWithoutValidation("Idempotency-Key", "not-a-uuid");
        var bad = await api.SendAsync(malformed);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Empty(await api.GetAsync<JobView[]>($"/api/v1/jobs?vmId={other.TargetId}&action=start"));
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient api, string path, Guid key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Add("Idempotency-Key", key.ToString());
        return api.SendAsync(request);
    }

    [GeneratedRegex("data-action=\"(?<action>[a-z-]+)\" data-states=\"(?<states>[a-z -]*)\"(?<disabled> disabled)?")]
    private static partial Regex Buttons();

    [GeneratedRegex("<option value=\"(?<value>[a-z-]*)\"")]
    private static partial Regex Options();
}
