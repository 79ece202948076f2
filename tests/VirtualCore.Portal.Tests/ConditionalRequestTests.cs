using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using VirtualCore.Modules.Compute.Contracts;

namespace VirtualCore.Portal.Tests;

/// <summary>
/// Conditional requests and the paging of short lists, tried as a script would and as an attacker would: every read
/// has an ETag and answers 304 to it; an update with If-Match happens only on the representation the caller read — a
/// stale, weak or made-up tag is refused with 412 and nothing changes, two updates racing with the same tag cannot both
/// win — for each kind of resource that declares it (VMs, webhooks, users, customers, billing details); another
/// customer's resource stays not found whatever the tag; an operation without a resource refuses If-Match; and the
/// short lists page, search and count with limit, offset and search, refusing values out of range field by field.
/// </summary>
public sealed class ConditionalRequestTests : IAsyncLifetime
{
    private readonly PortalFixture _portal = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task A_read_has_an_ETag_that_answers_304_until_the_resource_changes()
    {
        using var demo = _portal.Demo();
        var vmId = await demo.CreatedVmAsync("etag-read");
        var (first, _) = await ReadAsync(demo, $"/api/v1/vms/{vmId}");
        var (again, _) = await ReadAsync(demo, $"/api/v1/vms/{vmId}");
        Assert.Equal(first, again);
        Assert.Matches("^\"[A-Za-z0-9_-]{22}\"$", first);

        foreach (var tag in new[] { first, "W/" + first, $"\"other\", {first}", "*" })
        {
            using var unchanged = await SendAsync(demo, HttpMethod.Get, $"/api/v1/vms/{vmId}", ("If-None-Match", tag));
            Assert.Equal(HttpStatusCode.NotModified, unchanged.StatusCode);
            Assert.Equal(first, unchanged.Headers.ETag?.ToString());
            Assert.Empty(await unchanged.Content.ReadAsByteArrayAsync());
        }

        await demo.CompleteAsync(demo.ActAsync(vmId, "start"));
        var (started, body) = await ReadAsync(demo, $"/api/v1/vms/{vmId}");
        Assert.NotEqual(first, started);
        Assert.Equal("running", body.GetProperty("state").GetString());
        using var changed = await SendAsync(demo, HttpMethod.Get, $"/api/v1/vms/{vmId}", ("If-None-Match", first));
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);

