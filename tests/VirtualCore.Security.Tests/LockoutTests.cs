using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Modules.Identity.Domain;
using VirtualCore.Portal.Tests;

namespace VirtualCore.Security.Tests;

/// <summary>
/// Wrong passwords cannot be aimed at someone else: a lockout holds for the account and the address the wrong
/// answers came from, grows with each repeat, and leaves the owner's own address alone; one address is rate-limited
/// over all accounts; a script's HTTP Basic calls cost one password check per minute and write no row per call.
/// Runs on a real socket so that client addresses can differ (X-Forwarded-For from the loopback proxy).
/// </summary>
public sealed class LockoutTests : IAsyncLifetime
{
    private const string Attacker = "203.0.113.66";
    private const string Owner = "198.51.100.7";

    private readonly PortalFixture _portal = new(realServer: true, settings: new Dictionary<string, string>
    {
        ["EmbeddedRackServers:Enabled"] = "false",
        ["Lockout:UnknownAddressFailuresPerHour"] = "12",
        ["Lockout:AttemptsPerAddressPerMinute"] = "20",
    });

    public Task InitializeAsync()
    {
        _portal.StartServer();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task Wrong_passwords_lock_the_attackers_address_out_not_the_owner_and_each_lockout_lasts_longer()
    {
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await Basic("operator", $"guess-{i}", Attacker).GetAsync("/api/v1/vms")).StatusCode);
        }

        // The attacker's address is locked out, even with the right password …
        Assert.Equal(HttpStatusCode.Unauthorized, (await Basic("operator", "operator-pass-1", Attacker).GetAsync("/api/v1/vms")).StatusCode);

        // … while the operator, elsewhere, signs in as ever.
        Assert.Equal(HttpStatusCode.OK, (await Basic("operator", "operator-pass-1", Owner).GetAsync("/api/v1/vms")).StatusCode);

        var first = await ThrottleAsync("operator", Attacker);
        Assert.Equal(1, first.Lockouts);
        var firstLength = first.LockedUntil!.Value - first.LastFailureAt!.Value;

        // Locked out once more (the first lockout lifted by hand, as time would): the second one lasts twice as long.
        await _portal.DbAsync(async db =>
        {
            await db.Set<SignInThrottle>().Where(t => t.IpAddress == Attacker).ExecuteUpdateAsync(s => s.SetProperty(t => t.LockedUntil, (DateTimeOffset?)null));
            return 0;
        });
        for (var i = 0; i < 5; i++)
        {
            await Basic("operator", $"again-{i}", Attacker).GetAsync("/api/v1/vms");
        }

        var second = await ThrottleAsync("operator", Attacker);
        Assert.Equal(2, second.Lockouts);
        Assert.True(second.LockedUntil!.Value - second.LastFailureAt!.Value >= firstLength * 2 - TimeSpan.FromSeconds(1), $"{firstLength} then {second.LockedUntil - second.LastFailureAt}");
    }

    [Fact]
    public async Task Many_addresses_guessing_cannot_lock_out_the_owners_own_address()
    {
        // The owner signed in from its address once: that address is the owner's.
        using var owner = new HttpClient { BaseAddress = _portal.BaseAddress };
        owner.DefaultRequestHeaders.Add("X-Forwarded-For", Owner);
        Assert.Equal(HttpStatusCode.OK, (await owner.PostAsJsonAsync("/api/v1/session", new { userName = "demo", password = "demo-pass-1" })).StatusCode);

        // Guessing from many addresses spends the account's budget for unknown addresses …
        for (var i = 0; i < 16; i++)
        {
            await Basic("demo", $"guess-{i}", $"203.0.113.{i + 1}").GetAsync("/api/v1/vms");
        }

        // … so a new address is refused even with the right password, but the owner's own address is not.
        Assert.Equal(HttpStatusCode.Unauthorized, (await Basic("demo", "demo-pass-1", "192.0.2.99").GetAsync("/api/v1/vms")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Basic("demo", "demo-pass-1", Owner).GetAsync("/api/v1/vms")).StatusCode);
    }

    [Fact]
    public async Task One_address_trying_many_accounts_is_slowed_down_with_429()
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 70; i++)
        {
            statuses.Add((await Basic($"nobody-{i}", "wrong-password", Attacker).GetAsync("/api/v1/vms")).StatusCode);
        }

        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.DoesNotContain(statuses, s => (int)s >= 500);
        Assert.Equal(HttpStatusCode.OK, (await Basic("demo", "demo-pass-1", Owner).GetAsync("/api/v1/vms")).StatusCode);
    }

    [Fact]
    public async Task A_burst_of_basic_calls_checks_the_password_once_and_writes_no_row_per_call()
    {
        using var script = Basic("demo", "demo-pass-1", Owner);
        Assert.Equal(HttpStatusCode.OK, (await script.GetAsync("/api/v1/vms")).StatusCode);
        var before = await _portal.DatabaseFingerprintAsync();

        for (var i = 0; i < 40; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await script.GetAsync("/api/v1/vms")).StatusCode);
        }

        Assert.Equal(before, await _portal.DatabaseFingerprintAsync());
        var signIns = await _portal.DbAsync(db => db.Set<AuditEntry>().IgnoreQueryFilters().CountAsync(a => a.Action == "login.succeeded" && a.Actor == "demo"));
        Assert.Equal(0, signIns);
    }

    private HttpClient Basic(string user, string password, string address)
    {
        var client = new HttpClient { BaseAddress = _portal.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        client.DefaultRequestHeaders.Add("X-Forwarded-For", address);
        return client;
    }

    private Task<SignInThrottle> ThrottleAsync(string user, string address) =>
        _portal.DbAsync(async db =>
        {
            var id = await db.Set<UserAccount>().IgnoreQueryFilters().Where(u => u.UserName == user).Select(u => u.Id).SingleAsync();
            return await db.Set<SignInThrottle>().AsNoTracking().SingleAsync(t => t.UserId == id && t.IpAddress == address);
        });
}
