using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using netDumbster.smtp;
using VirtualCore.Framework.Webhooks;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Domain;
using VirtualCore.Modules.Monitoring.Contracts;
using VirtualCore.Modules.Monitoring.Features;
using VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Portal.Tests;

/// <summary>
/// Alerts: rules on a VM, on all of a customer's VMs and on rack servers; firing after the duration, hysteresis,
/// acknowledging, resolving, the history, e-mail through a real SMTP server on loopback and signed webhooks to a real
/// HTTP listener. The figures go in through the usage ingest and the rules are evaluated at times the test chooses
/// (the portal's own evaluation timer is off), so every step is exact.
/// </summary>
public sealed class AlertTests : IAsyncLifetime
{
    private readonly int _smtpPort = WebhookReceiver.FreePort();
    private readonly SimpleSmtpServer _smtp;
    private readonly WebhookReceiver _hooks = new();
    private readonly PortalFixture _portal;

    public AlertTests()
    {
        _smtp = SimpleSmtpServer.Start(_smtpPort);
        _portal = new PortalFixture(settings: new Dictionary<string, string>
        {
            ["NodeAgentDefaults:UsageInterval"] = "00:00:00",
            ["Alerts:EvaluationInterval"] = "00:00:00",
            ["Smtp:Host"] = "127.0.0.1",
            ["Smtp:Port"] = _smtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Smtp:Security"] = "none",
            ["Smtp:From"] = "Alerts <alerts@portal.example>",
            ["Webhooks:AllowPrivateAddresses"] = "true",
            ["Webhooks:AllowHttp"] = "true",
            ["Infrastructure:OfflineAfter"] = "00:00:05",
        });
    }

    private string HookUrl => _hooks.Url();

    public Task InitializeAsync()
    {
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        _hooks.Dispose();
        _smtp.Dispose();
    }

    [Fact]
    public async Task A_cpu_rule_fires_after_its_duration_holds_through_the_hysteresis_band_and_resolves_below_it_by_mail_and_signed_webhook()
    {
        var api = _portal.Demo();
        var vmId = await api.CreatedVmAsync("busy-web");
        var created = await CreateRuleAsync(api, new
        {
            name = "web server busy",
            scope = "vm",
            subject = vmId.ToString(),
            condition = "cpu",
            threshold = 90,
            clearBelow = 50,
            durationSeconds = 60,
            emails = new[] { "ops@customer.example" },
            webhookUrl = HookUrl,
        });
        Assert.StartsWith(WebhookSignature.SecretPrefix, created.WebhookSecret);
        Assert.Equal("busy-web", created.Rule.SubjectName);

        // 95 % for a minute: pending until the minute is over, then firing.
        var t0 = Aligned(DateTimeOffset.UtcNow.AddMinutes(-5));
        await CpuAsync(vmId, t0, 95);
        Assert.Equal(0, await EvaluateAsync(t0.AddSeconds(5)));
        Assert.Empty(await api.GetAsync<AlertView[]>("/api/v1/alerts"));
        for (var s = 10; s <= 60; s += 10)
        {
            await CpuAsync(vmId, t0.AddSeconds(s), 95 + (s / 30));
        }

        Assert.Equal(0, await EvaluateAsync(t0.AddSeconds(35)));
        Assert.Equal(1, await EvaluateAsync(t0.AddSeconds(65)));
        var firing = Assert.Single(await api.GetAsync<AlertView[]>("/api/v1/alerts?state=open"));
        Assert.Equal((AlertStates.Firing, "busy-web", 97d, 90d), (firing.State, firing.SubjectName, firing.Value, firing.Threshold));

        var fired = await MailAsync("[Firing] web server busy: busy-web");
        Assert.Equal("ops@customer.example", Assert.Single(fired.ToAddresses).Address);
        Assert.Contains("CPU at 97 %, above 90 %", fired.MessageParts[0].BodyData);
        var hook = await HookAsync(1);
        Assert.Equal("alert.fired", hook.Event);
        Assert.True(WebhookSignature.Verify(created.WebhookSecret!, hook.Signature, hook.Body, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)), hook.Signature);
        Assert.False(WebhookSignature.Verify("whsec_wrong", hook.Signature, hook.Body, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify(created.WebhookSecret!, hook.Signature, hook.Body + " ", DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));
        using (var json = JsonDocument.Parse(hook.Body))
        {
            Assert.Equal("alert.fired", json.RootElement.GetProperty("type").GetString());
            Assert.Equal(vmId.ToString(), json.RootElement.GetProperty("alert").GetProperty("subject").GetString());
        }

        // 70 % is below the threshold but above the clear level: still firing, nobody is told anything new.
        await CpuAsync(vmId, t0.AddSeconds(70), 70);
        Assert.Equal(0, await EvaluateAsync(t0.AddSeconds(75)));
        Assert.Equal(AlertStates.Firing, (await api.GetAsync<AlertView[]>("/api/v1/alerts?state=open")).Single().State);

        var acknowledged = await (await api.PostAsync($"/api/v1/alerts/{firing.Id}/acknowledge", null)).Content.ReadFromJsonAsync<AlertView>(Api.Json);
        Assert.Equal((AlertStates.Acknowledged, "demo"), (acknowledged!.State, acknowledged.AcknowledgedBy));

        // 40 %: resolved, with the reason, and both channels hear of it after the firing.
        await CpuAsync(vmId, t0.AddSeconds(80), 40);
        Assert.Equal(1, await EvaluateAsync(t0.AddSeconds(85)));
        Assert.Empty(await api.GetAsync<AlertView[]>("/api/v1/alerts?state=open"));
        var resolved = Assert.Single(await api.GetAsync<AlertView[]>("/api/v1/alerts?state=resolved"));
        Assert.Equal((firing.Id, 97d, "demo"), (resolved.Id, resolved.Peak, resolved.AcknowledgedBy));
        Assert.Contains("fell to 40 %, below 50 %", resolved.Resolution);
        await MailAsync("[Resolved] web server busy: busy-web");
        Assert.Equal(2, _smtp.ReceivedEmailCount);
        Assert.Equal("alert.resolved", (await HookAsync(2)).Event);
        Assert.Equal(HttpStatusCode.Conflict, (await api.PostAsync($"/api/v1/alerts/{firing.Id}/acknowledge", null)).StatusCode);

        // Every figure below the threshold again: nothing new fires.
        await CpuAsync(vmId, t0.AddSeconds(90), 45);
        Assert.Equal(0, await EvaluateAsync(t0.AddSeconds(95)));
    }