        // Lists have ETags too, and another customer's list is not the same representation.
        var (mine, _) = await ReadAsync(demo, "/api/v1/vms");
        using var other = _portal.Other();
        using var theirs = await SendAsync(other, HttpMethod.Get, "/api/v1/vms", ("If-None-Match", mine));
        Assert.Equal(HttpStatusCode.OK, theirs.StatusCode);
    }

    [Fact]
    public async Task A_VM_action_with_a_stale_weak_or_made_up_tag_is_refused_with_412_and_starts_no_job()
    {
        using var demo = _portal.Demo();
        var vmId = await demo.CreatedVmAsync("etag-act");
        var (seen, _) = await ReadAsync(demo, $"/api/v1/vms/{vmId}");

        foreach (var tag in new[] { "\"made-up\"", "W/" + seen, seen.Trim('"') })
        {
            using var refused = await SendAsync(demo, HttpMethod.Post, $"/api/v1/vms/{vmId}/start", ("If-Match", tag));
            Assert.Equal(HttpStatusCode.PreconditionFailed, refused.StatusCode);
            var problem = await refused.ProblemAsync();
            Assert.Equal(412, problem.GetProperty("status").GetInt32());
            Assert.Contains("If-Match", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Empty(await JobsOfAsync(demo, vmId, "start"));

        // The tag as read: the action runs; afterwards that tag is stale, and a second action with it changes nothing.
        using var started = await SendAsync(demo, HttpMethod.Post, $"/api/v1/vms/{vmId}/start", ("If-Match", seen));
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        await demo.WaitForJobAsync((await started.Content.ReadFromJsonAsync<JobAccepted>(Api.Json))!.JobId);
        Assert.Single(await JobsOfAsync(demo, vmId, "start"));
        using var stale = await SendAsync(demo, HttpMethod.Post, $"/api/v1/vms/{vmId}/power-off", ("If-Match", seen));
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Empty(await JobsOfAsync(demo, vmId, "power-off"));
        Assert.Equal("running", (await demo.GetAsync<VmView>($"/api/v1/vms/{vmId}")).State);

        // The hardware edit and the deletion take it the same way; * takes any state of a VM that exists.
        using var edit = await SendAsync(demo, HttpMethod.Patch, $"/api/v1/vms/{vmId}/hardware", ("If-Match", seen), JsonContent.Create(new { memoryGiB = 2 }));
        Assert.Equal(HttpStatusCode.PreconditionFailed, edit.StatusCode);
        using var delete = await SendAsync(demo, HttpMethod.Delete, $"/api/v1/vms/{vmId}?confirm=etag-act", ("If-Match", seen));
        Assert.Equal(HttpStatusCode.PreconditionFailed, delete.StatusCode);
        using var any = await SendAsync(demo, HttpMethod.Post, $"/api/v1/vms/{vmId}/power-off", ("If-Match", "*"));
        Assert.Equal(HttpStatusCode.Accepted, any.StatusCode);

        // In German for a German caller.
        using var german = await SendAsync(demo, HttpMethod.Post, $"/api/v1/vms/{vmId}/start", ("If-Match", "\"made-up\""), null, ("Cookie", "vcore.lang=de"));
        Assert.Equal("Die Ressource hat sich geändert.", (await german.ProblemAsync()).GetProperty("title").GetString());
    }

    [Fact]
    public async Task Two_actions_racing_with_the_same_tag_cannot_both_happen()
    {
        using var demo = _portal.Demo();
        var vmId = await demo.CreatedVmAsync("etag-race");
        var (seen, _) = await ReadAsync(demo, $"/api/v1/vms/{vmId}");
        using var a = _portal.Demo();
        using var b = _portal.Demo();
        var answers = await Task.WhenAll(
            SendAsync(a, HttpMethod.Post, $"/api/v1/vms/{vmId}/start", ("If-Match", seen)),
            SendAsync(b, HttpMethod.Post, $"/api/v1/vms/{vmId}/start", ("If-Match", seen)));
        try
        {
            // The loser hears that the VM changed (412) — or, where its checks ran before its transaction saw the
            // winner's job, that a job is already open on the VM (409); it never starts a second job.
            Assert.Single(answers, r => r.StatusCode == HttpStatusCode.Accepted);
            Assert.Single(answers, r => r.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict);
            Assert.Single(await JobsOfAsync(demo, vmId, "start"));
        }
        finally
        {
            foreach (var answer in answers)
            {
                answer.Dispose();
            }
        }
    }

    [Fact]
    public async Task Another_customers_resource_is_not_found_whatever_the_tag_and_an_operation_without_a_resource_refuses_If_Match()
    {
        using var demo = _portal.Demo();
        var vmId = await demo.CreatedVmAsync("etag-private");
        var (seen, _) = await ReadAsync(demo, $"/api/v1/vms/{vmId}");
        using var other = _portal.Other();
        foreach (var tag in new[] { seen, "*", "\"made-up\"" })
        {
            using var refused = await SendAsync(other, HttpMethod.Post, $"/api/v1/vms/{vmId}/power-off", ("If-Match", tag));
            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        }

        using var unseen = await SendAsync(other, HttpMethod.Get, $"/api/v1/vms/{vmId}", ("If-None-Match", seen));
        Assert.Equal(HttpStatusCode.NotFound, unseen.StatusCode);

        // Creating has no resource to compare: If-Match is refused, not ignored, and nothing is created.
        using var create = await SendAsync(demo, HttpMethod.Post, "/api/v1/vms", ("If-Match", "*"), JsonContent.Create(new { name = "etag-create", vCpus = 1, memoryGiB = 1, diskGiB = 10 }));
        Assert.Equal(HttpStatusCode.BadRequest, create.StatusCode);
        Assert.True((await create.ProblemAsync()).GetProperty("errors").TryGetProperty("If-Match", out _));
        Assert.DoesNotContain(await demo.GetAsync<List<VmView>>("/api/v1/vms"), vm => vm.Name == "etag-create");
    }

    [Fact]
    public async Task Webhooks_users_customers_and_billing_details_take_the_ETag_of_their_read()
    {
        using var demo = _portal.Demo();
        using var created = await demo.PostAsJsonAsync("/api/v1/webhooks", new { url = "https://hooks.example.com/etag", events = new[] { "*" } });
        var hookId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("webhook").GetProperty("id").GetGuid();
        await ChangesOnlyWithItsTagAsync(demo, $"/api/v1/webhooks/{hookId}", HttpMethod.Patch, $"/api/v1/webhooks/{hookId}", () => JsonContent.Create(new { description = "changed" }),
            body => Assert.Equal("changed", body.GetProperty("description").GetString()));

        using var user = await demo.PostAsJsonAsync("/api/v1/users", new { userName = "etag-user", displayName = "E. Tag", password = "etag-user-pass-1", role = "customer-user" });
        var userId = (await user.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        await ChangesOnlyWithItsTagAsync(demo, $"/api/v1/users/{userId}", HttpMethod.Post, $"/api/v1/users/{userId}/disable", () => null,
            body => Assert.True(body.GetProperty("disabled").GetBoolean()));

        using var operatorClient = _portal.ApiClient("operator", "operator-pass-1");
        var customer = (await operatorClient.GetAsync<List<JsonElement>>("/api/v1/customers")).First(c => c.GetProperty("name").GetString()!.Length > 0).GetProperty("id").GetGuid();
        await ChangesOnlyWithItsTagAsync(operatorClient, $"/api/v1/customers/{customer}", HttpMethod.Put, $"/api/v1/customers/{customer}/otp-policy", () => JsonContent.Create(new { otpRequired = true }),
            body => Assert.True(body.GetProperty("otpRequired").GetBoolean()));

        // Billing details that were never kept have no representation: no tag matches, not even *.
        var details = () => JsonContent.Create(new { legalName = "Demo GmbH", street = "Hauptstraße 1", postalCode = "10115", city = "Berlin", countryCode = "DE", email = "billing@demo.example", smallBusiness = false });
        using var none = await demo.GetAsync("/api/v1/billing-details");
        if (none.StatusCode == HttpStatusCode.NoContent)
        {
            using var refused = await SendAsync(demo, HttpMethod.Put, "/api/v1/billing-details", ("If-Match", "*"), details());
            Assert.Equal(HttpStatusCode.PreconditionFailed, refused.StatusCode);
            using var set = await demo.PutAsync("/api/v1/billing-details", details());
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        }

        await ChangesOnlyWithItsTagAsync(demo, "/api/v1/billing-details", HttpMethod.Put, "/api/v1/billing-details", () => JsonContent.Create(new { legalName = "Demo AG", street = "Hauptstraße 1", postalCode = "10115", city = "Berlin", countryCode = "DE", email = "billing@demo.example", smallBusiness = false }),
            body => Assert.Equal("Demo AG", body.GetProperty("legalName").GetString()));
    }

    [Fact]
    public async Task Short_lists_page_search_and_count_and_refuse_values_out_of_range()
    {
        using var demo = _portal.Demo();
        foreach (var name in new[] { "alpha", "beta", "gamma" })
        {
            using var created = await demo.PostAsJsonAsync("/api/v1/webhooks", new { url = $"https://hooks.example.com/{name}", events = new[] { "*" }, description = $"hook {name}" });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using var other = _portal.Other();
        using (var theirs = await other.PostAsJsonAsync("/api/v1/webhooks", new { url = "https://hooks.example.com/alphabet", events = new[] { "*" } }))
        {
            Assert.Equal(HttpStatusCode.Created, theirs.StatusCode);
        }

        var all = await demo.GetAsync<List<JsonElement>>("/api/v1/webhooks");
        Assert.Equal(3, all.Count);

        using var first = await demo.GetAsync("/api/v1/webhooks?limit=2");
        Assert.Equal(2, (await first.Content.ReadFromJsonAsync<List<JsonElement>>())!.Count);
        Assert.Equal("3", first.Headers.GetValues("X-Total-Count").Single());
        Assert.Equal("</api/v1/webhooks?offset=2&limit=2>; rel=\"next\"", first.Headers.GetValues("Link").Single());

        using var last = await demo.GetAsync("/api/v1/webhooks?limit=2&offset=2");
        var page = (await last.Content.ReadFromJsonAsync<List<JsonElement>>())!;
        Assert.Equal(all[2].GetProperty("id").GetGuid(), Assert.Single(page).GetProperty("id").GetGuid());
        Assert.Equal("</api/v1/webhooks?offset=0&limit=2>; rel=\"prev\"", last.Headers.GetValues("Link").Single());
        Assert.NotEqual(first.Headers.ETag, last.Headers.ETag);

        // Search in the text fields, any case; another customer's webhook is never counted.
        using var searched = await demo.GetAsync("/api/v1/webhooks?search=ALPHA");
        Assert.Single((await searched.Content.ReadFromJsonAsync<List<JsonElement>>())!);
        Assert.Equal("1", searched.Headers.GetValues("X-Total-Count").Single());
        using var beyond = await demo.GetAsync("/api/v1/webhooks?offset=10");
        Assert.Empty((await beyond.Content.ReadFromJsonAsync<List<JsonElement>>())!);

        foreach (var (query, field) in new[] { ("limit=0", "limit"), ("limit=1001", "limit"), ("limit=abc", "limit"), ("limit=-1", "limit"), ("offset=-1", "offset"), ("offset=1e3", "offset"), ("search=" + new string('x', 201), "search") })
        {
            using var refused = await demo.GetAsync($"/api/v1/webhooks?{query}");
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.True((await refused.ProblemAsync()).GetProperty("errors").TryGetProperty(field, out _), query);
        }
    }

    [Fact]
    public async Task The_API_document_describes_ETags_If_Match_and_paging_where_they_apply()
    {
        using var document = JsonDocument.Parse(await _portal.CreateClient().GetStringAsync("/openapi/v1.json"));
        var paths = document.RootElement.GetProperty("paths");
        static IEnumerable<string> Parameters(JsonElement operation) =>
            operation.TryGetProperty("parameters", out var list) ? list.EnumerateArray().Select(p => p.GetProperty("name").GetString()!) : [];

        var getVm = paths.GetProperty("/api/v1/vms/{vmId}").GetProperty("get");
        Assert.Contains("If-None-Match", Parameters(getVm));
        Assert.True(getVm.GetProperty("responses").TryGetProperty("304", out _));
        Assert.True(getVm.GetProperty("responses").GetProperty("200").GetProperty("headers").TryGetProperty("ETag", out _));

        foreach (var (path, method) in new[] { ("/api/v1/vms/{vmId}/start", "post"), ("/api/v1/vms/{vmId}/hardware", "patch"), ("/api/v1/webhooks/{webhookId}", "patch"), ("/api/v1/users/{userId}/disable", "post") })
        {
            var operation = paths.GetProperty(path).GetProperty(method);
            Assert.Contains("If-Match", Parameters(operation));
            Assert.True(operation.GetProperty("responses").TryGetProperty("412", out _), path);
        }

        Assert.DoesNotContain("If-Match", Parameters(paths.GetProperty("/api/v1/vms").GetProperty("post")));
        var hooks = Parameters(paths.GetProperty("/api/v1/webhooks").GetProperty("get")).ToList();
        Assert.Superset(new HashSet<string> { "limit", "offset", "search" }, hooks.ToHashSet());
        // A list that pages in the database keeps its own parameters, once each.
        var vms = Parameters(paths.GetProperty("/api/v1/vms").GetProperty("get")).ToList();
        Assert.Equal(vms.Distinct().Count(), vms.Count);
    }

    private static async Task ChangesOnlyWithItsTagAsync(HttpClient client, string resource, HttpMethod method, string update, Func<HttpContent?> body, Action<JsonElement> changed)
    {
        var (seen, _) = await ReadAsync(client, resource);
        using (var refused = await SendAsync(client, method, update, ("If-Match", "\"made-up\""), body()))
        {
            Assert.Equal(HttpStatusCode.PreconditionFailed, refused.StatusCode);
        }

        var (still, _) = await ReadAsync(client, resource);
        Assert.Equal(seen, still);
        using (var done = await SendAsync(client, method, update, ("If-Match", seen), body()))
        {
            Assert.True(done.IsSuccessStatusCode, $"{method} {update}: {(int)done.StatusCode} {await done.Content.ReadAsStringAsync()}");
        }

        var (now, after) = await ReadAsync(client, resource);
        changed(after);
        Assert.NotEqual(seen, now);
        using var stale = await SendAsync(client, method, update, ("If-Match", seen), body());
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
    }

    private static async Task<(string ETag, JsonElement Body)> ReadAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var etag = response.Headers.ETag?.ToString();
        Assert.NotNull(etag);
        return (etag, (await response.Content.ReadFromJsonAsync<JsonElement>()).Clone());
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, (string Name, string Value) condition, HttpContent? content = null, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.TryAddWithoutValidation(condition.Name, condition.Value);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await client.SendAsync(request);
    }

    private static async Task<List<JobView>> JobsOfAsync(HttpClient client, Guid vmId, string action) =>
        [.. (await client.GetAsync<List<JobView>>($"/api/v1/jobs?vmId={vmId}")).Where(j => j.Action == action)];
}
