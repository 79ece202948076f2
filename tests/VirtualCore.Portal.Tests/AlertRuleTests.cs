using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using VirtualCore.Framework.Webhooks;
using VirtualCore.Modules.Monitoring.Contracts;

namespace VirtualCore.Portal.Tests;

/// <summary>
/// Alert rules as an attacker would try them: other customers' VMs, the provider's rack servers, read-only tokens,
/// webhooks into the provider's own network, mail header injection, and every field out of its bounds. The portal runs
/// with its defaults here: no SMTP server, webhooks to public https addresses only, and at most three rules per account.
/// </summary>
public sealed class AlertRuleTests : IAsyncLifetime
{
    private readonly PortalFixture _portal = new(settings: new Dictionary<string, string>
    {
        ["NodeAgentDefaults:UsageInterval"] = "00:00:00",
        ["Alerts:EvaluationInterval"] = "00:00:00",
        ["Alerts:MaxRules"] = "3",
    });

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task No_rule_reaches_across_a_tenant_or_above_the_callers_role()
    {
        var demo = _portal.Demo();
        var other = _portal.Other();
        var provider = _portal.ApiClient("operator", "operator-pass-1");
        var vm = await demo.CreatedVmAsync("watched");

        // Another customer cannot watch the VM, nor learn it exists: the same answer as for a VM that is none.
        var foreign = await other.PostAsJsonAsync("/api/v1/alert-rules", Cpu(vm));
        var none = await other.PostAsJsonAsync("/api/v1/alert-rules", Cpu(Guid.NewGuid()));
        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (foreign.StatusCode, none.StatusCode));

        // A customer watches no rack server; the provider does, and only rack servers that exist.
        Assert.Equal(HttpStatusCode.Forbidden, (await demo.PostAsJsonAsync("/api/v1/alert-rules", new { name = "racks", scope = "node", subject = "*", condition = "offline" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await provider.PostAsJsonAsync("/api/v1/alert-rules", new { name = "racks", scope = "node", subject = "*", condition = "offline" })).StatusCode);
        var unknown = await provider.PostAsJsonAsync("/api/v1/alert-rules", new { name = "racks", scope = "node", subject = "rack-99", condition = "cpu", threshold = 90 });
        Assert.Equal("subject", Field(await unknown.ProblemAsync()));

        // A customer-wide rule is a customer administrator's; the provider belongs to no customer.
        Assert.Equal(HttpStatusCode.Forbidden, (await provider.PostAsJsonAsync("/api/v1/alert-rules", new { name = "all", scope = "customer", condition = "stopped" })).StatusCode);
        var mine = await demo.PostAsJsonAsync("/api/v1/alert-rules", Cpu(vm));
        Assert.Equal(HttpStatusCode.Created, mine.StatusCode);
        var rule = (await mine.Content.ReadFromJsonAsync<CreatedAlertRule>(Api.Json))!.Rule;

        // The other customer sees neither the rule nor can it switch or delete it; the provider's rule is not the customer's.
        Assert.Empty(await other.GetAsync<AlertRuleView[]>("/api/v1/alert-rules"));
        Assert.Equal(HttpStatusCode.NotFound, (await other.PutAsJsonAsync($"/api/v1/alert-rules/{rule.Id}/enabled", new { enabled = false })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.DeleteAsync($"/api/v1/alert-rules/{rule.Id}")).StatusCode);
        Assert.Equal([rule.Id], (await demo.GetAsync<AlertRuleView[]>("/api/v1/alert-rules")).Select(r => r.Id));
        Assert.Equal(2, (await provider.GetAsync<AlertRuleView[]>("/api/v1/alert-rules")).Length);

        // A read-only token reads rules but changes none.
        var token = await demo.TokenAsync("read");
        var reader = _portal.CreateClient();
        reader.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Single(await reader.GetAsync<AlertRuleView[]>("/api/v1/alert-rules"));
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsJsonAsync("/api/v1/alert-rules", Cpu(vm))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.DeleteAsync($"/api/v1/alert-rules/{rule.Id}")).StatusCode);

