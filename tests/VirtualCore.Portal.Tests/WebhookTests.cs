using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Events;
using VirtualCore.Framework.Webhooks;
using VirtualCore.Modules.Automation.Contracts;
using VirtualCore.Modules.Automation.Domain;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Tenancy.Contracts;
using VirtualCore.Portal.Tests.Billing;

namespace VirtualCore.Portal.Tests;

/// <summary>One portal that may send webhooks to loopback over http (an internal receiver, as the operator may allow), retrying after 200 ms.</summary>
public sealed class WebhookPortal : IAsyncLifetime
{
    public static readonly IReadOnlyDictionary<string, string> Settings = new Dictionary<string, string>
    {
        ["Webhooks:AllowPrivateAddresses"] = "true",
        ["Webhooks:AllowHttp"] = "true",
        ["Webhooks:FirstRetryAfter"] = "00:00:00.200",
    };

    public PortalFixture Portal { get; } = new(settings: Settings);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await Portal.DisposeAsync();
}

/// <summary>
/// Webhooks end to end against a real HTTP receiver on loopback: what each account hears, the signature and its rotation,
/// order and retries, the delivery log, sending again, and every way another account might reach a subscription.
/// </summary>
public sealed class WebhookTests(WebhookPortal fixture) : IClassFixture<WebhookPortal>, IDisposable
{
    private static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);
    private readonly PortalFixture _portal = fixture.Portal;
    private readonly WebhookReceiver _receiver = new();

    public void Dispose() => _receiver.Dispose();

    private HttpClient Kamp(string user) => _portal.ApiClient(user, $"{user}-pass-1", "kamp.localhost");

    private static async Task<CreatedWebhook> SubscribeAsync(HttpClient api, string url, params string[] events)
    {
        var response = await api.PostAsJsonAsync("/api/v1/webhooks", new { url, events, description = "test" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<CreatedWebhook>(Api.Json))!;
    }

    private static async Task<WebhookDeliveryView> PingAsync(HttpClient api, Guid webhookId)
    {
        var response = await api.PostAsync($"/api/v1/webhooks/{webhookId}/ping", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<WebhookDeliveryView>(Api.Json))!;
    }

    private static JsonElement Data(WebhookReceiver.Received received) => JsonDocument.Parse(received.Body).RootElement.GetProperty("data");

    [Fact]
    public async Task A_customer_hears_its_own_jobs_and_vm_states_signed_with_its_secret_and_nothing_of_another_customer()
    {
        var demo = _portal.Demo();
        var hook = await SubscribeAsync(demo, _receiver.Url(), "job.completed", "vm.state-changed");
        Assert.StartsWith(WebhookSignature.SecretPrefix, hook.Secret);
        Assert.Equal(WebhookAudiences.Customer, hook.Webhook.Audience);

        var other = _portal.Other();
        var foreign = await other.CompleteAsync(other.CreateVmAsync("not-yours"));
        var created = await demo.CompleteAsync(demo.CreateVmAsync("hooked"));
        var started = await demo.CompleteAsync(demo.ActAsync(created.TargetId, "start"));

        var taken = await _receiver.WaitForAsync(r => r.Count(x => x.Event == "job.completed") >= 2 && r.Any(x => x.Event == "vm.state-changed" && x.Body.Contains("\"state\":\"running\"", StringComparison.Ordinal)));
        Assert.Equal([created.Id.ToString(), started.Id.ToString()], taken.Where(x => x.Event == "job.completed").Select(x => Data(x).GetProperty("job").GetProperty("id").GetString()));
        var running = taken.First(x => x.Event == "vm.state-changed" && Data(x).GetProperty("vm").GetProperty("state").GetString() == VmStates.Running);
        Assert.Equal(created.TargetId.ToString(), Data(running).GetProperty("vm").GetProperty("id").GetString());
        Assert.Equal(VmStates.ShutOff, Data(running).GetProperty("vm").GetProperty("previousState").GetString());

        foreach (var received in taken)
        {
            Assert.True(WebhookSignature.Verify(hook.Secret, received.Signature, received.Body, DateTimeOffset.UtcNow, Tolerance), received.Signature);
            Assert.False(WebhookSignature.Verify(hook.Secret, received.Signature, received.Body.Replace("hooked", "hacked", StringComparison.Ordinal), DateTimeOffset.UtcNow, Tolerance));
            var body = JsonDocument.Parse(received.Body).RootElement;
            Assert.Equal(received.EventId, body.GetProperty("id").GetString());
            Assert.Equal(received.Event, body.GetProperty("type").GetString());
        }

        // The job's end and its event were written together: exactly one delivery for it, whatever wrote the end.
        var eventId = TenantEvent.IdOf($"{"job.completed"}:{started.Id:N}");
        Assert.Equal(1, await _portal.DbAsync(db => db.Set<WebhookDelivery>().IgnoreQueryFilters().CountAsync(d => d.EventId == eventId && d.SubscriptionId == hook.Webhook.Id)));

        // Nothing of the other customer's, and no event type it did not choose (job.failed, alerts, invoices).
        Assert.DoesNotContain(taken, x => x.Body.Contains(foreign.TargetId.ToString(), StringComparison.Ordinal) || x.Body.Contains("not-yours", StringComparison.Ordinal));
        Assert.All(taken, x => Assert.Contains(x.Event, new[] { "job.completed", "vm.state-changed" }));
    }

    [Fact]
    public async Task A_failing_receiver_gets_every_delivery_in_order_and_the_log_keeps_each_answer()
    {
        var demo = _portal.Demo();
        var hook = await SubscribeAsync(demo, _receiver.Url("flaky"), "job.failed");
        _receiver.Answer = n => n <= 3 ? 503 : 200;
        var pings = new List<WebhookDeliveryView>();
        for (var i = 0; i < 3; i++)
        {
            pings.Add(await PingAsync(demo, hook.Webhook.Id));
        }

        var taken = await _receiver.WaitForAsync(r => r.Count == 3);
        Assert.Equal(pings.Select(p => p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)), taken.Select(t => t.Delivery));
        Assert.All(taken, t => Assert.Equal("ping", t.Event));

        // The first one failed three times (the later ones waited behind it), then was taken; the log says so.
        var first = await demo.GetAsync<WebhookDeliveryDetail>($"/api/v1/webhooks/{hook.Webhook.Id}/deliveries/{pings[0].Id}");
        Assert.Equal(WebhookDeliveryStatuses.Delivered, first.Delivery.Status);
        Assert.Equal([503, 503, 503, 200], first.Attempts.Select(a => a.StatusCode ?? 0));
        Assert.Contains("503", first.Attempts[0].Error);
        Assert.Null(first.Attempts[^1].Error);
        Assert.True(first.Attempts.Zip(first.Attempts.Skip(1)).All(p => p.Second.At > p.First.At));
        var later = await demo.GetAsync<WebhookDeliveryDetail>($"/api/v1/webhooks/{hook.Webhook.Id}/deliveries/{pings[2].Id}");
        Assert.Equal([200], later.Attempts.Select(a => a.StatusCode ?? 0));

        var log = await demo.GetAsync<WebhookDeliveryList>($"/api/v1/webhooks/{hook.Webhook.Id}/deliveries?limit=2");
        Assert.Equal([pings[2].Id, pings[1].Id], log.Deliveries.Select(d => d.Id));
        Assert.True(log.More);
        var older = await demo.GetAsync<WebhookDeliveryList>($"/api/v1/webhooks/{hook.Webhook.Id}/deliveries?limit=2&before={pings[1].Id}");
        Assert.Equal([pings[0].Id], older.Deliveries.Select(d => d.Id));
        Assert.False(older.More);
        Assert.Equal(0, (await demo.GetAsync<WebhookView>($"/api/v1/webhooks/{hook.Webhook.Id}")).Waiting);
    }

    [Fact]
    public void The_pause_after_each_failed_attempt_doubles_up_to_an_hour()
    {
        var options = new WebhookOptions();
        Assert.Equal(
            [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600],
            Enumerable.Range(1, 11).Select(attempts => options.RetryPause(attempts).TotalSeconds));
        Assert.Equal(TimeSpan.FromMilliseconds(800), new WebhookOptions { FirstRetryAfter = TimeSpan.FromMilliseconds(200) }.RetryPause(3));
        Assert.Equal(TimeSpan.FromHours(1), options.RetryPause(1_000));
    }

    [Fact]
    public async Task A_receiver_switched_off_gets_nothing_new_and_what_waits_goes_out_when_it_is_on_again()
    {
        var demo = _portal.Demo();
        var hook = await SubscribeAsync(demo, _receiver.Url("paused"), "job.completed");
        var waiting = await PingAsync(demo, hook.Webhook.Id);
        Assert.Equal(HttpStatusCode.OK, (await demo.PatchAsJsonAsync($"/api/v1/webhooks/{hook.Webhook.Id}", new { enabled = false })).StatusCode);
        await demo.CompleteAsync(demo.CreateVmAsync("unheard"));
        Assert.Equal(HttpStatusCode.OK, (await demo.PatchAsJsonAsync($"/api/v1/webhooks/{hook.Webhook.Id}", new { enabled = true })).StatusCode);
        var marker = await PingAsync(demo, hook.Webhook.Id);

        var taken = await _receiver.WaitForAsync(r => r.Any(x => x.Delivery == marker.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal([waiting.Id, marker.Id], taken.Select(t => long.Parse(t.Delivery, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task A_rotated_secret_signs_alongside_the_old_one_until_the_old_one_lapses()
    {
        var demo = _portal.Demo();
        var hook = await SubscribeAsync(demo, _receiver.Url("rotate"), "*");
        var rotated = await (await demo.PostAsJsonAsync($"/api/v1/webhooks/{hook.Webhook.Id}/rotate-secret", new { keepOldHours = 24 })).Content.ReadFromJsonAsync<RotatedWebhookSecret>(Api.Json);
        Assert.NotEqual(hook.Secret, rotated!.Secret);
        Assert.True(rotated.PreviousSecretValidUntil > DateTimeOffset.UtcNow.AddHours(23));
        await PingAsync(demo, hook.Webhook.Id);
        var during = (await _receiver.WaitForAsync(r => r.Count == 1))[0];
        Assert.Equal(2, during.Signature.Split(',').Count(p => p.StartsWith("v1=", StringComparison.Ordinal)));
        Assert.True(WebhookSignature.Verify(hook.Secret, during.Signature, during.Body, DateTimeOffset.UtcNow, Tolerance));
        Assert.True(WebhookSignature.Verify(rotated.Secret, during.Signature, during.Body, DateTimeOffset.UtcNow, Tolerance));

        // Rotated again with no grace: only the newest secret signs; both older ones fail.
        var now = await (await demo.PostAsJsonAsync($"/api/v1/webhooks/{hook.Webhook.Id}/rotate-secret", new { keepOldHours = 0 })).Content.ReadFromJsonAsync<RotatedWebhookSecret>(Api.Json);
        Assert.Null(now!.PreviousSecretValidUntil);
        await PingAsync(demo, hook.Webhook.Id);
        var after = (await _receiver.WaitForAsync(r => r.Count == 2))[1];
        Assert.True(WebhookSignature.Verify(now.Secret, after.Signature, after.Body, DateTimeOffset.UtcNow, Tolerance));
        Assert.False(WebhookSignature.Verify(rotated.Secret, after.Signature, after.Body, DateTimeOffset.UtcNow, Tolerance));
        Assert.False(WebhookSignature.Verify(hook.Secret, after.Signature, after.Body, DateTimeOffset.UtcNow, Tolerance));

        var bad = await demo.PostAsJsonAsync($"/api/v1/webhooks/{hook.Webhook.Id}/rotate-secret", new { keepOldHours = 169 });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await bad.ProblemAsync()).GetProperty("errors").TryGetProperty("keepOldHours", out _));
    }

    [Fact]
    public async Task Sending_again_repeats_the_event_id_and_body_after_what_waits()
    {
        var demo = _portal.Demo();
        var hook = await SubscribeAsync(demo, _receiver.Url("again"), "job.completed");
        var ping = await PingAsync(demo, hook.Webhook.Id);
        var first = (await _receiver.WaitForAsync(r => r.Count == 1))[0];
        var again = await demo.PostAsync($"/api/v1/webhooks/{hook.Webhook.Id}/deliveries/{ping.Id}/redeliver", null);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        var redelivery = (await again.Content.ReadFromJsonAsync<WebhookDeliveryView>(Api.Json))!;
        Assert.Equal(ping.Id, redelivery.RedeliveryOf);
        var second = (await _receiver.WaitForAsync(r => r.Count == 2))[1];
        Assert.Equal((first.EventId, first.Body), (second.EventId, second.Body));
        Assert.NotEqual(first.Delivery, second.Delivery);
    }

    [Fact]
    public async Task Another_account_a_customer_user_and_a_token_without_manage_cannot_reach_a_webhook()
    {
        var demo = _portal.Demo();
        var hook = await SubscribeAsync(demo, _receiver.Url("private"), "job.completed");
        var ping = await PingAsync(demo, hook.Webhook.Id);
        var id = hook.Webhook.Id;
        var paths = new (HttpMethod Method, string Path, object? Body)[]
        {
            (HttpMethod.Get, $"/api/v1/webhooks/{id}", null),
            (HttpMethod.Patch, $"/api/v1/webhooks/{id}", new { url = "http://127.0.0.1:1/stolen" }),
            (HttpMethod.Delete, $"/api/v1/webhooks/{id}", null),
            (HttpMethod.Post, $"/api/v1/webhooks/{id}/rotate-secret", new { }),
            (HttpMethod.Post, $"/api/v1/webhooks/{id}/ping", null),
            (HttpMethod.Get, $"/api/v1/webhooks/{id}/deliveries", null),
            (HttpMethod.Get, $"/api/v1/webhooks/{id}/deliveries/{ping.Id}", null),
            (HttpMethod.Post, $"/api/v1/webhooks/{id}/deliveries/{ping.Id}/redeliver", null),
        };

        // Another customer of the same reseller, and another reseller's administrator: not found, not "forbidden".
        foreach (var stranger in new[] { _portal.Other(), Kamp("kamp-admin"), Kamp("baecker") })
        {
            foreach (var (method, path, body) in paths)
            {
                using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
                var response = await stranger.SendAsync(request);
                Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {path}: {response.StatusCode}");
            }

            Assert.DoesNotContain(await stranger.GetAsync<WebhookView[]>("/api/v1/webhooks"), h => h.Id == id);
        }

        // A customer's user (not its administrator) may not manage webhooks at all.
        var user = Kamp("geselle");
        Assert.Equal(HttpStatusCode.Forbidden, (await user.GetAsync("/api/v1/webhooks")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await user.PostAsJsonAsync("/api/v1/webhooks", new { url = _receiver.Url(), events = new[] { "*" } })).StatusCode);

        // A token with operate (not manage) may not either, though its user may.
        var token = await demo.TokenAsync("operate");
        using var scoped = _portal.CreateClient();
        scoped.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(HttpStatusCode.Forbidden, (await scoped.GetAsync("/api/v1/webhooks")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await scoped.PostAsync($"/api/v1/webhooks/{id}/ping", null)).StatusCode);

        // Untouched: the URL is still the owner's.
        Assert.Equal(_receiver.Url("private"), (await demo.GetAsync<WebhookView>($"/api/v1/webhooks/{id}")).Url);
    }

    [Fact]
    public async Task A_reseller_hears_its_customers_and_the_invoices_it_issues_and_receives_and_its_customer_only_its_own()
    {
        var reseller = await SubscribeAsync(Kamp("kamp-admin"), _receiver.Url("kamp"), "invoice.issued", "job.completed");
        Assert.Equal(WebhookAudiences.Reseller, reseller.Webhook.Audience);
        var bakery = await SubscribeAsync(Kamp("baecker"), _receiver.Url("bakery"), "invoice.issued");
        var demo = await SubscribeAsync(_portal.Demo(), _receiver.Url("demo"), "invoice.issued");

        await BillingTestData.ContractAsync(_portal, DemoTenants.KampId, DemoTenants.KampCustomerId, 7500, 5250, new DateOnly(2025, 1, 1), new DateOnly(2025, 1, 31));
        var run = await _portal.ApiClient("operator", "operator-pass-1").PostAsJsonAsync("/api/v1/invoices/run", new { period = "2025-01" });
        Assert.Equal(HttpStatusCode.OK, run.StatusCode);
        var job = await Kamp("baecker").CompleteAsync(Kamp("baecker").CreateVmAsync("bakery-web"));

        var taken = await _receiver.WaitForAsync(r => r.Count(x => x.Path == "/kamp") >= 3 && r.Any(x => x.Path == "/bakery"));
        var kamp = taken.Where(x => x.Path == "/kamp").ToList();
        Assert.Equal(2, kamp.Count(x => x.Event == "invoice.issued"));
        Assert.Contains(kamp, x => x.Event == "invoice.issued" && Data(x).GetProperty("invoice").GetProperty("wholesale").GetBoolean());
        Assert.Contains(kamp, x => x.Event == "invoice.issued" && !Data(x).GetProperty("invoice").GetProperty("wholesale").GetBoolean());
        Assert.Contains(kamp, x => x.Event == "job.completed" && x.Body.Contains(job.Id.ToString(), StringComparison.Ordinal));
        Assert.All(kamp, x => Assert.True(WebhookSignature.Verify(reseller.Secret, x.Signature, x.Body, DateTimeOffset.UtcNow, Tolerance)));

        // The bakery hears its own invoice only: not the wholesale one between its reseller and the provider.
        var own = Assert.Single(taken, x => x.Path == "/bakery");
        Assert.False(Data(own).GetProperty("invoice").GetProperty("wholesale").GetBoolean());
        Assert.Equal(7500m * 1.19m / 100, Data(own).GetProperty("invoice").GetProperty("gross").GetDecimal());

        // Another reseller's customer hears nothing of it: its ping arrives, and nothing before it.
        await PingAsync(_portal.Demo(), demo.Webhook.Id);
        var demoTaken = await _receiver.WaitForAsync(r => r.Any(x => x.Path == "/demo"));
        Assert.Equal(["ping"], demoTaken.Where(x => x.Path == "/demo").Select(x => x.Event));
    }

    [Fact]
    public async Task The_pages_show_the_owner_its_webhooks_and_deliveries_and_another_account_not_found()
    {
        var demo = _portal.Demo();
        var hook = await SubscribeAsync(demo, _receiver.Url("page"), "job.completed");
        await PingAsync(demo, hook.Webhook.Id);
        await _receiver.WaitForAsync(r => r.Count == 1);

        using var owner = _portal.Session();
        await owner.SignInAsync("demo", "demo-pass-1");
        var list = await owner.Client.GetStringAsync("/admin/webhooks");
        Assert.Contains(_receiver.Url("page"), list);
        Assert.Contains("job.failed", list); // offered in the form
        var detail = await owner.Client.GetStringAsync($"/admin/webhooks/{hook.Webhook.Id}");
        Assert.Contains("ping", detail);
        Assert.Contains("data-redeliver", detail);

        using var stranger = _portal.Session();
        await stranger.SignInAsync("other", "other-pass-1");
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.Client.GetAsync($"/admin/webhooks/{hook.Webhook.Id}")).StatusCode);
        Assert.DoesNotContain(_receiver.Url("page"), await stranger.Client.GetStringAsync("/admin/webhooks"));

        // A customer's user has no webhooks page.
        using var user = _portal.Session("kamp.localhost");
        await user.SignInAsync("geselle", "geselle-pass-1");
        Assert.Equal(HttpStatusCode.Forbidden, (await user.Client.GetAsync("/admin/webhooks")).StatusCode);
    }
}

/// <summary>What a subscription may not be, on a portal with the default settings (https to public addresses only).</summary>
public sealed class WebhookRefusalTests(WebhookRefusalTests.StrictPortal fixture) : IClassFixture<WebhookRefusalTests.StrictPortal>
{
    private readonly PortalFixture _portal = fixture.Portal;

    /// <summary>The default webhook settings, with room for two subscriptions per account.</summary>
    public sealed class StrictPortal : IAsyncLifetime
    {
        public PortalFixture Portal { get; } = new(settings: new Dictionary<string, string> { ["Webhooks:MaxSubscriptions"] = "2" });

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync() => await Portal.DisposeAsync();
    }

    [Theory]
    [InlineData("http://hooks.example.com/vcore")]                // plain http
    [InlineData("https://127.0.0.1/hook")]                        // loopback
    [InlineData("https://[::1]/hook")]
    [InlineData("https://localhost:8443/hook")]
    [InlineData("https://portal.localhost/hook")]
    [InlineData("https://169.254.169.254/latest/meta-data")]      // cloud metadata
    [InlineData("https://10.1.2.3/hook")]                         // private
    [InlineData("https://192.168.0.10/hook")]
    [InlineData("https://100.64.0.1/hook")]                       // carrier-grade NAT
    [InlineData("https://[fd00::1]/hook")]                        // unique local IPv6
    [InlineData("https://[::ffff:127.0.0.1]/hook")]               // loopback mapped into IPv6
    [InlineData("https://0x7f000001/hook")]                       // loopback written in hex
    [InlineData("https://admin:secret@hooks.example.com/")]       // credentials in the URL
    [InlineData("ftp://hooks.example.com/")]
    [InlineData("/relative/hook")]
    [InlineData("")]
    public async Task A_url_the_portal_must_not_call_is_refused_naming_the_field(string url)
    {
        var response = await _portal.Demo().PostAsJsonAsync("/api/v1/webhooks", new { url, events = new[] { "*" } });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.ProblemAsync()).GetProperty("errors");
        Assert.Equal(["url"], errors.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Unknown_or_missing_events_too_long_a_url_or_description_and_one_subscription_too_many_are_refused()
    {
        var demo = _portal.Demo();
        async Task<string[]> FieldsAsync(object body)
        {
            var response = await demo.PostAsJsonAsync("/api/v1/webhooks", body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            return [.. (await response.ProblemAsync()).GetProperty("errors").EnumerateObject().Select(p => p.Name).Order()];
        }

        Assert.Equal(["events"], await FieldsAsync(new { url = "https://hooks.example.com/", events = Array.Empty<string>() }));
        Assert.Equal(["events"], await FieldsAsync(new { url = "https://hooks.example.com/", events = new[] { "vm.deleted\u0007" } }));
        Assert.Equal(["events"], await FieldsAsync(new { url = "https://hooks.example.com/" }));
        Assert.Equal(["description", "url"], await FieldsAsync(new { url = "https://hooks.example.com/" + new string('a', 2000), events = new[] { "*" }, description = new string('d', 201) }));
        Assert.Equal(["description"], await FieldsAsync(new { url = "https://hooks.example.com/", events = new[] { "*" }, description = "line\nbreak" }));
        Assert.Equal(HttpStatusCode.BadRequest, (await demo.PostAsync("/api/v1/webhooks", new StringContent("{", System.Text.Encoding.UTF8, "application/json"))).StatusCode);

        // An update is checked the same way, and changes nothing when refused.
        var created = await demo.PostAsJsonAsync("/api/v1/webhooks", new { url = "https://hooks.example.com/a", events = new[] { "job.failed" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<CreatedWebhook>(Api.Json))!.Webhook.Id;
        Assert.Equal(HttpStatusCode.BadRequest, (await demo.PatchAsJsonAsync($"/api/v1/webhooks/{id}", new { url = "https://169.254.169.254/" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await demo.PatchAsJsonAsync($"/api/v1/webhooks/{id}", new { events = new[] { "nope" } })).StatusCode);
        var kept = await demo.GetAsync<WebhookView>($"/api/v1/webhooks/{id}");
        Assert.Equal("https://hooks.example.com/a", kept.Url);
        Assert.Equal(["job.failed"], kept.Events);

        // The account's limit (two here): the third is a conflict; another account still has its own.
        Assert.Equal(HttpStatusCode.Created, (await demo.PostAsJsonAsync("/api/v1/webhooks", new { url = "https://hooks.example.com/b", events = new[] { "*" } })).StatusCode);
        var third = await demo.PostAsJsonAsync("/api/v1/webhooks", new { url = "https://hooks.example.com/c", events = new[] { "*" } });
        Assert.Equal(HttpStatusCode.Conflict, third.StatusCode);
        Assert.Contains("delete one first", (await third.ProblemAsync()).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.Created, (await _portal.Other().PostAsJsonAsync("/api/v1/webhooks", new { url = "https://hooks.example.com/other", events = new[] { "*" } })).StatusCode);
    }

}

/// <summary>Nothing queued is lost when the portal stops before the receiver takes it.</summary>
public sealed class WebhookRestartTests
{
    [Fact]
    public async Task Events_queued_while_the_portal_stops_go_out_after_it_starts_again()
    {
        using var receiver = new WebhookReceiver { Answer = _ => 503 };
        var dataDirectory = Path.Combine(Path.GetTempPath(), "vcore-tests", Guid.NewGuid().ToString("N"));
        Guid webhookId;
        JobView job;
        await using (var first = new PortalFixture(dataDirectory, settings: WebhookPortal.Settings))
        {
            var demo = first.Demo();
            var created = await demo.PostAsJsonAsync("/api/v1/webhooks", new { url = receiver.Url(), events = new[] { "job.completed" } });
            webhookId = (await created.Content.ReadFromJsonAsync<CreatedWebhook>(Api.Json))!.Webhook.Id;
            job = await demo.CompleteAsync(demo.CreateVmAsync("survives"));
            await Api.WaitUntilAsync(() => Task.FromResult(receiver.Calls), c => c >= 1);
        }

        receiver.Answer = _ => 200;
        await using var second = new PortalFixture(dataDirectory, settings: WebhookPortal.Settings);
        var again = second.Demo(); // starts it
        var taken = await receiver.WaitForAsync(r => r.Count >= 1);
        Assert.Equal("job.completed", taken[0].Event);
        Assert.Contains(job.Id.ToString(), taken[0].Body);
        var log = await again.GetAsync<WebhookDeliveryList>($"/api/v1/webhooks/{webhookId}/deliveries");
        Assert.Equal(WebhookDeliveryStatuses.Delivered, Assert.Single(log.Deliveries).Status);
    }
}