    [Fact]
    public async Task A_dip_below_the_threshold_before_the_duration_is_over_starts_the_wait_again()
    {
        var api = _portal.Demo();
        var vmId = await api.CreatedVmAsync("spiky");
        await CreateRuleAsync(api, new { name = "spikes", scope = "vm", subject = vmId.ToString(), condition = "disk-write", threshold = 100_000_000, durationSeconds = 30 });
        var t0 = Aligned(DateTimeOffset.UtcNow.AddMinutes(-5));
        await IngestAsync(vmId, t0, v => v with { DiskWriteBytesPerSecond = 200_000_000 });
        await EvaluateAsync(t0.AddSeconds(5));
        await IngestAsync(vmId, t0.AddSeconds(10), v => v with { DiskWriteBytesPerSecond = 200_000_000 });
        await IngestAsync(vmId, t0.AddSeconds(20), v => v with { DiskWriteBytesPerSecond = 1_000 });
        await IngestAsync(vmId, t0.AddSeconds(30), v => v with { DiskWriteBytesPerSecond = 200_000_000 });

        // The dip at 20 s lies in the window: the condition did not hold without a break, so nothing fires at 35 s…
        Assert.Equal(0, await EvaluateAsync(t0.AddSeconds(35)));
        await IngestAsync(vmId, t0.AddSeconds(40), v => v with { DiskWriteBytesPerSecond = 200_000_000 });
        await IngestAsync(vmId, t0.AddSeconds(50), v => v with { DiskWriteBytesPerSecond = 200_000_000 });
        Assert.Equal(0, await EvaluateAsync(t0.AddSeconds(55)));

        // …and it fires 30 s after it began to hold again.
        for (var s = 60; s <= 80; s += 10)
        {
            await IngestAsync(vmId, t0.AddSeconds(s), v => v with { DiskWriteBytesPerSecond = 200_000_000 });
        }

        Assert.Equal(0, await EvaluateAsync(t0.AddSeconds(75)));
        Assert.Equal(1, await EvaluateAsync(t0.AddSeconds(85)));
        var alert = Assert.Single(await api.GetAsync<AlertView[]>("/api/v1/alerts"));
        Assert.Equal(AlertConditions.DiskWrite, alert.Condition);
    }

