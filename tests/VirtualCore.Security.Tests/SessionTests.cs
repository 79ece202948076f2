using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using VirtualCore.Modules.Identity.Features.Users;
using VirtualCore.Portal.Tests;

namespace VirtualCore.Security.Tests;

/// <summary>
/// Sessions do not outlive the account: disabling a user, a password change, a one-time-password reset and signing
/// out end its sessions — every copy of the cookie, cached Basic sign-ins and live connections — at the next request.
/// </summary>
public sealed class SessionTests : IAsyncLifetime
{
    private readonly PortalFixture _portal = new(settings: new Dictionary<string, string> { ["DemoVms"] = "false" });

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task Disabling_a_signed_in_user_ends_its_session_and_its_live_connection()
    {
        var cookie = await Callers.SessionCookieAsync(_portal, "kamp.localhost", "geselle", "geselle-pass-1");
        using var geselle = Callers.WithCookie(_portal, "kamp.localhost", cookie);
        Assert.Equal(HttpStatusCode.OK, (await geselle.GetAsync("/api/v1/vms")).StatusCode);
        await using var live = await ConnectAsync("kamp.localhost", cookie);
        var closed = new TaskCompletionSource();
        live.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };

        await DisableAsync("geselle");

        Assert.Equal(HttpStatusCode.Unauthorized, (await geselle.GetAsync("/api/v1/vms")).StatusCode);
        var page = await geselle.GetAsync("/vms");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/login", new Uri(new Uri("http://kamp.localhost"), page.Headers.Location!).AbsolutePath);
        await closed.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(HubConnectionState.Disconnected, live.State);
    }

    [Fact]
    public async Task Disabling_a_user_ends_its_cached_basic_sign_in_and_its_tokens_at_the_next_request()
    {
        using var basic = Callers.Basic(_portal, "kamp.localhost", "geselle", "geselle-pass-1");
        Assert.Equal(HttpStatusCode.OK, (await basic.GetAsync("/api/v1/vms")).StatusCode);
        var token = await Callers.CreateTokenAsync(_portal, "kamp.localhost", "geselle", "geselle-pass-1", "read");
        using var withToken = Callers.Token(_portal, "kamp.localhost", token);
        Assert.Equal(HttpStatusCode.OK, (await withToken.GetAsync("/api/v1/vms")).StatusCode);

        await DisableAsync("geselle");

        Assert.Equal(HttpStatusCode.Unauthorized, (await basic.GetAsync("/api/v1/vms")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await withToken.GetAsync("/api/v1/vms")).StatusCode);
    }

    [Fact]
    public async Task Revoking_a_token_closes_the_live_connection_opened_with_it()
    {
        var token = await Callers.CreateTokenAsync(_portal, "localhost", "demo", "demo-pass-1", "read");
        await using var live = new HubConnectionBuilder()
            .WithUrl("http://localhost/hubs/live", o =>
            {
                o.HttpMessageHandlerFactory = _ => _portal.Server.CreateHandler();
                o.Transports = HttpTransportType.LongPolling;
                o.Headers["Authorization"] = $"Bearer {token}";
            })
            .Build();
        await live.StartAsync();
        var closed = new TaskCompletionSource();
        live.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };

        using var demo = Callers.Basic(_portal, "localhost", "demo", "demo-pass-1");
        var listed = (await demo.GetAsync<VirtualCore.Modules.Identity.Features.Tokens.ApiTokenView[]>("/api/v1/tokens")).Single(t => token.StartsWith(t.Prefix, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.NoContent, (await demo.DeleteAsync($"/api/v1/tokens/{listed.Id}")).StatusCode);

        await closed.Task.WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task Signing_out_ends_the_session_for_every_copy_of_its_cookie_and_no_other_session()
    {
        var first = await Callers.SessionCookieAsync(_portal, "localhost", "demo", "demo-pass-1");
        var second = await Callers.SessionCookieAsync(_portal, "localhost", "demo", "demo-pass-1");
        var (cookies, csrf) = await Callers.CsrfForAsync(_portal, "localhost", first);
        using var browser = Callers.WithCookie(_portal, "localhost", cookies);
        using var stolenCopy = Callers.WithCookie(_portal, "localhost", first);
        using var otherBrowser = Callers.WithCookie(_portal, "localhost", second);

        var signOut = new HttpRequestMessage(HttpMethod.Delete, "/api/v1/session") { Headers = { { VirtualCore.Framework.Web.ApiAntiforgery.HeaderName, csrf } } };
        Assert.Equal(HttpStatusCode.NoContent, (await browser.SendAsync(signOut)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await stolenCopy.GetAsync("/api/v1/session")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await otherBrowser.GetAsync("/api/v1/session")).StatusCode);
    }

    [Fact]
    public async Task A_password_change_ends_every_other_session_and_keeps_the_one_that_made_it()
    {
        using var changer = _portal.Session();
        var csrf = await Callers.SignInWithCsrfAsync(changer, "other", "other-pass-1");
        var elsewhere = await Callers.SessionCookieAsync(_portal, "localhost", "other", "other-pass-1");
        using var basicBefore = Callers.Basic(_portal, "localhost", "other", "other-pass-1");
        Assert.Equal(HttpStatusCode.OK, (await basicBefore.GetAsync("/api/v1/vms")).StatusCode);

        var change = await changer.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/v1/profile/password")
        {
            Content = JsonContent.Create(new { currentPassword = "other-pass-1", newPassword = "other-pass-2-longer" }),
            Headers = { { VirtualCore.Framework.Web.ApiAntiforgery.HeaderName, csrf } },
        });
        Assert.True(change.StatusCode == HttpStatusCode.NoContent, $"{(int)change.StatusCode} {await change.Content.ReadAsStringAsync()}");

        using var elsewhereAfter = Callers.WithCookie(_portal, "localhost", elsewhere);
        Assert.Equal(HttpStatusCode.OK, (await changer.Client.GetAsync("/api/v1/session")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await elsewhereAfter.GetAsync("/api/v1/session")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await basicBefore.GetAsync("/api/v1/vms")).StatusCode);
    }

    [Fact]
    public async Task An_admins_one_time_password_reset_ends_the_users_sessions()
    {
        var cookie = await Callers.SessionCookieAsync(_portal, "acme.localhost", "intern", "intern-pass-1");
        using var intern = Callers.WithCookie(_portal, "acme.localhost", cookie);
        Assert.Equal(HttpStatusCode.OK, (await intern.GetAsync("/api/v1/session")).StatusCode);

        using var admin = Callers.Basic(_portal, "acme.localhost", "widget", "widget-pass-1");
        var user = (await admin.GetAsync<UserView[]>("/api/v1/users")).Single(u => u.UserName == "intern");
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/users/{user.Id}/otp")).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await intern.GetAsync("/api/v1/session")).StatusCode);
    }

    private async Task DisableAsync(string userName)
    {
        using var admin = Callers.Basic(_portal, "kamp.localhost", "baecker", "baecker-pass-1");
        var user = (await admin.GetAsync<UserView[]>("/api/v1/users")).Single(u => u.UserName == userName);
        var response = await admin.PostAsync($"/api/v1/users/{user.Id}/disable", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<HubConnection> ConnectAsync(string host, string cookie)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl($"http://{host}/hubs/live", o =>
            {
                o.HttpMessageHandlerFactory = _ => _portal.Server.CreateHandler();
                o.Transports = HttpTransportType.LongPolling;
                o.Headers["Cookie"] = cookie;
            })
            .Build();
        await connection.StartAsync();
        return connection;
    }
}
