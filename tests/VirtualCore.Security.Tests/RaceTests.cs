using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Persistence;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Domain;
using VirtualCore.Modules.Identity.Domain;
using VirtualCore.Modules.Tenancy.Contracts;
using VirtualCore.Portal.Tests;

namespace VirtualCore.Security.Tests;

/// <summary>
/// Requests racing for the same thing — the last free core, the last of a vDataCenter, a VM name, a one-time password,
/// a recovery code — fired together, round after round: exactly one wins; every other one is refused (409, or its
/// ordinary 400 when the database ran it after the winner), never a server error; the database holds one result.
/// </summary>
public abstract partial class RaceTests
{
    private const int Rounds = 10;

    private const int Racers = 4;

    /// <summary>The fixture's compute rack servers, rack-1 and rack-2, have 4 cores each; reserve-1 takes no VMs.</summary>
    private const int ComputeCores = 8;

    /// <summary>Room for a VM of every round on the compute rack servers.</summary>
    private static readonly (string, string)[] RoomyRackServers =
        [("EmbeddedRackServers:Servers:0:CoresPerSocket", "8"), ("EmbeddedRackServers:Servers:1:CoresPerSocket", "8")];

    /// <summary>The database settings of a new portal.</summary>
    protected abstract Task<Dictionary<string, string>> DatabaseSettingsAsync();

    [Fact]
    public async Task Creating_vms_on_the_last_free_core_gives_it_to_one()
    {
        await using var portal = await PortalAsync();
        var api = portal.Demo();

        // All cores taken but one.
        for (var i = 0; i < ComputeCores - 1; i++)
        {
            await api.CreateVmAsync($"fill-{i}");
        }

        for (var round = 0; round < Rounds; round++)
        {
            var responses = await RaceAsync(i => api.PostAsJsonAsync("/api/v1/vms", NewVm($"last-{round}-{i}")));
            var winner = await SingleWinnerAsync(responses, HttpStatusCode.Accepted, "vcpus");

            var (cores, vcpus, racersAlive) = await portal.DbAsync(async db => (
                await db.Set<CoreAllocation>().CountAsync(),
                await Live(db).SumAsync(v => v.VCpus),
                await Live(db).CountAsync(v => v.Name.StartsWith($"last-{round}-"))));
            Assert.Equal((ComputeCores, ComputeCores, 1), (cores, vcpus, racersAlive));

            // The winner is deleted again, which frees the core for the next round.
            var accepted = (await winner.Content.ReadFromJsonAsync<JobAccepted>(Api.Json))!;
            await api.CompleteAsync(Task.FromResult(accepted));
            var name = await portal.DbAsync(db => Live(db).Where(v => v.Id == accepted.VmId).Select(v => v.Name).SingleAsync());
            var deleted = await api.DeleteAsync($"/api/v1/vms/{accepted.VmId}?confirm={name}");
            Assert.Equal(HttpStatusCode.Accepted, deleted.StatusCode);
            await api.CompleteAsync(deleted.Content.ReadFromJsonAsync<JobAccepted>(Api.Json)!);
        }
    }

