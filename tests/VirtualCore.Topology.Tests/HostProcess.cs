using System.Diagnostics;

namespace VirtualCore.Topology.Tests;

/// <summary>
/// A portal instance or node agent as a process of its own (<c>dotnet X.dll</c>), configured by environment variables,
/// its standard output and error appended to one log file that failures quote. Can be killed hard (SIGKILL) and
/// started again with the same configuration.
/// </summary>
public sealed class HostProcess : IDisposable
{
    private readonly string _assembly;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly Lock _logGate = new();
    private Process? _process;
    private StreamWriter? _log;

    private readonly string _pidPath;

    /// <param name="pidPath">Where the running process's id is kept, so a later run can end one that a crashed run left.</param>
    public HostProcess(string name, string assembly, IReadOnlyDictionary<string, string> environment, string logPath, string pidPath)
    {
        Name = name;
        _assembly = assembly;
        _environment = environment;
        LogPath = logPath;
        _pidPath = pidPath;
    }

    /// <summary>Kills the processes whose ids an earlier run left in <paramref name="pidDirectory"/>, if they still run our hosts.</summary>
    public static void KillLeftovers(string pidDirectory)
    {
        if (!Directory.Exists(pidDirectory))
        {
            return;
        }

        foreach (var file in Directory.GetFiles(pidDirectory, "*.pid"))
        {
            if (int.TryParse(File.ReadAllText(file).Trim(), out var pid) && File.Exists($"/proc/{pid}/cmdline")
                && File.ReadAllText($"/proc/{pid}/cmdline").Contains("VirtualCore.", StringComparison.Ordinal))
            {
                using var leftover = Process.GetProcessById(pid);
                leftover.Kill();
                leftover.WaitForExit();
            }

            File.Delete(file);
        }
    }

    public string Name { get; }

    public string LogPath { get; }

    public int? Pid => _process is { HasExited: false } p ? p.Id : null;

    public bool IsRunning => _process is { HasExited: false };

    public void Start()
    {
        if (IsRunning)
        {
            return;
        }

        if (!File.Exists(_assembly))
        {
            throw new InvalidOperationException($"{_assembly} is missing: build the solution first.");
        }

        var start = new ProcessStartInfo("dotnet", [_assembly])
        {
            WorkingDirectory = Path.GetDirectoryName(_assembly)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in _environment)
        {
            start.Environment[key] = value;
        }

        lock (_logGate)
        {
            _log ??= new StreamWriter(new FileStream(LogPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
            _log.WriteLine($"===== {Name} starting at {DateTimeOffset.UtcNow:O}");
        }

        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        File.WriteAllText(_pidPath, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Ends the process at once, as a power cut or the OOM killer would (SIGKILL): no shutdown code runs.</summary>
    public void Kill()
    {
        if (_process is null)
        {
            return;
        }

        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        Append($"===== {Name} killed at {DateTimeOffset.UtcNow:O}");
        _process.Dispose();
        _process = null;
        File.Delete(_pidPath);
    }

    /// <summary>The log's last lines, for a failure's message.</summary>
    public string Tail(int lines = 40)
    {
        lock (_logGate)
        {
            using var stream = new FileStream(LogPath, FileMode.OpenOrCreate, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n');
            return $"--- last lines of {Name} ({LogPath}) ---\n" + string.Join('\n', all.TakeLast(lines));
        }
    }

    public void Dispose()
    {
        Kill();
        lock (_logGate)
        {
            _log?.Dispose();
            _log = null;
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_logGate)
        {
            _log?.WriteLine(line);
        }
    }
}
