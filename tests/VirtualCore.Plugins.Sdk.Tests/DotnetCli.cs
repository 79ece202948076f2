using System.Diagnostics;

namespace VirtualCore.Tests.Shared;

/// <summary>The <c>dotnet</c> command as the tests that pack, make and build projects run it (shared by linking the file).</summary>
internal static class DotnetCli
{
    // What these tests pack is the build they run in (pack alone would take Release).
#if DEBUG
    internal const string Configuration = "Debug";
#else
    internal const string Configuration = "Release";
#endif

    internal static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>Runs <c>dotnet</c> with <paramref name="arguments"/>; its exit code and what it wrote, both streams.</summary>
    internal static async Task<(int ExitCode, string Output)> RunAsync(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // A build started from a test run must find its own MSBuild, not the one the test host was started with.
        start.Environment.Remove("MSBuildExtensionsPath");
        start.Environment.Remove("MSBuildSDKsPath");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>As <see cref="RunAsync"/>, failing the test with the command and its output unless it succeeds.</summary>
    internal static async Task RunOkAsync(string workingDirectory, params string[] arguments)
    {
        var (exitCode, output) = await RunAsync(workingDirectory, arguments);
        Assert.True(exitCode == 0, $"dotnet {string.Join(' ', arguments)}\n{output}");
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "VirtualCore.Platform.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (with VirtualCore.Platform.sln) was not found above " + AppContext.BaseDirectory);
    }
}
