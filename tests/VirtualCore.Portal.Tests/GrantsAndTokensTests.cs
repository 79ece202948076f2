using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Identity.Domain;
using VirtualCore.Modules.Identity.Features.Tokens;
using VirtualCore.Modules.Identity.Features.Users;

namespace VirtualCore.Portal.Tests;

/// <summary>Customer users see and do only what was granted; API tokens never do more than their scopes and their user.</summary>
public sealed class GrantsAndTokensTests : IAsyncLifetime
{
    private readonly PortalFixture _portal = new();
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _admin = _portal.ApiClient("baecker", "baecker-pass-1");
        _admin.BaseAddress = new Uri("http://kamp.localhost");
        await Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    private HttpClient Geselle()
    {
        var client = _portal.ApiClient("geselle", "geselle-pass-1");
        client.BaseAddress = new Uri("http://kamp.localhost");
        return client;
    }

    private async Task<Guid> GeselleIdAsync() => (await _admin.GetAsync<UserView[]>("/api/v1/users")).Single(u => u.UserName == "geselle").Id;

    private async Task GrantAsync(Guid? vmId, string level)
    {
        var response = await _admin.PostAsJsonAsync($"/api/v1/users/{await GeselleIdAsync()}/grants", new { vmId, level });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_customer_user_sees_and_operates_only_what_was_granted()
    {
        var web = await _admin.CreateVmAsync("web");
        var db = await _admin.CreateVmAsync("db");
        await _admin.CompleteAsync(Task.FromResult(web));
        await _admin.CompleteAsync(Task.FromResult(db));
        var geselle = Geselle();
        Assert.Empty(await geselle.GetAsync<VmView[]>("/api/v1/vms"));

        await GrantAsync(web.VmId, "view");
        Assert.Equal(["web"], (await geselle.GetAsync<VmView[]>("/api/v1/vms")).Select(v => v.Name));
        Assert.Equal(HttpStatusCode.NotFound, (await geselle.GetAsync($"/api/v1/vms/{db.VmId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await geselle.PostAsync($"/api/v1/vms/{web.VmId}/start", null)).StatusCode);
        Assert.All(await geselle.GetAsync<JobView[]>("/api/v1/jobs"), j => Assert.Equal(web.VmId, j.TargetId));

        await GrantAsync(web.VmId, "operate");
        await geselle.CompleteAsync(geselle.ActAsync(web.VmId, "start"));
        Assert.Equal(HttpStatusCode.NotFound, (await geselle.PostAsync($"/api/v1/vms/{db.VmId}/start", null)).StatusCode);

        // Creating VMs is for the customer's admins.
        Assert.Equal(HttpStatusCode.Forbidden, (await geselle.PostAsJsonAsync("/api/v1/vms", new { name = "mine", vCpus = 1, memoryGiB = 1, diskGiB = 20 })).StatusCode);

        await GrantAsync(null, "view");
        Assert.Equal(["db", "web"], (await geselle.GetAsync<VmView[]>("/api/v1/vms")).Select(v => v.Name));
    }

    [Fact]
    public async Task A_token_does_no_more_than_its_scopes_and_stops_when_revoked_or_expired()
    {
        var vm = await _admin.CreateVmAsync("token-vm");
        await _admin.CompleteAsync(Task.FromResult(vm));
        var read = await CreateTokenAsync("read");
        var operate = await CreateTokenAsync("operate");

        var reader = Bearer(read.Token);
        Assert.Single(await reader.GetAsync<VmView[]>("/api/v1/vms"));
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsync($"/api/v1/vms/{vm.VmId}/start", null)).StatusCode);

        // A token cannot manage tokens: that stays with the person.
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.GetAsync("/api/v1/tokens")).StatusCode);

        var operatorToken = Bearer(operate.Token);
        await operatorToken.CompleteAsync(operatorToken.ActAsync(vm.VmId, "start"));
        Assert.Equal(HttpStatusCode.Forbidden, (await operatorToken.PostAsJsonAsync("/api/v1/vms", new { name = "x", vCpus = 1, memoryGiB = 1, diskGiB = 20 })).StatusCode);

        var listed = await _admin.GetAsync<ApiTokenView[]>("/api/v1/tokens");
        Assert.NotNull(listed.Single(t => t.Id == read.Details.Id).LastUsedAt);
        Assert.DoesNotContain(listed, t => t.Prefix.Length > 12);

        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync($"/api/v1/tokens/{read.Details.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await reader.GetAsync("/api/v1/vms")).StatusCode);

        await _portal.DbAsync(async db =>
        {
            var token = await db.Set<ApiToken>().SingleAsync(t => t.Id == operate.Details.Id);
            token.ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(-1);
            return await db.SaveChangesAsync();
        });
        Assert.Equal(HttpStatusCode.Unauthorized, (await operatorToken.GetAsync("/api/v1/vms")).StatusCode);

        var stored = await _portal.DbAsync(db => db.Set<ApiToken>().Select(t => t.Hash).ToListAsync());
        Assert.DoesNotContain(read.Token, stored);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Bearer("vct_made-up").GetAsync("/api/v1/vms")).StatusCode);
    }

    [Theory]
    [InlineData("", new[] { "read" }, 30, "name")]
    [InlineData("ok", new string[0], 30, "scopes")]
    [InlineData("ok", new[] { "root" }, 30, "scopes")]
    [InlineData("ok", new[] { "read" }, 0, "expiresInDays")]
    [InlineData("ok", new[] { "read" }, 366, "expiresInDays")]
    public async Task Bad_token_requests_name_the_field(string name, string[] scopes, int days, string field)
    {
        var response = await _admin.PostAsJsonAsync("/api/v1/tokens", new { name, scopes, expiresInDays = days });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.ProblemAsync()).GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task A_code_accepted_by_one_portal_instance_is_refused_by_another()
    {
        // Two portal instances on one database: the last accepted time step is stored, not cached.
        var settings = new Dictionary<string, string> { ["EmbeddedRackServers:Enabled"] = "false" };
        await using var first = new PortalFixture(_portal.DataDirectory + "-shared", settings: settings);
        await using var second = new PortalFixture(first.DataDirectory, settings: settings);
        using (var browser = first.Session())
        {
            await first.DbAsync(async db =>
            {
                var user = await db.Set<UserAccount>().IgnoreQueryFilters().SingleAsync(u => u.UserName == "demo");
                user.OtpEnrolmentRequired = true;
                return await db.SaveChangesAsync();
            });
            Assert.Equal("/login/enrol", await browser.SignInAsync("demo", "demo-pass-1"));
        }

        using var enrolling = first.Session();
        await enrolling.SignInAsync("demo", "demo-pass-1");
        var page = WebUtility.HtmlDecode(await enrolling.Client.GetStringAsync("/login/enrol"));
        var secret = System.Text.RegularExpressions.Regex.Match(page, "data-secret=\"([A-Z2-7]+)\"").Groups[1].Value;
        var code = OathTool.Totp(secret, DateTimeOffset.UtcNow.AddSeconds(60));
        Assert.Equal(HttpStatusCode.OK, (await enrolling.PostFormAsync("/login/enrol", new Dictionary<string, string> { ["code"] = code }, "/login/enrol")).StatusCode);

        using var elsewhere = second.Session();
        Assert.Equal("/login/code", await elsewhere.SignInAsync("demo", "demo-pass-1"));
        Assert.Equal(HttpStatusCode.BadRequest, (await elsewhere.SendCodeAsync(code)).StatusCode);
        Assert.Null(await elsewhere.WhoAmIAsync());
    }

    private async Task<CreatedApiToken> CreateTokenAsync(string scope)
    {
        var response = await _admin.PostAsJsonAsync("/api/v1/tokens", new { name = $"{scope} token", scopes = new[] { scope }, expiresInDays = 30 });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<CreatedApiToken>(Api.Json))!;
    }

    private HttpClient Bearer(string token)
    {
        var client = _portal.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://kamp.localhost") });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}