        // Switched off and on by its customer, then deleted.
        var off = await (await demo.PutAsJsonAsync($"/api/v1/alert-rules/{rule.Id}/enabled", new { enabled = false })).Content.ReadFromJsonAsync<AlertRuleView>(Api.Json);
        Assert.False(off!.Enabled);
        Assert.Equal(HttpStatusCode.NoContent, (await demo.DeleteAsync($"/api/v1/alert-rules/{rule.Id}")).StatusCode);
        Assert.Empty(await demo.GetAsync<AlertRuleView[]>("/api/v1/alert-rules"));
    }

    [Fact]
    public async Task Every_field_out_of_bounds_is_refused_with_its_name_and_nothing_is_saved()
    {
        var demo = _portal.Demo();
        var vm = await demo.CreatedVmAsync("bounds");
        var cases = new (object Body, string Field)[]
        {
            (new { scope = "vm", subject = vm, condition = "cpu", threshold = 90 }, "name"),
            (new { name = new string('x', 81), scope = "vm", subject = vm, condition = "cpu", threshold = 90 }, "name"),
            (new { name = "bell\u0007", scope = "vm", subject = vm, condition = "cpu", threshold = 90 }, "name"),
            (new { name = "n", scope = "tenant", subject = vm, condition = "cpu", threshold = 90 }, "scope"),
            (new { name = "n", scope = "vm", subject = vm, condition = "temperature", threshold = 90 }, "condition"),
            (new { name = "n", scope = "vm", subject = vm, condition = "offline" }, "condition"),
            (new { name = "n", scope = "vm", subject = "rack-1", condition = "cpu", threshold = 90 }, "subject"),
            (new { name = "n", scope = "customer", subject = vm, condition = "cpu", threshold = 90 }, "subject"),
            (new { name = "n", scope = "vm", subject = vm, condition = "cpu" }, "threshold"),
            (new { name = "n", scope = "vm", subject = vm, condition = "cpu", threshold = 0 }, "threshold"),
            (new { name = "n", scope = "vm", subject = vm, condition = "cpu", threshold = 100.5 }, "threshold"),
            (new { name = "n", scope = "vm", subject = vm, condition = "net-in", threshold = -5 }, "threshold"),
            (new { name = "n", scope = "vm", subject = vm, condition = "stopped", threshold = 5 }, "threshold"),
            (new { name = "n", scope = "vm", subject = vm, condition = "cpu", threshold = 80, clearBelow = 85 }, "clearBelow"),
            (new { name = "n", scope = "vm", subject = vm, condition = "cpu", threshold = 80, durationSeconds = -1 }, "durationSeconds"),
            (new { name = "n", scope = "vm", subject = vm, condition = "cpu", threshold = 80, durationSeconds = 86_401 }, "durationSeconds"),
            (new { name = "n", scope = "vm", subject = vm, condition = "cpu", threshold = 80, emails = new[] { "a@x.example", "b@x.example", "c@x.example", "d@x.example", "e@x.example", "f@x.example" } }, "emails"),
            (new { name = "n", scope = "vm", subject = vm, condition = "cpu", threshold = 80, emails = new[] { "victim@x.example\r\nBcc: all@x.example" } }, "emails"),
            (new { name = "n", scope = "vm", subject = vm, condition = "cpu", threshold = 80, emails = new[] { "Mallory <m@x.example>" } }, "emails"),
            (new { name = "n", scope = "vm", subject = vm, condition = "cpu", threshold = 80, emails = new[] { "ops@x.example" } }, "emails"),
        };
        foreach (var (body, field) in cases)
        {
            var response = await demo.PostAsJsonAsync("/api/v1/alert-rules", body);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{field}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            Assert.Equal(field, Field(await response.ProblemAsync()));
        }

        // The last case is a good address: this portal has no SMTP server, and says so.
        var noSmtp = await demo.PostAsJsonAsync("/api/v1/alert-rules", cases[^1].Body);
        Assert.Contains("SMTP", (await noSmtp.ProblemAsync()).GetProperty("errors").GetProperty("emails")[0].GetString());
        Assert.Empty(await demo.GetAsync<AlertRuleView[]>("/api/v1/alert-rules"));
        Assert.Equal(HttpStatusCode.BadRequest, (await demo.GetAsync("/api/v1/alerts?state=burning")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await demo.GetAsync("/api/v1/alerts?limit=501")).StatusCode);
    }

    /// <summary>Every address the portal must not call for a customer: its own host, its network, the cloud's metadata, or not https.</summary>
    private static readonly string[] ForbiddenWebhooks =
    [
        "http://hooks.example.com/x",
        "https://127.0.0.1/x",
        "https://127.1/x",
        "https://2130706433/x",
        "https://localhost:8443/x",
        "https://portal.localhost/x",
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.5/x",
        "https://192.168.1.1/x",
        "https://172.16.0.1/x",
        "https://100.64.0.1/x",
        "https://[::1]/x",
        "https://[::ffff:127.0.0.1]/x",
        "https://[fd00::1]/x",
        "https://[fe80::1]/x",
        "https://0.0.0.0/x",
        "https://metadata.google.internal/x",
        "https://user:secret@hooks.example.com/x",
        "ftp://hooks.example.com/x",
        "javascript:alert(1)",
        "/relative",
    ];

    [Fact]
    public async Task A_webhook_into_the_providers_own_network_or_not_over_https_is_refused()
    {
        var demo = _portal.Demo();
        var vm = await demo.CreatedVmAsync("hooked");
        foreach (var url in ForbiddenWebhooks)
        {
            var response = await demo.PostAsJsonAsync("/api/v1/alert-rules", new { name = "n", scope = "vm", subject = vm, condition = "cpu", threshold = 80, webhookUrl = url });
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{url}: {response.StatusCode}");
            Assert.Equal(("webhookUrl", url), (Field(await response.ProblemAsync()), url));
        }

        Assert.Empty(await demo.GetAsync<AlertRuleView[]>("/api/v1/alert-rules"));
    }

    [Fact]
    public async Task A_name_that_resolves_to_a_private_address_is_refused_when_the_portal_connects_and_public_ones_pass_the_check()
    {
        Assert.Null(WebhookAddressGuard.Refusal("https://hooks.example.com/x", new WebhookOptions()));
        Assert.Null(WebhookAddressGuard.Refusal("https://[2606:4700::1111]/x", new WebhookOptions()));
        Assert.True(WebhookAddressGuard.IsPublic(IPAddress.Parse("1.1.1.1")));

        // "localtest.me"-style names are not known here; the connection itself checks what a name resolves to.
        using var client = new HttpClient(WebhookAddressGuard.Handler(new WebhookOptions()));
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("http://localhost:9/"));
        Assert.Contains("resolves to no address webhooks may go to", refused.ToString());
    }

    [Fact]
    public async Task An_account_has_at_most_its_share_of_rules()
    {
        var demo = _portal.Demo();
        var vm = await demo.CreatedVmAsync("many");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await demo.PostAsJsonAsync("/api/v1/alert-rules", Cpu(vm))).StatusCode);
        }

        var refused = await demo.PostAsJsonAsync("/api/v1/alert-rules", Cpu(vm));
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);

        // Another customer's rules are counted apart.
        var otherVm = await _portal.Other().CreatedVmAsync("theirs");
        Assert.Equal(HttpStatusCode.Created, (await _portal.Other().PostAsJsonAsync("/api/v1/alert-rules", Cpu(otherVm))).StatusCode);
    }

    [Fact]
    public async Task A_customer_user_watches_only_the_vms_granted_to_it_for_operating_and_sees_only_their_rules()
    {
        var baecker = Kamp("baecker", "baecker-pass-1");
        var granted = await baecker.CreatedVmAsync("ofen");
        var viewOnly = await baecker.CreatedVmAsync("kasse");
        var hidden = await baecker.CreatedVmAsync("buero");
        var users = await baecker.GetAsync<VirtualCore.Modules.Identity.Features.Users.UserView[]>("/api/v1/users");
        var geselle = users.Single(u => u.UserName == "geselle").Id;
        foreach (var (vm, level) in new[] { (granted, "operate"), (viewOnly, "view") })
        {
            Assert.True((await baecker.PostAsJsonAsync($"/api/v1/users/{geselle}/grants", new { vmId = vm, level })).IsSuccessStatusCode);
        }

        var adminRule = await baecker.PostAsJsonAsync("/api/v1/alert-rules", Cpu(hidden));
        Assert.Equal(HttpStatusCode.Created, adminRule.StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await baecker.PostAsJsonAsync("/api/v1/alert-rules", new { name = "all", scope = "customer", condition = "stopped" })).StatusCode);

        var user = Kamp("geselle", "geselle-pass-1");
        Assert.Equal(HttpStatusCode.Created, (await user.PostAsJsonAsync("/api/v1/alert-rules", Cpu(granted))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await user.PostAsJsonAsync("/api/v1/alert-rules", Cpu(viewOnly))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await user.PostAsJsonAsync("/api/v1/alert-rules", Cpu(hidden))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await user.PostAsJsonAsync("/api/v1/alert-rules", new { name = "all", scope = "customer", condition = "stopped" })).StatusCode);

        // Its list has the rule on its VM only: neither the one on a VM it cannot see nor the account-wide one.
        var rules = await user.GetAsync<AlertRuleView[]>("/api/v1/alert-rules");
        Assert.Equal([granted.ToString()], rules.Select(r => r.Subject));
        var hiddenRule = (await adminRule.Content.ReadFromJsonAsync<CreatedAlertRule>(Api.Json))!.Rule.Id;
        Assert.Equal(HttpStatusCode.NotFound, (await user.DeleteAsync($"/api/v1/alert-rules/{hiddenRule}")).StatusCode);
        Assert.Equal(3, (await baecker.GetAsync<AlertRuleView[]>("/api/v1/alert-rules")).Length);

        // The reseller sees its customer's rules and changes none.
        var reseller = Kamp("kamp-admin", "kamp-admin-pass-1");
        Assert.Equal(3, (await reseller.GetAsync<AlertRuleView[]>("/api/v1/alert-rules")).Length);
        Assert.Equal(HttpStatusCode.Forbidden, (await reseller.DeleteAsync($"/api/v1/alert-rules/{hiddenRule}")).StatusCode);
    }

    private HttpClient Kamp(string user, string password)
    {
        var client = _portal.ApiClient(user, password);
        client.BaseAddress = new Uri("http://kamp.localhost");
        return client;
    }

    private static object Cpu(Guid vm) => new { name = "busy", scope = "vm", subject = vm, condition = "cpu", threshold = 90, durationSeconds = 600 };

    private static string Field(System.Text.Json.JsonElement problem) => Assert.Single(problem.GetProperty("errors").EnumerateObject()).Name;


}