    [Fact]
    public async Task A_customer_rule_watches_every_vm_of_the_customer_a_stopped_vm_that_should_run_fires_and_a_vm_stopped_on_purpose_does_not()
    {
        var api = _portal.Demo();
        await CreateRuleAsync(api, new { name = "down", scope = "customer", condition = "stopped", durationSeconds = 0 });
        var crashes = await api.CreatedVmAsync("crashes");
        var stopped = await api.CreatedVmAsync("stopped-on-purpose");
        var foreign = await _portal.Other().CreatedVmAsync("not-demos");
        foreach (var vm in new[] { crashes, stopped })
        {
            await api.CompleteAsync(api.ActAsync(vm, "start"));
        }

        await _portal.Other().CompleteAsync(_portal.Other().ActAsync(foreign, "start"));
        await api.CompleteAsync(api.ActAsync(stopped, "power-off"));
        Assert.Equal(0, await EvaluateAsync(DateTimeOffset.UtcNow));

        // Two guests switch themselves off behind the portal's back: their rack servers report it, no job stopped them.
        foreach (var vm in new[] { crashes, foreign })
        {
            var node = await _portal.NodeOfAsync(vm);
            await _portal.Agents[node].Adapter.PowerOffDomainAsync(vm, default);
            await Api.WaitUntilAsync(() => _portal.DbAsync(db => db.Set<VirtualMachine>().Where(v => v.Id == vm).Select(v => v.State).SingleAsync()), s => s == VmStates.ShutOff);
        }

        Assert.Equal(1, await EvaluateAsync(DateTimeOffset.UtcNow));
        var alert = Assert.Single(await api.GetAsync<AlertView[]>("/api/v1/alerts?state=firing"));
        Assert.Equal(("crashes", AlertConditions.Stopped), (alert.SubjectName, alert.Condition));
        Assert.Empty(await _portal.Other().GetAsync<AlertView[]>("/api/v1/alerts"));

        await api.CompleteAsync(api.ActAsync(crashes, "start"));
        Assert.Equal(1, await EvaluateAsync(DateTimeOffset.UtcNow));
        Assert.Equal("The VM runs again, or was stopped on purpose.", (await api.GetAsync<AlertView[]>("/api/v1/alerts?state=resolved")).Single().Resolution);
    }

    [Fact]
    public async Task The_provider_hears_when_a_rack_server_goes_offline_and_when_it_is_back_and_customers_see_none_of_it()
    {
        var provider = _portal.ApiClient("operator", "operator-pass-1");
        await CreateRuleAsync(provider, new { name = "rack down", scope = "node", subject = "*", condition = "offline", durationSeconds = 0, emails = new[] { "noc@provider.example" } });
        Assert.Equal(0, await EvaluateAsync(DateTimeOffset.UtcNow));

        await _portal.Agents["rack-2"].StopAsync();
        await Api.WaitUntilAsync(() => provider.GetAsync<NodeUsageView[]>("/api/v1/nodes"), n => n.Single(x => x.Name == "rack-2").Online == false);
        Assert.Equal(1, await EvaluateAsync(DateTimeOffset.UtcNow));
        var alert = Assert.Single(await provider.GetAsync<AlertView[]>("/api/v1/alerts?state=firing"));
        Assert.Equal(("rack-2", "rack-2"), (alert.Subject, alert.SubjectName));
        Assert.Equal("noc@provider.example", Assert.Single((await MailAsync("[Firing] rack down: rack-2")).ToAddresses).Address);
        Assert.Empty(await _portal.Demo().GetAsync<AlertView[]>("/api/v1/alerts"));
        Assert.Empty(await _portal.Demo().GetAsync<AlertRuleView[]>("/api/v1/alert-rules"));
        Assert.Equal(HttpStatusCode.NotFound, (await _portal.Demo().PostAsync($"/api/v1/alerts/{alert.Id}/acknowledge", null)).StatusCode);

        await _portal.Agents["rack-2"].StartAsync(default);
        await Api.WaitUntilAsync(() => provider.GetAsync<NodeUsageView[]>("/api/v1/nodes"), n => n.Single(x => x.Name == "rack-2").Online);
        Assert.Equal(1, await EvaluateAsync(DateTimeOffset.UtcNow));
        await MailAsync("[Resolved] rack down: rack-2");
    }

