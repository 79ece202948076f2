using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace VirtualCore.Security.Tests;

/// <summary>
/// A PostgreSQL 15 server of the test run's own: a plain process on 127.0.0.1 with trust authentication, its data
/// and socket in a temporary folder, stopped and removed at the end. Each portal gets a database of its own.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    public const string Collection = "PostgreSQL";

    private const string BinDirectory = "/usr/lib/postgresql/15/bin";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "vcore-pg-" + Guid.NewGuid().ToString("N")[..12]);

    private int _databases;

    public int Port { get; private set; }

    public async Task InitializeAsync()
    {
        EnsureInstalled();
        await RunAsync("initdb", "-D", _directory, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8");

        // A free port outside the kernel's ephemeral range (32768–60999), where no outgoing connection takes it meanwhile.
        for (var attempt = 0; ; attempt++)
        {
            Port = FreePort();
            var started = await TryRunAsync(
                "pg_ctl", "-D", _directory, "-l", Path.Combine(_directory, "server.log"), "-w", "start",
                "-o", $"-p {Port} -k {_directory} -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
            if (started.ExitCode == 0)
            {
                return;
            }

            Assert.True(attempt < 5, $"PostgreSQL did not start: {started.Output}\n{ReadLog()}");
        }
    }

    /// <summary>A new, empty database; the settings point a portal at it.</summary>
    public async Task<Dictionary<string, string>> NewDatabaseSettingsAsync()
    {
        var name = $"portal_{Interlocked.Increment(ref _databases)}";
        await using (var connection = new NpgsqlConnection(ConnectionString("postgres")))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new Dictionary<string, string>
        {
            ["Database:Provider"] = "PostgreSQL",
            ["Database:ConnectionString"] = ConnectionString(name),
        };
    }

    public string ConnectionString(string database) => $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database}";

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (Port != 0)
        {
            await TryRunAsync("pg_ctl", "-D", _directory, "-w", "-m", "fast", "stop");
        }

        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static int FreePort()
    {
        while (true)
        {
            var port = Random.Shared.Next(20000, 32000);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: try another.
            }
        }
    }

    private string ReadLog()
    {
        var log = Path.Combine(_directory, "server.log");
        return File.Exists(log) ? File.ReadAllText(log) : "";
    }

    private static void EnsureInstalled()
    {
        if (File.Exists(Path.Combine(BinDirectory, "initdb")))
        {
            return;
        }

        using var install = Process.Start(new ProcessStartInfo("apt-get", "install -y -qq postgresql-15") { Environment = { ["DEBIAN_FRONTEND"] = "noninteractive" } })!;
        install.WaitForExit();
        Assert.True(File.Exists(Path.Combine(BinDirectory, "initdb")), "PostgreSQL 15 is needed: scripts/install-system-packages.sh test");
    }

    private static async Task RunAsync(string tool, params string[] arguments)
    {
        var (exitCode, output) = await TryRunAsync(tool, arguments);
        Assert.True(exitCode == 0, $"{tool}: {output}");
    }

    /// <summary>PostgreSQL refuses to run as root: there, its tools run as the postgres user.</summary>
    private static async Task<(int ExitCode, string Output)> TryRunAsync(string tool, params string[] arguments)
    {
        var asRoot = Environment.UserName == "root";
        var start = new ProcessStartInfo(asRoot ? "runuser" : Path.Combine(BinDirectory, tool))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (asRoot)
        {
            foreach (var argument in new[] { "-u", "postgres", "--", Path.Combine(BinDirectory, tool) })
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }
}

[CollectionDefinition(PostgresServer.Collection)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>;
