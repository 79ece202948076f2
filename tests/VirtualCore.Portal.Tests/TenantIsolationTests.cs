using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Domain;
using VirtualCore.Modules.Identity.Features.Tokens;
using VirtualCore.Modules.Identity.Features.Users;
using VirtualCore.Modules.Infrastructure.Domain;
using VirtualCore.Modules.Monitoring.Contracts;
using VirtualCore.Modules.Monitoring.Domain;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Portal.Tests;

/// <summary>
/// Every endpoint the portal maps that takes a resource id, found from the endpoint data source (so endpoints added
/// later are covered too), called on resources of one customer of reseller Kamp by (a) a user of another reseller,
/// (b) a user of another customer of the same reseller and (c) a user of the same customer without a grant. Each
/// answer must be 404, or the same refusal a made-up id gets (nothing can be learnt from it), or 403 for (c); and the
/// database must not change at all.
/// </summary>
public sealed class TenantIsolationTests : IAsyncLifetime
{
    // No heartbeats and no demo VMs being created during the test: their rows would change by themselves.
    private readonly PortalFixture _portal = new(settings: new Dictionary<string, string>
    {
        ["NodeAgentDefaults:HeartbeatInterval"] = "01:00:00",
        ["NodeAgentDefaults:UsageInterval"] = "00:00:00",
        ["Alerts:EvaluationInterval"] = "00:00:00",
        ["DemoVms"] = "false",
    });
    private readonly Dictionary<string, Guid> _ids = [];

    /// <summary>Resources whose routes take a number (a webhook delivery's).</summary>
    private readonly Dictionary<string, long> _numbers = [];