    [Fact]
    public async Task Traffic_over_the_monthly_allowance_fires_and_deleting_the_vm_takes_its_rules_and_resolves_its_alerts()
    {
        var api = _portal.Demo();
        var vmId = await api.CreatedVmAsync("chatty");
        var rule = (await CreateRuleAsync(api, new { name = "allowance", scope = "vm", subject = vmId.ToString(), condition = "traffic", threshold = 1, durationSeconds = 0 })).Rule;
        var now = DateTimeOffset.UtcNow;

        // 1 GiB in 10 s each way: 2 GiB this month, over the 1 GiB allowance.
        await IngestAsync(vmId, now, v => v with { NetInBytesPerSecond = (1L << 30) / 10.0, NetOutBytesPerSecond = (1L << 30) / 10.0 });
        Assert.Equal(1, await EvaluateAsync(now));
        var alert = Assert.Single(await api.GetAsync<AlertView[]>("/api/v1/alerts?state=firing"));
        Assert.Equal(2, alert.Value!.Value, 3);

        var deleted = await api.DeleteAsync($"/api/v1/vms/{vmId}?confirm=chatty");
        Assert.Equal(HttpStatusCode.Accepted, deleted.StatusCode);
        await api.CompleteAsync(Task.FromResult((await deleted.Content.ReadFromJsonAsync<JobAccepted>(Api.Json))!));
        Assert.DoesNotContain(await api.GetAsync<AlertRuleView[]>("/api/v1/alert-rules"), r => r.Id == rule.Id);
        var resolved = Assert.Single(await api.GetAsync<AlertView[]>("/api/v1/alerts?state=resolved"));
        Assert.Equal("The VM was deleted.", resolved.Resolution);
    }

    [Fact]
    public async Task A_webhook_receiver_that_fails_gets_the_same_notifications_again_in_order_once_it_answers()
    {
        var api = _portal.Demo();
        var vmId = await api.CreatedVmAsync("retried");
        await CreateRuleAsync(api, new { name = "retry", scope = "vm", subject = vmId.ToString(), condition = "cpu", threshold = 50, durationSeconds = 0, webhookUrl = HookUrl });
        _hooks.Answer = _ => 503;
        var t0 = Aligned(DateTimeOffset.UtcNow);
        await CpuAsync(vmId, t0, 80);
        Assert.Equal(1, await EvaluateAsync(t0.AddSeconds(1)));
        await CpuAsync(vmId, t0.AddSeconds(10), 10);
        Assert.Equal(1, await EvaluateAsync(t0.AddSeconds(11)));

        // The first attempt failed and is kept with the receiver's answer; the resolution waits behind the firing.
        var failed = await Api.WaitUntilAsync(
            () => _portal.DbAsync(db => db.Set<VirtualCore.Modules.Monitoring.Domain.AlertDelivery>().OrderBy(d => d.Id).ToListAsync()),
            d => d.Count == 2 && d[0].Attempts >= 1);
        Assert.Contains("503", failed[0].LastError);
        Assert.Equal(0, failed[1].Attempts);
        Assert.Empty(_hooks.Taken);

        _hooks.Answer = _ => 200;
        await _portal.DbAsync(db => db.Set<VirtualCore.Modules.Monitoring.Domain.AlertDelivery>().ExecuteUpdateAsync(s => s.SetProperty(d => d.NextAttemptAt, DateTimeOffset.UtcNow)));
        await HookAsync(2);
        Assert.Equal(["alert.fired", "alert.resolved"], _hooks.Taken.Select(r => r.Event));
    }

