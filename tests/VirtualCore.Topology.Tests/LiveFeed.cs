using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR.Client;
using VirtualCore.Modules.Compute.Contracts;

namespace VirtualCore.Topology.Tests;

/// <summary>
/// What a browser's job log hears from one portal instance: signed in there with the session cookie
/// (<c>POST /api/v1/session</c>), connected to the live hub <c>/hubs/live</c>, every "job" message kept.
/// </summary>
public sealed class LiveFeed : IAsyncDisposable
{
    private readonly ConcurrentQueue<JobView> _jobs = new();
    private readonly HubConnection _connection;

    private LiveFeed(HubConnection connection)
    {
        _connection = connection;
        _connection.On<JobView>("job", _jobs.Enqueue);
    }

    public static async Task<LiveFeed> ConnectAsync(Uri portal)
    {
        var cookies = new CookieContainer();
        using (var session = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = portal })
        {
            var signIn = await session.PostAsJsonAsync("/api/v1/session", new { userName = TopologyFixture.DemoUser, password = TopologyFixture.DemoPassword });
            Assert.True(signIn.IsSuccessStatusCode, $"sign-in on {portal}: {(int)signIn.StatusCode} {await signIn.Content.ReadAsStringAsync()}");
        }

        var feed = new LiveFeed(new HubConnectionBuilder().WithUrl(new Uri(portal, "/hubs/live"), o => o.Cookies = cookies).Build());
        await feed._connection.StartAsync();
        return feed;
    }

    /// <summary>The statuses heard for the job so far, in the order they came.</summary>
    public IReadOnlyList<string> StatusesOf(Guid jobId) => _jobs.Where(j => j.Id == jobId).Select(j => j.Status).ToArray();

    /// <summary>Waits until the job was heard in each of the statuses.</summary>
    public Task<IReadOnlyList<string>> HeardAsync(Guid jobId, IReadOnlyCollection<string> statuses, Func<string> context) =>
        Tools.EventuallyAsync(
            () => Task.FromResult(StatusesOf(jobId)),
            heard => statuses.All(heard.Contains),
            TimeSpan.FromSeconds(20),
            heard => $"The live feed told of job {jobId}: [{string.Join(", ", heard ?? [])}], not all of [{string.Join(", ", statuses)}]\n{context()}");

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