    public async Task InitializeAsync()
    {
        var kampAdmin = _portal.ApiClient("kamp-admin", "kamp-admin-pass-1");
        kampAdmin.BaseAddress = new Uri("http://kamp.localhost");
        var baecker = _portal.ApiClient("baecker", "baecker-pass-1");
        baecker.BaseAddress = new Uri("http://kamp.localhost");

        var vm = await baecker.CreateVmAsync("secret-shop");
        await baecker.CompleteAsync(Task.FromResult(vm));
        await Created<UserView>(baecker.PostAsJsonAsync("/api/v1/users", new { userName = "lehrling", displayName = "Lea Lehrling", password = "lehrling-pass-1", role = "customer-user" }));
        var geselle = (await baecker.GetAsync<UserView[]>("/api/v1/users")).Single(u => u.UserName == "geselle");
        var grant = await (await baecker.PostAsJsonAsync($"/api/v1/users/{geselle.Id}/grants", new { vmId = vm.VmId, level = "view" })).Content.ReadFromJsonAsync<GrantView>(Api.Json);
        var token = await Created<CreatedApiToken>(baecker.PostAsJsonAsync("/api/v1/tokens", new { name = "backup", scopes = new[] { "read" }, expiresInDays = 30 }));
        var point = await baecker.PostAsJsonAsync($"/api/v1/vms/{vm.VmId}/recovery-points", new { note = "isolation" });
        await baecker.CompleteAsync(point.Content.ReadFromJsonAsync<JobAccepted>(Api.Json)!);
        var recoveryPoint = (await baecker.GetAsync<RecoveryPointView[]>($"/api/v1/vms/{vm.VmId}/recovery-points")).Single();
        var exported = await baecker.PostAsJsonAsync($"/api/v1/vms/{vm.VmId}/disk-exports", new { format = "raw" });
        await baecker.CompleteAsync(exported.Content.ReadFromJsonAsync<JobAccepted>(Api.Json)!);
        var export = (await baecker.GetAsync<DiskExportView[]>($"/api/v1/vms/{vm.VmId}/disk-exports")).Single();
        var konditorei = await Created<CustomerView>(kampAdmin.PostAsJsonAsync("/api/v1/customers", new { name = "Konditorei Kamp", otpRequired = false }));
        await Created<UserView>(kampAdmin.PostAsJsonAsync("/api/v1/users", new { userName = "konditor", displayName = "Konrad Konditor", password = "konditor-pass-1", role = "customer-admin", customerId = konditorei.Id }));

        _ids["vmId"] = vm.VmId;
        _ids["jobId"] = vm.JobId;
        _ids["userId"] = geselle.Id;
        _ids["grantId"] = grant!.Id;
        _ids["recoveryPointId"] = recoveryPoint.Id;
        _ids["exportId"] = export.Id;
        _ids["tokenId"] = token.Details.Id;
        _ids["contractId"] = (await Created<JsonElement>(baecker.PostAsJsonAsync("/api/v1/contracts", new { productCode = "vserver-s" }))).GetProperty("id").GetGuid();
        _ids["customerId"] = DemoTenants.KampCustomerId;

        // This month's invoices, issued: Kamp's to the bakery among them.
        Assert.Equal(HttpStatusCode.OK, (await _portal.ApiClient("operator", "operator-pass-1").PostAsJsonAsync("/api/v1/invoices/run", new { })).StatusCode);
        _ids["invoiceId"] = (await baecker.GetAsync<JsonElement[]>("/api/v1/invoices")).Single().GetProperty("id").GetGuid();
        _ids["resellerId"] = DemoTenants.KampId;

        // A notice given on Kamp's "Cancel contracts here" page, not yet handled.
        _ids["noticeId"] = Guid.NewGuid();
        await _portal.DbAsync(async db =>
        {
            db.Add(new VirtualCore.Modules.Billing.Domain.ContractNotice
            {
                Id = _ids["noticeId"],
                ResellerId = DemoTenants.KampId,
                Reference = "KN-ISOLATE",
                ReceivedAt = DateTimeOffset.UtcNow,
                Name = "Berta",
                Email = "berta@baecker.example",
                Account = "Bäckerei",
                Contract = "all",
            });
            return await db.SaveChangesAsync();
        });

        // An alert rule on the VM and an alert of it, firing.
        var rule = await Created<CreatedAlertRule>(baecker.PostAsJsonAsync("/api/v1/alert-rules", new { name = "shop busy", scope = "vm", subject = vm.VmId, condition = "cpu", threshold = 90 }));
        _ids["ruleId"] = rule.Rule.Id;
        _ids["alertId"] = Guid.NewGuid();
        await _portal.DbAsync(async db =>
        {
            db.Add(new Alert
            {
                Id = _ids["alertId"],
                ResellerId = DemoTenants.KampId,
                CustomerId = DemoTenants.KampCustomerId,
                RuleId = rule.Rule.Id,
                RuleName = rule.Rule.Name,
                Condition = AlertConditions.Cpu,
                Subject = vm.VmId.ToString(),
                SubjectName = "secret-shop",
                State = AlertStates.Firing,
                Threshold = 90,
                Value = 99,
                PendingSince = DateTimeOffset.UtcNow,
                FiredAt = DateTimeOffset.UtcNow,
                LastSeenAt = DateTimeOffset.UtcNow,
            });
            return await db.SaveChangesAsync();
        });

        // An ISO upload in progress: its uploader's alone.
        var upload = new HttpRequestMessage(HttpMethod.Post, "/api/v1/isos/uploads");
        upload.Headers.Add("Tus-Resumable", "1.0.0");
        upload.Headers.Add("Upload-Length", "65536");
        upload.Headers.Add("Upload-Metadata", "filename " + Convert.ToBase64String("shop.iso"u8.ToArray()));
        _ids["uploadId"] = (await Created<JsonElement>(baecker.SendAsync(upload))).GetProperty("id").GetGuid();

        // A theme version of kamp's portal.
        var theme = new ByteArrayContent(VirtualCore.Portal.Tests.Themes.ThemeZip.Minimal().Build());
        theme.Headers.ContentType = new("application/zip");
        _ids["versionId"] = (await Created<JsonElement>(kampAdmin.PostAsync("/api/v1/theme/uploads", theme))).GetProperty("id").GetGuid();

        // An IP pool (the provider's) and an address (the route's other part; the VM decides whose it is).
        var provider = _portal.ApiClient("operator", "operator-pass-1");
        _ids["poolId"] = (await Created<JsonElement>(provider.PostAsJsonAsync("/api/v1/ip-pools", new { name = "isolation", subnet = "198.51.100.0/24" }))).GetProperty("id").GetGuid();
        _ids["address"] = Guid.NewGuid();

        // A webhook of the bakery's (switched off, so nothing it hears changes the database meanwhile) and one delivery of it.
        var hook = await Created<JsonElement>(baecker.PostAsJsonAsync("/api/v1/webhooks", new { url = "https://hooks.example.com/isolation", events = new[] { "*" } }));
        _ids["webhookId"] = hook.GetProperty("webhook").GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await baecker.PatchAsJsonAsync($"/api/v1/webhooks/{_ids["webhookId"]}", new { enabled = false })).StatusCode);
        _numbers["deliveryId"] = await _portal.DbAsync(async db =>
        {
            var delivery = new VirtualCore.Modules.Automation.Domain.WebhookDelivery
            {
                SubscriptionId = _ids["webhookId"],
                ResellerId = DemoTenants.KampId,
                CustomerId = DemoTenants.KampCustomerId,
                EventId = Guid.NewGuid(),
                Event = "ping",
                Body = "{}",
                CreatedAt = DateTimeOffset.UtcNow,
                NextAttemptAt = DateTimeOffset.UtcNow,
                DeliveredAt = DateTimeOffset.UtcNow,
                Attempts = 1,
            };
            db.Add(delivery);
            await db.SaveChangesAsync();
            return delivery.Id;
        });

        // An agent's console delivery: no tenant's resource, only a waiting session's secret opens it.
        _ids["sessionId"] = Guid.NewGuid();

        // Rack servers are the provider's alone: every caller here is refused their usage whatever the name
        // (UsageHistoryTests tries the real ones).
        _ids["nodeName"] = Guid.NewGuid();

        // What the start does by itself must be over before the database is fingerprinted: every agent's first
        // report consumed, and no job still open.
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(60);
        while (await _portal.DbAsync(db => db.Set<RackServer>().AnyAsync(r => r.LastHeartbeatAt == null || r.Capabilities == ""))
            || await _portal.DbAsync(db => db.Set<Job>().IgnoreQueryFilters().AnyAsync(j => j.Status == JobStatuses.Queued || j.Status == JobStatuses.Running)))
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, "The portal did not settle after its start within a minute.");
            await Task.Delay(20);
        }
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    public static TheoryData<string, string, string, string> Callers => new()
    {
        { "another reseller", "acme.localhost", "widget", "widget-pass-1" },
        { "another reseller's staff", "acme.localhost", "acme-admin", "acme-admin-pass-1" },
        { "another customer of the same reseller", "kamp.localhost", "konditor", "konditor-pass-1" },
        { "the same customer without a grant", "kamp.localhost", "lehrling", "lehrling-pass-1" },
    };

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task No_endpoint_taking_a_resource_id_lets_another_tenant_see_or_change_it(string who, string host, string user, string password)
    {
        using var session = _portal.Session(host);
        Assert.Equal("/vms", await session.SignInAsync(user, password));
        var csrf = await session.CsrfTokenAsync("/vms");
        var endpoints = ResourceEndpoints();
        Assert.Contains(endpoints, e => e.Template.Contains("{vmId", StringComparison.Ordinal));
        Assert.Contains(endpoints, e => e.Template.Contains("{userId", StringComparison.Ordinal));

        var before = await _portal.DatabaseFingerprintAsync();
        var failures = new List<string>();
        foreach (var (template, method, pattern) in endpoints)
        {
            var real = await CallAsync(session, method, Url(pattern, name => _ids.TryGetValue(name, out var id) ? id.ToString()
                : _numbers.TryGetValue(name, out var number) ? number.ToString(System.Globalization.CultureInfo.InvariantCulture)
                : throw new InvalidOperationException($"{template} takes '{name}': give the test a resource of that kind to try.")), csrf);
            var madeUp = await CallAsync(session, method, Url(pattern, name => _numbers.ContainsKey(name) ? "987654321" : Guid.NewGuid().ToString()), csrf);
            var sameCustomer = who == "the same customer without a grant";
            var acceptable = real == HttpStatusCode.NotFound
                || (real == HttpStatusCode.Forbidden && (sameCustomer || madeUp == HttpStatusCode.Forbidden));
            if (!acceptable)
            {
                failures.Add($"{method} {template}: {(int)real} (made-up id: {(int)madeUp})");
            }
        }

        Assert.True(failures.Count == 0, $"{who} ({user}) reached another tenant's resources:\n" + string.Join("\n", failures));
        Assert.Equal(before, await _portal.DatabaseFingerprintAsync());
    }

    private IReadOnlyList<(string Template, string Method, RoutePattern Pattern)> ResourceEndpoints() =>
        _portal.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.Parameters.Any(p => p.ParameterPolicies.Any(policy => policy.Content == "guid")))
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (e.RoutePattern.RawText ?? "", m, e.RoutePattern)))
            .Where(e => !e.Item1.StartsWith("/hubs", StringComparison.Ordinal))
            .ToArray();

    private static string Url(RoutePattern pattern, Func<string, string> id) =>
        "/" + string.Join("/", pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternParameterPart parameter => id(parameter.Name),
            _ => "",
        }))));

    private static async Task<HttpStatusCode> CallAsync(PortalSession session, string method, string url, string csrf)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), url);
        request.Headers.Add(VirtualCore.Framework.Web.ApiAntiforgery.HeaderName, csrf);
        request.Headers.Add("Tus-Resumable", "1.0.0");
        if (method is "POST" or "PUT" or "PATCH")
        {
            // Forms get the anti-forgery field and plausible values; JSON endpoints get a plausible body.
            request.Content = url.StartsWith("/api/", StringComparison.Ordinal)
                ? JsonContent.Create(new { level = "manage", otpRequired = true, vmId = (Guid?)null, vCpus = 2 })
                : new FormUrlEncodedContent(new Dictionary<string, string> { ["__csrf"] = csrf, ["level"] = "manage", ["otpRequired"] = "true", ["vmId"] = "", ["vcpus"] = "2" });
        }

        request.Headers.Accept.ParseAdd(url.StartsWith("/api/", StringComparison.Ordinal) ? "application/json" : "text/html");
        return (await session.Client.SendAsync(request)).StatusCode;
    }

    private static async Task<T> Created<T>(Task<HttpResponseMessage> request)
    {
        var response = await request;
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<T>(Api.Json))!;
    }
}