    [Fact]
    public async Task A_webhook_subscription_hears_alerts_fire_and_resolve_without_the_rule_naming_it()
    {
        var api = _portal.Demo();
        var subscribed = await api.PostAsJsonAsync("/api/v1/webhooks", new { url = HookUrl, events = new[] { "alert.fired", "alert.resolved" } });
        Assert.Equal(HttpStatusCode.Created, subscribed.StatusCode);
        var secret = (await subscribed.Content.ReadFromJsonAsync<VirtualCore.Modules.Automation.Contracts.CreatedWebhook>(Api.Json))!.Secret;
        var vmId = await api.CreatedVmAsync("subscribed");
        await CreateRuleAsync(api, new { name = "heard", scope = "vm", subject = vmId.ToString(), condition = "cpu", threshold = 50, durationSeconds = 0 });
        var t0 = Aligned(DateTimeOffset.UtcNow);
        await CpuAsync(vmId, t0, 80);
        Assert.Equal(1, await EvaluateAsync(t0.AddSeconds(1)));
        await CpuAsync(vmId, t0.AddSeconds(10), 10);
        Assert.Equal(1, await EvaluateAsync(t0.AddSeconds(11)));

        await HookAsync(2);
        Assert.Equal(["alert.fired", "alert.resolved"], _hooks.Taken.Select(r => r.Event));
        var fired = System.Text.Json.JsonDocument.Parse(_hooks.Taken[0].Body).RootElement.GetProperty("data").GetProperty("alert");
        Assert.Equal(("heard", "subscribed"), (fired.GetProperty("ruleName").GetString(), fired.GetProperty("subjectName").GetString()));
        Assert.All(_hooks.Taken, r => Assert.True(WebhookSignature.Verify(secret, r.Signature, r.Body, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5))));
    }

    [Fact]
    public async Task The_history_keeps_resolved_alerts_for_400_days_and_sent_notifications_for_30()
    {
        var api = _portal.Demo();
        var vmId = await api.CreatedVmAsync("old-news");
        await CreateRuleAsync(api, new { name = "old", scope = "vm", subject = vmId.ToString(), condition = "cpu", threshold = 50, durationSeconds = 0, emails = new[] { "ops@customer.example" } });
        var t0 = Aligned(DateTimeOffset.UtcNow);
        await CpuAsync(vmId, t0, 80);
        await EvaluateAsync(t0.AddSeconds(1));
        await CpuAsync(vmId, t0.AddSeconds(10), 10);
        await EvaluateAsync(t0.AddSeconds(11));
        await MailAsync("[Resolved] old: old-news");
        await Api.WaitUntilAsync(() => _portal.CountAsync<VirtualCore.Modules.Monitoring.Domain.AlertDelivery>(), c => c == 2);

        await using var scope = _portal.Services.CreateAsyncScope();
        var engine = scope.ServiceProvider.GetRequiredService<AlertEngine>();
        Assert.Equal(0, await engine.PruneAsync(t0.AddDays(29), default));
        Assert.Equal(2, await engine.PruneAsync(t0.AddDays(31), default));
        Assert.Single(await api.GetAsync<AlertView[]>("/api/v1/alerts"));
        Assert.Equal(1, await engine.PruneAsync(t0.AddDays(401), default));
        Assert.Empty(await api.GetAsync<AlertView[]>("/api/v1/alerts"));
    }

    private async Task<CreatedAlertRule> CreateRuleAsync(HttpClient api, object rule)
    {
        var response = await api.PostAsJsonAsync("/api/v1/alert-rules", rule);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<CreatedAlertRule>(Api.Json))!;
    }

    private async Task<int> EvaluateAsync(DateTimeOffset now)
    {
        await using var scope = _portal.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AlertEngine>().EvaluateAsync(now, default);
    }

    /// <summary>The start of the 10-second bucket <paramref name="at"/> falls in, so a sample taken s seconds later is s seconds later in the history.</summary>
    private static DateTimeOffset Aligned(DateTimeOffset at) => DateTimeOffset.FromUnixTimeSeconds(at.ToUnixTimeSeconds() / 10 * 10);

    private Task CpuAsync(Guid vmId, DateTimeOffset at, double percent) => IngestAsync(vmId, at, v => v with { CpuPercent = percent });

    private async Task IngestAsync(Guid vmId, DateTimeOffset at, Func<VmUsageV1, VmUsageV1> figures)
    {
        var node = await _portal.NodeOfAsync(vmId);
        var vm = figures(new VmUsageV1(vmId, 1, 512L << 20, 1L << 30, 0, 0, 0, 0, 0, 0, 0, 0));
        await using var scope = _portal.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<UsageIngest>().StoreAsync([new UsageReported(node, at, 10, false, new NodeUsageV1(10, 1L << 30, 8L << 30, 0.5), [vm])], default);
    }

    /// <summary>The mail with this subject, once it has arrived (the server keeps them in no particular order).</summary>
    private async Task<SmtpMessage> MailAsync(string subject)
    {
        var mails = await Api.WaitUntilAsync(() => Task.FromResult(_smtp.ReceivedEmail), m => m.Any(x => x.Headers["Subject"] == subject));
        return mails.Single(x => x.Headers["Subject"] == subject);
    }

    private async Task<WebhookReceiver.Received> HookAsync(int count) => (await _hooks.WaitForAsync(h => h.Count >= count))[count - 1];
}
