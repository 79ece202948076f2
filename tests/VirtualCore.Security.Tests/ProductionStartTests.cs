using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using VirtualCore.Modules.Identity.Domain;
using VirtualCore.Portal.Tests;

namespace VirtualCore.Security.Tests;

/// <summary>
/// A production configuration never serves the demo logins: it starts without demo data, sets up its first
/// operator with a one-time token from its log, and refuses to start on a database that holds demo logins.
/// </summary>
public sealed partial class ProductionStartTests
{
    private const string Password = "first-operator-pass";

    [Fact]
    public async Task A_production_start_on_an_empty_folder_has_no_demo_logins_and_sets_up_its_operator_with_a_one_time_token()
    {
        var logs = new CapturedLogs();
        using var portal = new PortalFixture(environment: "Production", logs: logs);
        using var demo = portal.Demo();
        Assert.Equal(HttpStatusCode.Unauthorized, (await demo.GetAsync("/api/v1/vms")).StatusCode);
        using var demoOperator = portal.ApiClient("operator", "operator-pass-1");
        Assert.Equal(HttpStatusCode.Unauthorized, (await demoOperator.GetAsync("/api/v1/users")).StatusCode);
        Assert.Equal(0, await portal.DbAsync(db => db.Set<UserAccount>().IgnoreQueryFilters().CountAsync()));

        var token = SetupToken().Match(logs.Text);
        Assert.True(token.Success, "no setup token in the log:\n" + logs.Text);

        using var browser = portal.Session();
        Assert.Equal(HttpStatusCode.OK, (await browser.Client.GetAsync("/setup")).StatusCode);

        var wrong = await SetUpAsync(browser, "vcs_" + new string('0', 64), "root-op", Password);
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        var refusal = await wrong.Content.ReadAsStringAsync();
        Assert.Contains("The setup token is not valid.", refusal, StringComparison.Ordinal);
        Assert.Equal(1, await portal.DbAsync(db => db.Set<AuditEntry>().IgnoreQueryFilters().CountAsync(e => e.Action == "setup.refused")));

        // A password too short is refused on its field and does not spend the token.
        var shortPassword = await SetUpAsync(browser, token.Value, "root-op", "short");
        Assert.Equal(HttpStatusCode.BadRequest, shortPassword.StatusCode);
        Assert.Contains("at least 10 characters", await shortPassword.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var created = await SetUpAsync(browser, token.Value, "root-op", Password);
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        Assert.Equal("/login", created.Headers.Location?.OriginalString);
        using var op = portal.ApiClient("root-op", Password);
        Assert.Equal(HttpStatusCode.OK, (await op.GetAsync("/api/v1/users")).StatusCode);
        var account = await portal.DbAsync(db => db.Set<UserAccount>().IgnoreQueryFilters().SingleAsync());
        Assert.Equal(UserRole.Operator, account.Role);

        // Spent: the page is gone, and the same token creates nothing more.
        Assert.Equal(HttpStatusCode.NotFound, (await browser.Client.GetAsync("/setup")).StatusCode);
        var again = await browser.PostFormAsync(
            "/setup",
            new Dictionary<string, string> { ["token"] = token.Value, ["userName"] = "second-op", ["displayName"] = "Second", ["password"] = Password });
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal(1, await portal.DbAsync(db => db.Set<UserAccount>().IgnoreQueryFilters().CountAsync()));
    }

    [Fact]
    public async Task A_production_start_on_a_folder_with_demo_logins_refuses_to_start()
    {
        string folder;
        using (var embedded = new PortalFixture())
        {
            folder = embedded.DataDirectory;
            using var demo = embedded.Demo();
            Assert.Equal(HttpStatusCode.OK, (await demo.GetAsync("/api/v1/vms")).StatusCode);
        }

        var (exitCode, output) = await RunPortalAsync(folder);
        Assert.NotEqual(0, exitCode);
        Assert.Contains("Refusing to start: the database holds demo logins with their well-known passwords (operator, demo, other,", output, StringComparison.Ordinal);
        Assert.Contains("Start production on a new, empty database", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_production_start_with_DemoData_switched_on_refuses_to_start()
    {
        var folder = Path.Combine(Path.GetTempPath(), "vcore-tests", Guid.NewGuid().ToString("N"));
        var (exitCode, output) = await RunPortalAsync(folder, "--DemoData", "true");
        Assert.True(exitCode == 1, $"exit code {exitCode}:\n{output}");
        Assert.Contains("Refusing to start: DemoData is switched on in a production configuration", output, StringComparison.Ordinal);
    }

    /// <summary>Runs the built portal as its own process, as an operator would (environment Production, ASP.NET Core's default).</summary>
    internal static async Task<(int ExitCode, string Output)> RunPortalAsync(string dataDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory };
        foreach (var argument in (string[])[Path.Combine(AppContext.BaseDirectory, "VirtualCore.Portal.dll"), "--contentRoot", AppContext.BaseDirectory,
            "--DataDirectory", dataDirectory, "--urls", "http://127.0.0.1:0", "--DemoVms", "false", "--EmbeddedRackServers:Enabled", "false", .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Remove("ASPNETCORE_ENVIRONMENT");
        start.Environment.Remove("DOTNET_ENVIRONMENT");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();

        // A portal that does not refuse would run on: the bound is only there to end such a failing test.
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(bound.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail("The portal started instead of refusing:\n" + await stdout);
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    private static async Task<HttpResponseMessage> SetUpAsync(PortalSession browser, string token, string userName, string password) =>
        await browser.PostFormAsync(
            "/setup",
            new Dictionary<string, string> { ["token"] = token, ["userName"] = userName, ["displayName"] = "Root Operator", ["password"] = password },
            "/setup");

    [GeneratedRegex("vcs_[0-9a-f]{64}")]
    private static partial Regex SetupToken();
}

/// <summary>Keeps every log line the portal writes, for tests that read what it printed.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public string Text => string.Join('\n', _lines);

    public ILogger CreateLogger(string categoryName) => new Logger(_lines, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(ConcurrentQueue<string> lines, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}");
    }
}

/// <summary>PostgreSQL is production's database: on it, demo logins are refused whatever the environment says, but for the test harness's own.</summary>
[Collection(PostgresServer.Collection)]
public sealed class PostgresProductionStartTests(PostgresServer postgres)
{
    [Fact]
    public async Task A_start_on_postgresql_with_DemoData_switched_on_refuses_to_start_even_in_development()
    {
        var database = await postgres.NewDatabaseSettingsAsync();
        var folder = Path.Combine(Path.GetTempPath(), "vcore-tests", Guid.NewGuid().ToString("N"));
        var (exitCode, output) = await ProductionStartTests.RunPortalAsync(
            folder, "--environment", "Development", "--DemoData", "true",
            "--Database:Provider", "PostgreSQL", "--Database:ConnectionString", database["Database:ConnectionString"]);
        Assert.NotEqual(0, exitCode);
        Assert.Contains("Refusing to start: DemoData is switched on in a production configuration", output, StringComparison.Ordinal);
    }
}
