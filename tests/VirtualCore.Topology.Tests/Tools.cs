using System.Diagnostics;

namespace VirtualCore.Topology.Tests;

/// <summary>Runs the repository's scripts and the servers' command-line tools, and polls for conditions.</summary>
public static class Tools
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>Runs a program to its end and answers its standard output; a non-zero exit fails with what it printed.</summary>
    public static async Task<string> RunAsync(string tool, IEnumerable<string> arguments, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(tool, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {tool}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {string.Join(' ', start.ArgumentList)} did not finish within {timeout.TotalSeconds:F0} s.");
        }

        return process.ExitCode == 0
            ? await output
            : throw new InvalidOperationException($"{tool} {string.Join(' ', start.ArgumentList)} failed ({process.ExitCode}): {await errors}{await output}");
    }

    /// <summary>Runs a script of scripts/ (e.g. "servers/start-postgres.sh") with bash.</summary>
    public static Task<string> ScriptAsync(string script, IEnumerable<string> arguments, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null) =>
        RunAsync("bash", [Path.Combine(RepositoryRoot, "scripts", script), .. arguments], timeout, environment);

    /// <summary>Reads until the value satisfies the condition; fails with the last value and <paramref name="context"/> after the timeout.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout, Func<T?, string> context)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        T? last = default;
        Exception? lastError = null;
        while (DateTimeOffset.UtcNow < deadline)
        {
            try
            {
                last = await read();
                lastError = null;
                if (done(last))
                {
                    return last;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or InvalidOperationException && ex is not ProcessExitedException)
            {
                // A server that is restarting refuses or drops the request; the deadline decides.
                lastError = ex;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"Not reached within {timeout.TotalSeconds:F0} s. {(lastError is null ? "" : $"Last error: {lastError.Message}\n")}{context(last)}");
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "VirtualCore.Platform.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No VirtualCore.Platform.sln above {AppContext.BaseDirectory}.");
    }
}
