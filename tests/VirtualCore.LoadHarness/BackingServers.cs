using System.Diagnostics;
using System.Globalization;

namespace VirtualCore.LoadHarness;

/// <summary>
/// PostgreSQL 15 and RabbitMQ 3.10 for the <c>rabbitmq</c> topology, started as plain processes on loopback with the
/// project's scripts (state under the run's work folder) and stopped at the end; nothing for <c>embedded</c>.
/// </summary>
internal sealed class BackingServers : IAsyncDisposable
{
    private const int PostgresPort = 5497;
    private const int RabbitMqPort = 5697;
    private readonly string? _directory;

    private BackingServers(string? directory, IReadOnlyDictionary<string, string> settings)
    {
        _directory = directory;
        Settings = settings;
    }

    /// <summary>The portal's settings for these servers.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; }

    public static async Task<BackingServers> StartAsync(LoadOptions options, TextWriter console)
    {
        if (options.Topology == "embedded")
        {
            return new BackingServers(null, new Dictionary<string, string>());
        }

        var directory = Path.Combine(options.WorkDirectory, "servers");
        console.WriteLine("starting PostgreSQL and RabbitMQ…");
        await ScriptAsync("start-postgres.sh", Path.Combine(directory, "postgres"), PostgresPort);
        var servers = new BackingServers(directory, new Dictionary<string, string>
        {
            // "Testing": a PostgreSQL portal with the demo tenants, as the test suites run it; production has none.
            ["environment"] = "Testing",
            ["Database:Provider"] = "PostgreSQL",
            ["Database:ConnectionString"] = $"Host=127.0.0.1;Port={PostgresPort};Username=postgres;Database=vcore_load;Maximum Pool Size=200",
            ["Bus:Transport"] = "RabbitMQ",
            ["Bus:Host"] = "127.0.0.1",
            ["Bus:Port"] = RabbitMqPort.ToString(CultureInfo.InvariantCulture),
            ["Bus:Username"] = "guest",
            ["Bus:Password"] = "guest",

            // The simulated rack servers' agents run in the portal's process and publish with the portal's account.
            ["Bus:VerifyAgentIdentity"] = "false",
        });
        try
        {
            await ScriptAsync("start-rabbitmq.sh", Path.Combine(directory, "rabbitmq"), RabbitMqPort);
        }
        catch
        {
            await servers.DisposeAsync();
            throw;
        }

        return servers;
    }

    public async ValueTask DisposeAsync()
    {
        if (_directory is null)
        {
            return;
        }

        await ScriptAsync("stop-rabbitmq.sh", Path.Combine(_directory, "rabbitmq"));
        await ScriptAsync("stop-postgres.sh", Path.Combine(_directory, "postgres"));
    }

    private static async Task ScriptAsync(string script, string directory, int? port = null)
    {
        var start = new ProcessStartInfo(Path.Combine(Repository.Root, "scripts", "servers", script)) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(directory);
        if (port is { } p)
        {
            start.ArgumentList.Add(p.ToString(CultureInfo.InvariantCulture));
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} failed ({process.ExitCode}): {await output}{await error}");
        }
    }
}

/// <summary>Where the repository is: the folder above <c>tests/</c> that holds the solution.</summary>
internal static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "VirtualCore.Platform.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository's root (VirtualCore.Platform.sln) is not above the harness.");
    }
}
