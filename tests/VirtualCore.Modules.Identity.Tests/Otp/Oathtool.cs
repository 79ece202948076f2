using System.Diagnostics;
using System.Globalization;

namespace VirtualCore.Modules.Identity.Tests.Otp;

/// <summary>
/// Debian's oathtool, an implementation independent of ours: if it agrees, real authenticator apps will too.
/// Installed through apt when missing (tests and CI run as root on Debian).
/// </summary>
internal static class Oathtool
{
    private static readonly Lazy<string> Executable = new(FindOrInstall, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The code oathtool computes for <paramref name="at"/> with 60-second steps and 6 digits.</summary>
    public static string Totp(string secretBase32, DateTimeOffset at)
    {
        var now = at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";
        var (exitCode, output, error) = Run(Executable.Value, "--totp", "-s", "60", "-d", "6", "-b", "--now", now, secretBase32);
        Assert.True(exitCode == 0, $"oathtool failed ({exitCode}): {error}");
        return output.Trim();
    }

    private static string FindOrInstall()
    {
        var found = FindOnPath();
        if (found is not null)
        {
            return found;
        }

        var install = Run("apt-get", "install", "-y", "--no-install-recommends", "oathtool");
        if (install.ExitCode != 0)
        {
            // Package lists may be missing in a fresh container; refresh once and try again.
            Run("apt-get", "update");
            install = Run("apt-get", "install", "-y", "--no-install-recommends", "oathtool");
        }

        return FindOnPath()
            ?? throw new InvalidOperationException($"oathtool is not on PATH and apt-get could not install it: {install.Error}");
    }

    private static string? FindOnPath()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "oathtool"))
            .FirstOrDefault(File.Exists);
    }

    private static (int ExitCode, string Output, string Error) Run(string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.GetAwaiter().GetResult());
    }
}
