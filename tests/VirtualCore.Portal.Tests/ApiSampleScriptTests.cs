using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using VirtualCore.Modules.Compute.Contracts;

namespace VirtualCore.Portal.Tests;

/// <summary>
/// The curl + jq sample in samples/api/curl runs against a portal on a real port with an API token, as its header
/// says: a vServer is created, started, shown, powered off and deleted; a wrong token stops it with the portal's reason.
/// </summary>
public sealed class ApiSampleScriptTests : IAsyncLifetime
{
    private readonly PortalFixture _portal = new(realServer: true);

    public Task InitializeAsync()
    {
        _portal.StartServer();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task The_curl_sample_runs_a_vservers_life_and_stops_with_the_reason_on_a_refusal()
    {
        using var demo = _portal.Demo();
        var response = await demo.PostAsJsonAsync("/api/v1/tokens", new { name = "curl sample", scopes = new[] { "manage" }, expiresInDays = 1 });
        response.EnsureSuccessStatusCode();
        var token = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;

        var run = await RunAsync(token, "curl-sample");
        Assert.True(run.Exit == 0, run.Err);
        Assert.Contains("curl-sample: running on ", run.Out, StringComparison.Ordinal);
        Assert.Contains("Deleted from ", run.Out, StringComparison.Ordinal);
        var jobs = await demo.GetAsync<JobView[]>("/api/v1/jobs?search=curl-sample");
        Assert.Equal(["delete", "power-off", "start", "create"], jobs.Select(j => j.Action));
        Assert.All(jobs, j => Assert.Equal(("demo", JobStatuses.Completed), (j.UserName, j.Status)));

        var refused = await RunAsync("vct_" + new string('0', 40), "never");
        Assert.Equal(1, refused.Exit);
        Assert.Contains("401 Not signed in. The API token is unknown, expired or revoked.", refused.Err, StringComparison.Ordinal);
    }

    private async Task<(int Exit, string Out, string Err)> RunAsync(string token, string name)
    {
        var script = Path.Combine(RepositoryFolder.Root, "samples", "api", "curl", "vm-lifecycle.sh");
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, ArgumentList = { script, name } };
        start.Environment["VCORE_URL"] = _portal.ClientOptions.BaseAddress.ToString();
        start.Environment["VCORE_TOKEN"] = token;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await errors);
    }
}