    [Fact]
    public async Task Creating_vms_within_the_last_of_a_vdatacenter_gives_it_to_one()
    {
        await using var portal = await PortalAsync(RoomyRackServers);
        var reseller = portal.ApiClient("kamp-admin", "kamp-admin-pass-1");
        reseller.BaseAddress = new Uri("http://kamp.localhost");
        var customer = portal.ApiClient("baecker", "baecker-pass-1");
        customer.BaseAddress = new Uri("http://kamp.localhost");

        for (var round = 1; round <= Rounds; round++)
        {
            // One core more than the customer's VMs hold.
            var set = await reseller.PutAsJsonAsync($"/api/v1/customers/{DemoTenants.KampCustomerId}/capacity", new { cores = round, memoryGiB = (int?)null, diskGiB = (int?)null });
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);

            var responses = await RaceAsync(i => customer.PostAsJsonAsync("/api/v1/vms", NewVm($"vdc-{round}-{i}")));
            await SingleWinnerAsync(responses, HttpStatusCode.Accepted, "vcpus");

            var used = await portal.DbAsync(db => Live(db).Where(v => v.CustomerId == DemoTenants.KampCustomerId).SumAsync(v => v.VCpus));
            Assert.Equal(round, used);
        }
    }

    [Fact]
    public async Task Creating_vms_of_the_same_name_makes_one()
    {
        await using var portal = await PortalAsync(RoomyRackServers);
        var api = portal.Demo();
        for (var round = 0; round < Rounds; round++)
        {
            var name = $"same-{round}";
            var responses = await RaceAsync(_ => api.PostAsJsonAsync("/api/v1/vms", NewVm(name)));
            await SingleWinnerAsync(responses, HttpStatusCode.Accepted, "name");
            Assert.Equal(1, await portal.DbAsync(db => Live(db).CountAsync(v => v.Name == name)));
        }
    }

    [Fact]
    public async Task Signing_in_with_the_same_one_time_password_opens_one_session()
    {
        await using var portal = await PortalAsync(("EmbeddedRackServers:Enabled", "false"));
        var (secret, _) = await EnrolAsync(portal);
        for (var round = 0; round < Rounds; round++)
        {
            // The code of this minute, unused: the step last accepted is forgotten before every round.
            await ResetAsync(portal, forgetLastStep: true);
            var code = OathTool.Totp(secret, DateTimeOffset.UtcNow);
            var before = await AuditCountAsync(portal, "login.succeeded");

            await SingleSessionAsync(portal, code);
            Assert.Equal(before + 1, await AuditCountAsync(portal, "login.succeeded"));
        }
    }

    [Fact]
    public async Task Signing_in_with_the_same_recovery_code_opens_one_session()
    {
        await using var portal = await PortalAsync(("EmbeddedRackServers:Enabled", "false"));
        var (_, codes) = await EnrolAsync(portal);
        for (var round = 0; round < Rounds; round++)
        {
            await ResetAsync(portal, forgetLastStep: false);
            var before = await AuditCountAsync(portal, "login.recovery-code-used");

            await SingleSessionAsync(portal, codes[round]);
            Assert.Equal(before + 1, await AuditCountAsync(portal, "login.recovery-code-used"));
            var unused = await portal.DbAsync(db => db.Set<RecoveryCode>().CountAsync(c => c.UsedAt == null));
            Assert.Equal(codes.Count - round - 1, unused);
        }
    }

    private async Task<PortalFixture> PortalAsync(params (string Key, string Value)[] settings)
    {
        var all = await DatabaseSettingsAsync();

        // Rounds of sign-ins from one address: the per-address rate limit is not what these tests are about.
        all["Lockout:AttemptsPerAddressPerMinute"] = "10000";
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        return new PortalFixture(settings: all);
    }

    private static object NewVm(string name) => new { name, vCpus = 1, memoryGiB = 1, diskGiB = 10 };

    private static IQueryable<VirtualMachine> Live(PortalDbContext db) => db.Set<VirtualMachine>().IgnoreQueryFilters().Where(v => v.State != VmStates.Failed);

    /// <summary>Sends <see cref="Racers"/> requests at once: each waits at the same gate, then all go.</summary>
    private static async Task<HttpResponseMessage[]> RaceAsync(Func<int, Task<HttpResponseMessage>> send)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var racers = Enumerable.Range(0, Racers).Select(i => Task.Run(async () =>
        {
            await gate.Task;
            return await send(i);
        })).ToArray();
        gate.SetResult();
        return await Task.WhenAll(racers);
    }

    /// <summary>One response has <paramref name="won"/>; every other one is a conflict or the ordinary refusal on <paramref name="field"/>.</summary>
    private static async Task<HttpResponseMessage> SingleWinnerAsync(HttpResponseMessage[] responses, HttpStatusCode won, string field)
    {
        foreach (var response in responses.Where(r => r.StatusCode != won))
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {body}");
            var problem = JsonDocument.Parse(body).RootElement;
            if (response.StatusCode == HttpStatusCode.Conflict)
            {
                Assert.Equal(ConcurrentChange.Message, problem.GetProperty("detail").GetString());
            }
            else
            {
                Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), body);
            }
        }

        return Assert.Single(responses, r => r.StatusCode == won);
    }

    /// <summary>Sends the same code on <see cref="Racers"/> sign-ins waiting for their second step; one of them ends signed in.</summary>
    private static async Task SingleSessionAsync(PortalFixture portal, string code)
    {
        var sessions = new List<PortalSession>();
        try
        {
            var tokens = new List<string>();
            for (var i = 0; i < Racers; i++)
            {
                var session = portal.Session();
                sessions.Add(session);
                Assert.Equal("/login/code", await session.SignInAsync("other", "other-pass-1"));
                tokens.Add(await session.CsrfTokenAsync("/login/code"));
            }

            var responses = await RaceAsync(i =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, "/login/code")
                {
                    Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["code"] = code, ["__csrf"] = tokens[i] }),
                };
                request.Headers.Accept.ParseAdd("text/html");
                return sessions[i].Client.SendAsync(request);
            });

            foreach (var response in responses.Where(r => r.StatusCode != HttpStatusCode.Redirect))
            {
                var page = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
                Assert.True(response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {page}");
                Assert.Contains(response.StatusCode == HttpStatusCode.Conflict ? ConcurrentChange.Message : "The user name, password or code is wrong.", page);
            }

            Assert.Equal("/vms", Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Redirect).Headers.Location?.OriginalString);
            var signedIn = new List<string?>();
            foreach (var session in sessions)
            {
                signedIn.Add(await session.WhoAmIAsync());
            }

            Assert.Single(signedIn, user => user == "other");
            Assert.Equal(Racers - 1, signedIn.Count(user => user is null));
        }
        finally
        {
            sessions.ForEach(s => s.Dispose());
        }
    }

    /// <summary>Enrols 'other' with a one-time password; answers its secret and recovery codes.</summary>
    private static async Task<(string Secret, IReadOnlyList<string> RecoveryCodes)> EnrolAsync(PortalFixture portal)
    {
        await portal.DbAsync(async db =>
        {
            (await db.Set<UserAccount>().IgnoreQueryFilters().SingleAsync(u => u.UserName == "other")).OtpEnrolmentRequired = true;
            return await db.SaveChangesAsync();
        });
        using var browser = portal.Session();
        Assert.Equal("/login/enrol", await browser.SignInAsync("other", "other-pass-1"));
        var page = WebUtility.HtmlDecode(await browser.Client.GetStringAsync("/login/enrol"));
        var secret = SecretField().Match(page).Groups[1].Value;
        var enrolled = await browser.PostFormAsync("/login/enrol", new Dictionary<string, string> { ["code"] = OathTool.Totp(secret, DateTimeOffset.UtcNow) }, "/login/enrol");
        Assert.Equal(HttpStatusCode.OK, enrolled.StatusCode);
        var codes = RecoveryCodeItem().Matches(await enrolled.Content.ReadAsStringAsync()).Select(m => m.Groups[1].Value).ToArray();
        Assert.True(codes.Length >= Rounds, $"{codes.Length} recovery codes");
        return (secret, codes);
    }

    /// <summary>The failed attempts of the rounds before (the losers') must not lock the account for the next.</summary>
    private static Task ResetAsync(PortalFixture portal, bool forgetLastStep) =>
        portal.DbAsync(async db =>
        {
            var user = await db.Set<UserAccount>().IgnoreQueryFilters().SingleAsync(u => u.UserName == "other");
            db.RemoveRange(await db.Set<SignInThrottle>().Where(t => t.UserId == user.Id).ToListAsync());
            if (forgetLastStep)
            {
                user.OtpLastStep = null;
            }

            return await db.SaveChangesAsync();
        });

    private static Task<int> AuditCountAsync(PortalFixture portal, string action) =>
        portal.DbAsync(db => db.Set<AuditEntry>().IgnoreQueryFilters().CountAsync(e => e.Target == "other" && e.Action == action));

    [GeneratedRegex("data-secret=\"([A-Z2-7]+)\"")]
    private static partial Regex SecretField();

    [GeneratedRegex("<li>([0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4})</li>")]
    private static partial Regex RecoveryCodeItem();
}

/// <summary>The races on the embedded default, SQLite: one writer at a time.</summary>
public sealed class SqliteRaceTests : RaceTests
{
    protected override Task<Dictionary<string, string>> DatabaseSettingsAsync() => Task.FromResult(new Dictionary<string, string>());
}

/// <summary>The races on PostgreSQL: concurrent serialisable transactions.</summary>
[Collection(PostgresServer.Collection)]
public sealed class PostgresRaceTests(PostgresServer server) : RaceTests
{
    protected override Task<Dictionary<string, string>> DatabaseSettingsAsync() => server.NewDatabaseSettingsAsync();
}
