using System.Diagnostics;
using System.Globalization;

namespace VirtualCore.LoadHarness;

/// <summary>
/// The portal as a process of its own (<c>dotnet VirtualCore.Portal.dll</c> from its Release build output), configured
/// on its command line, its output kept in a log file. Reads its CPU time and memory from <c>/proc</c>.
/// </summary>
internal sealed class PortalProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private PortalProcess(Process process, StreamWriter log, Uri address, string logPath)
    {
        _process = process;
        _log = log;
        Address = address;
        LogPath = logPath;
    }

    public Uri Address { get; }

    public string LogPath { get; }

    public int Pid => _process.Id;

    /// <summary>
    /// Starts the portal once (schema migrated, demo tenants and node files written), stops it, lets <paramref name="seed"/>
    /// write what the run needs straight into its database, and starts it again on that.
    /// </summary>
    public static async Task<PortalProcess> StartSeededAsync(string portalDll, Uri address, string dataDirectory, IReadOnlyDictionary<string, string> settings, Action seed)
    {
        using (await StartAsync(portalDll, address, dataDirectory, settings))
        {
        }

        seed();
        return await StartAsync(portalDll, address, dataDirectory, settings);
    }

    public static async Task<PortalProcess> StartAsync(string portalDll, Uri address, string dataDirectory, IReadOnlyDictionary<string, string> settings)
    {
        if (!File.Exists(portalDll))
        {
            throw new InvalidOperationException($"{portalDll} is missing: dotnet build hosts/VirtualCore.Portal -c Release");
        }

        // Another portal on the address would answer the readiness check and take the run's requests.
        using (var probe = new System.Net.Sockets.TcpClient())
        {
            try
            {
                await probe.ConnectAsync(address.Host, address.Port);
                throw new InvalidOperationException($"Something already listens on {address}; choose another --port.");
            }
            catch (System.Net.Sockets.SocketException)
            {
                // Free.
            }
        }

        Directory.CreateDirectory(dataDirectory);
        var contentRoot = Path.GetDirectoryName(portalDll)!;
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = contentRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // The harness measures the portal, not its API rate limits (a run's own settings can switch them on again).
        foreach (var argument in new[] { portalDll, "--contentRoot", contentRoot, "--DataDirectory", dataDirectory, "--urls", address.ToString(), "--ApiRateLimits:RequestsPerWindow", "0" })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in settings)
        {
            start.ArgumentList.Add($"--{key}");
            start.ArgumentList.Add(value);
        }

        var logPath = Path.Combine(dataDirectory, "portal.log");
        var log = new StreamWriter(logPath) { AutoFlush = true };
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var portal = new PortalProcess(process, log, address, logPath);
        try
        {
            await portal.WaitReadyAsync(TimeSpan.FromSeconds(120));
            return portal;
        }
        catch
        {
            portal.Dispose();
            throw;
        }
    }

    /// <summary>CPU time the process has used so far (user + system).</summary>
    public TimeSpan CpuTime()
    {
        // Fields 14 and 15 of /proc/PID/stat, in clock ticks of 1/100 s; the command name in parentheses may hold spaces.
        var stat = File.ReadAllText($"/proc/{Pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromMilliseconds(ticks * 10);
    }

    /// <summary>Resident memory now and its peak so far, in MiB.</summary>
    public (double Resident, double Peak) Memory()
    {
        double resident = 0, peak = 0;
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                resident = Kib(line) / 1024.0;
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kib(line) / 1024.0;
            }
        }

        return (resident, peak);

        static long Kib(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    /// <summary>Resets the peak resident memory (VmHWM), so the next phase's peak is its own.</summary>
    public void ResetPeak() => File.WriteAllText($"/proc/{Pid}/clear_refs", "5");

    public string Tail(int lines = 30) => string.Join('\n', File.ReadLines(LogPath).TakeLast(lines));

    private bool _disposed;

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
        _log.Dispose();
    }

    private async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The portal exited with {_process.ExitCode}:\n{Tail()}");
            }

            try
            {
                // Ready: database migrated, bus started, and at least one agent has announced its rack server.
                using var response = await http.GetAsync("/health/ready");
                if (response.IsSuccessStatusCode
                    && System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString() == "Healthy")
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Busy starting.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The portal was not ready within {timeout}:\n{Tail()}");
            }

            await Task.Delay(200);
        }
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is not null)
        {
            lock (log)
            {
                log.WriteLine(line);
            }
        }
    }
}
