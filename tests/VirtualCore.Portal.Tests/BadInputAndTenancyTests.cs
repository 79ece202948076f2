using System.Net;
using System.Net.Http.Json;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Domain;

namespace VirtualCore.Portal.Tests;

/// <summary>Bad input gets a 400 naming the field and leaves nothing behind; another tenant's VM does not exist (404).</summary>
public sealed class BadInputAndTenancyTests : IClassFixture<BadInputAndTenancyTests.Portal>
{
    public sealed class Portal : IAsyncLifetime
    {
        public PortalFixture Fixture { get; } = new();

        public JobAccepted DemoVm { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            DemoVm = await Fixture.Demo().CreateVmAsync("taken");
            await Fixture.Demo().CompleteAsync(Task.FromResult(DemoVm));
        }

        public async Task DisposeAsync() => await Fixture.DisposeAsync();
    }

    private readonly Portal _portal;

    public BadInputAndTenancyTests(Portal portal) => _portal = portal;

    public static TheoryData<string, object> BadRequests => new()
    {
        { "name", new { name = "", vCpus = 1, memoryGiB = 1, diskGiB = 20 } },
        { "name", new { name = (string?)null, vCpus = 1, memoryGiB = 1, diskGiB = 20 } },
        { "name", new { name = new string('a', 64), vCpus = 1, memoryGiB = 1, diskGiB = 20 } },
        { "name", new { name = "Upper", vCpus = 1, memoryGiB = 1, diskGiB = 20 } },
        { "name", new { name = "under_score", vCpus = 1, memoryGiB = 1, diskGiB = 20 } },
        { "name", new { name = "-leading", vCpus = 1, memoryGiB = 1, diskGiB = 20 } },
        { "name", new { name = "trailing-", vCpus = 1, memoryGiB = 1, diskGiB = 20 } },
        { "name", new { name = "a'/><evil/>", vCpus = 1, memoryGiB = 1, diskGiB = 20 } },
        { "name", new { name = "web-1\n", vCpus = 1, memoryGiB = 1, diskGiB = 20 } },
        { "name", new { name = "taken", vCpus = 1, memoryGiB = 1, diskGiB = 20 } },
        { "vcpus", new { name = "ok-1", vCpus = 0, memoryGiB = 1, diskGiB = 20 } },
        { "vcpus", new { name = "ok-1", vCpus = 9, memoryGiB = 1, diskGiB = 20 } },
        { "memoryGiB", new { name = "ok-1", vCpus = 1, memoryGiB = 0, diskGiB = 20 } },
        { "memoryGiB", new { name = "ok-1", vCpus = 1, memoryGiB = 17, diskGiB = 20 } },
        { "diskGiB", new { name = "ok-1", vCpus = 1, memoryGiB = 1, diskGiB = 9 } },
        { "diskGiB", new { name = "ok-1", vCpus = 1, memoryGiB = 1, diskGiB = 2049 } },
        { "isoName", new { name = "ok-1", vCpus = 1, memoryGiB = 1, diskGiB = 20, isoName = "../../etc/passwd" } },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_input_is_refused_naming_the_field_and_nothing_is_created(string field, object body)
    {
        var vmsBefore = await _portal.Fixture.CountAsync<VirtualMachine>();
        var jobsBefore = await _portal.Fixture.CountAsync<Job>();
        var domainsBefore = await DomainCountAsync();

        var response = await _portal.Fixture.Demo().PostAsJsonAsync("/api/v1/vms", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await response.ProblemAsync()).GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out var reasons), $"no error for {field}: {errors}");
        Assert.False(string.IsNullOrWhiteSpace(reasons[0].GetString()));
        Assert.Equal(vmsBefore, await _portal.Fixture.CountAsync<VirtualMachine>());
        Assert.Equal(jobsBefore, await _portal.Fixture.CountAsync<Job>());
        Assert.Equal(domainsBefore, await DomainCountAsync());
    }

    [Theory]
    [InlineData("GET", "")]
    [InlineData("POST", "/start")]
    [InlineData("POST", "/shutdown")]
    [InlineData("POST", "/power-off")]
    public async Task Another_customers_vm_is_not_found_and_stays_as_it_was(string method, string suffix)
    {
        var jobsBefore = await _portal.Fixture.CountAsync<Job>();
        var response = await _portal.Fixture.Other().SendAsync(new HttpRequestMessage(new HttpMethod(method), $"/api/v1/vms/{_portal.DemoVm.VmId}{suffix}"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(jobsBefore, await _portal.Fixture.CountAsync<Job>());
        Assert.Equal(VmStates.ShutOff, (await _portal.Fixture.Demo().GetAsync<VmView>($"/api/v1/vms/{_portal.DemoVm.VmId}")).State);
    }

    [Fact]
    public async Task Another_customers_vms_and_jobs_are_not_listed()
    {
        var other = _portal.Fixture.Other();
        Assert.DoesNotContain(await other.GetAsync<VmView[]>("/api/v1/vms"), v => v.Id == _portal.DemoVm.VmId);
        Assert.DoesNotContain(await other.GetAsync<JobView[]>("/api/v1/jobs"), j => j.TargetId == _portal.DemoVm.VmId);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/v1/jobs/{_portal.DemoVm.JobId}")).StatusCode);
    }

    [Fact]
    public async Task A_vm_name_may_repeat_across_customers()
    {
        var other = _portal.Fixture.Other();
        var accepted = await other.CreateVmAsync("taken");
        Assert.NotEqual(_portal.DemoVm.VmId, accepted.VmId);

        // Its job ends here, not during another test of this class that counts the rack servers' domains.
        Assert.Equal(JobStatuses.Completed, (await other.CompleteAsync(Task.FromResult(accepted))).Status);
    }

    [Fact]
    public async Task An_unknown_vm_is_not_found()
    {
        var demo = _portal.Fixture.Demo();
        Assert.Equal(HttpStatusCode.NotFound, (await demo.GetAsync($"/api/v1/vms/{Guid.NewGuid()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await demo.PostAsync($"/api/v1/vms/{Guid.NewGuid()}/start", null)).StatusCode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("demo:wrong")]
    [InlineData("nobody:demo-pass-1")]
    public async Task Without_valid_credentials_the_api_answers_401(string? credentials)
    {
        var client = credentials is null ? _portal.Fixture.CreateClient() : _portal.Fixture.ApiClient(credentials.Split(':')[0], credentials.Split(':')[1]);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/vms")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/api/v1/vms", new { name = "x", vCpus = 1, memoryGiB = 1, diskGiB = 20 })).StatusCode);
    }

    [Fact]
    public async Task The_operator_may_look_but_not_create_vms_for_a_customer()
    {
        var response = await _portal.Fixture.ApiClient("operator", "operator-pass-1")
            .PostAsJsonAsync("/api/v1/vms", new { name = "op-vm", vCpus = 1, memoryGiB = 1, diskGiB = 20 });
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains(await _portal.Fixture.ApiClient("operator", "operator-pass-1").GetAsync<VmView[]>("/api/v1/vms"), v => v.Id == _portal.DemoVm.VmId);
    }

    [Theory]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=1001", "limit")]
    [InlineData("?status=exploded", "status")]
    public async Task Job_log_filters_are_checked(string query, string field)
    {
        var response = await _portal.Fixture.Demo().GetAsync("/api/v1/jobs" + query);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.ProblemAsync()).GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task The_openapi_document_describes_the_vm_api()
    {
        var document = await _portal.Fixture.CreateClient().GetStringAsync("/openapi/v1.json");
        Assert.Contains("\"/api/v1/vms\"", document);
        Assert.Contains("\"/api/v1/vms/{vmId}/start\"", document);
        Assert.Contains("\"/api/v1/jobs\"", document);
    }

    private async Task<int> DomainCountAsync()
    {
        var total = 0;
        foreach (var agent in _portal.Fixture.Agents.Agents)
        {
            total += (await agent.Adapter.ListDomainsAsync(default)).Count;
        }

        return total;
    }
}
