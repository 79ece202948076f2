using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using VirtualCore.Modules.Compute.Contracts;

namespace VirtualCore.Portal.Tests;

/// <summary>
/// The script samples in samples/api run against a portal on a real port with an API token, as their headers say: with
/// curl + jq and with PowerShell 7 (the repository's pinned tool), a vServer is created, started, shown, powered off
/// (PowerShell: with the ETag of the read in If-Match) and deleted; the PowerShell job report follows the job log's
/// pages one job at a time; a wrong token stops each with the portal's reason.
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

    [Fact]
    public async Task The_PowerShell_samples_run_a_vservers_life_and_page_through_its_jobs()
    {
        using var demo = _portal.Demo();
        var token = await demo.TokenAsync("manage");

        var run = await RunAsync(token, "ps-sample", "pwsh");
        Assert.True(run.Exit == 0, run.Out + run.Err);
        Assert.Contains("ps-sample: running on ", run.Out, StringComparison.Ordinal);
        Assert.Contains("Deleted from ", run.Out, StringComparison.Ordinal);
        var jobs = await demo.GetAsync<JobView[]>("/api/v1/jobs?search=ps-sample");
        Assert.Equal(["delete", "power-off", "start", "create"], jobs.Select(j => j.Action));
        Assert.All(jobs, j => Assert.Equal(("demo", JobStatuses.Completed), (j.UserName, j.Status)));

        // The report with a read token, one job a page: four pages followed by their Link headers, newest first.
        var report = await RunScriptAsync(await demo.TokenAsync("read"), "pwsh", "job-report.ps1", "-Status", "completed", "-Search", "ps-sample", "-PageSize", "1");
        Assert.True(report.Exit == 0, report.Out + report.Err);
        var rows = report.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.StartsWith("\"queuedAt\",", rows[0], StringComparison.Ordinal);
        Assert.Equal(jobs.Select(j => j.Id.ToString()), rows.Skip(1).Select(r => r.Split(',')[^1].Trim('"')));

        var refused = await RunAsync("vct_" + new string('0', 40), "never", "pwsh");
        Assert.Equal(1, refused.Exit);
        Assert.Contains("401 Not signed in. The API token is unknown, expired or revoked.", refused.Err, StringComparison.Ordinal);
        var badPage = await RunScriptAsync(token, "pwsh", "job-report.ps1", "-PageSize", "0");
        Assert.Equal(1, badPage.Exit);
        Assert.Contains("400 The request is invalid. limit:", badPage.Err, StringComparison.Ordinal);
    }

    private Task<(int Exit, string Out, string Err)> RunAsync(string token, string name, string kind = "curl") =>
        kind == "curl" ? RunScriptAsync(token, kind, "vm-lifecycle.sh", name) : RunScriptAsync(token, kind, "vm-lifecycle.ps1", "-Name", name);

    // A sample script as a user runs it: bash for curl's, the repository's pinned PowerShell (dotnet pwsh) for the others.
    private async Task<(int Exit, string Out, string Err)> RunScriptAsync(string token, string kind, string file, params string[] arguments)
    {
        var script = Path.Combine(RepositoryFolder.Root, "samples", "api", kind == "curl" ? "curl" : "powershell", file);
        var start = kind == "curl"
            ? new ProcessStartInfo("bash") { ArgumentList = { script } }
            : new ProcessStartInfo("dotnet") { ArgumentList = { "pwsh", "-NoProfile", "-NonInteractive", "-File", script }, WorkingDirectory = RepositoryFolder.Root };
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

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
