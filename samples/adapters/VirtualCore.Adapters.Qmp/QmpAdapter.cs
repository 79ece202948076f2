using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Qmp;

/// <summary>
/// QEMU without libvirt: each domain is a folder under the node's state directory (its definition as JSON, the QMP
/// socket, the pid file), each start a <c>qemu-system-x86_64 -daemonize</c>, each action one QMP command. It declares
/// the subset it does — the core, CPU pinning, ACPI shutdown, pause and reset — and answers NotSupported for the rest,
/// so the portal offers nothing else on its nodes. NICs use QEMU's user-mode network whatever network the spec names.
/// Address: <c>qmp:///var/lib/vcore-qmp</c>; settings <c>qemu</c> (the emulator, default qemu-system-x86_64),
/// <c>accel</c> (tcg or kvm, default tcg).
/// </summary>
public sealed class QmpAdapter : IHypervisorAdapter
{
    private const long MinimumMemoryBytes = 16L * 1024 * 1024;
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Locks = new(StringComparer.Ordinal);

    private readonly NodeConnectionOptions options;
    private readonly string emulator;
    private readonly string accelerator;
    private string? stateDirectory;

    public QmpAdapter(NodeConnectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options;
        emulator = options.Settings.GetValueOrDefault("qemu", "qemu-system-x86_64");
        accelerator = options.Settings.GetValueOrDefault("accel", "tcg");
        if (accelerator is not ("tcg" or "kvm"))
        {
            throw new HypervisorAdapterException(AdapterErrorCode.InvalidSpec, $"The setting accel must be tcg or kvm, not '{accelerator}'.");
        }
    }

    public AdapterCapabilities Capabilities =>
        AdapterCapabilities.NodeCapacity | AdapterCapabilities.CpuPinning | AdapterCapabilities.AcpiShutdown
        | AdapterCapabilities.Pause | AdapterCapabilities.Reset;

    private string StateDirectory => stateDirectory ?? throw new HypervisorAdapterException(AdapterErrorCode.ConnectionFailed, "Connect first.");

    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(options.Uri, UriKind.Absolute, out var uri) || uri.Scheme != "qmp" || uri.AbsolutePath.Length < 2)
        {
            throw new HypervisorAdapterException(AdapterErrorCode.ConnectionFailed, $"'{options.Uri}' is no QMP node address; use qmp:///<state directory>.");
        }

        var (exitCode, output) = await RunAsync(emulator, ["--version"], cancellationToken);
        if (exitCode != 0)
        {
            throw new HypervisorAdapterException(AdapterErrorCode.ConnectionFailed, $"{emulator} does not run here: {output}");
        }

        Directory.CreateDirectory(uri.AbsolutePath);
        stateDirectory = uri.AbsolutePath;
    }

    public Task<NodeCapacity> GetNodeCapacityAsync(CancellationToken cancellationToken)
    {
        var memoryKiB = File.ReadLines("/proc/meminfo")
            .Where(line => line.StartsWith("MemTotal:", StringComparison.Ordinal))
            .Select(line => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture))
            .FirstOrDefault();
        return Task.FromResult(new NodeCapacity(1, Environment.ProcessorCount, 1, memoryKiB * 1024, $"QEMU ({accelerator})"));
    }

    public async Task<IReadOnlyList<DomainInfo>> ListDomainsAsync(CancellationToken cancellationToken)
    {
        var domains = new List<DomainInfo>();
        foreach (var folder in Directory.EnumerateDirectories(StateDirectory))
        {
            if (!Guid.TryParse(Path.GetFileName(folder), out var id))
            {
                continue;
            }

            using var held = await LockAsync(id, cancellationToken);
            if (await ReadAsync(id, cancellationToken) is { } domain)
            {
                domains.Add(new DomainInfo(id, domain.Name, await StateOfAsync(id, cancellationToken), domain.VCpus, domain.MemoryBytes));
            }
        }

        return domains;
    }

    public async Task<DomainInfo> DefineDomainAsync(DomainSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.CloudInit is not null)
        {
            throw NotSupported("cloud-init seeds");
        }

        if (string.IsNullOrWhiteSpace(spec.Name) || spec.VCpus < 1 || spec.MemoryBytes < MinimumMemoryBytes || !PinsFit(spec.PinnedCores, spec.VCpus)
            || spec.Disks.Any(d => !Path.IsPathFullyQualified(d.Path) || d.CapacityBytes <= 0))
        {
            throw new HypervisorAdapterException(
                AdapterErrorCode.InvalidSpec,
                "A domain needs a name, a vCPU, 16 MiB of memory, one existing core per vCPU when it is pinned, and disks with absolute paths and a size.");
        }

        using var held = await LockAsync(spec.Id, cancellationToken);
        if (await ReadAsync(spec.Id, cancellationToken) is { } existing)
        {
            return new DomainInfo(spec.Id, existing.Name, await StateOfAsync(spec.Id, cancellationToken), existing.VCpus, existing.MemoryBytes);
        }

        // Missing images are made (and removed with the domain when asked); existing ones are used as they are.
        var made = new List<string>();
        try
        {
            foreach (var disk in spec.Disks.Where(d => !File.Exists(d.Path)))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(disk.Path)!);
                var (exitCode, output) = await RunAsync("qemu-img", ["create", "-q", "-f", "qcow2", disk.Path, disk.CapacityBytes.ToString(CultureInfo.InvariantCulture)], cancellationToken);
                if (exitCode != 0)
                {
                    throw new HypervisorAdapterException(AdapterErrorCode.OperationFailed, $"qemu-img could not create {disk.Path}: {output}");
                }

                made.Add(disk.Path);
            }
        }
        catch
        {
            made.ForEach(File.Delete);
            throw;
        }

        var domain = QmpDomain.From(spec, made);
        await WriteAsync(domain, cancellationToken);
        return new DomainInfo(spec.Id, domain.Name, DomainState.ShutOff, domain.VCpus, domain.MemoryBytes);
    }

    public async Task StartDomainAsync(Guid domainId, CancellationToken cancellationToken)
    {
        using var held = await LockAsync(domainId, cancellationToken);
        var domain = await FindAsync(domainId, cancellationToken);
        if (PidOf(domainId) is not null)
        {
            return;
        }

        var folder = FolderOf(domainId);
        File.Delete(Path.Combine(folder, "qemu.pid"));
        File.Delete(Path.Combine(folder, "qmp.sock"));
        var (exitCode, output) = await RunAsync(emulator, domain.Arguments(folder, accelerator), cancellationToken);
        if (exitCode != 0)
        {
            throw new HypervisorAdapterException(AdapterErrorCode.OperationFailed, $"QEMU did not start {domain.Name}: {output.Trim()}");
        }

        await PinAsync(domainId, domain.PinnedCores, cancellationToken);
    }

    /// <summary>Pins vCPU i's thread (QMP's query-cpus-fast names them) to core i of <paramref name="cores"/>.</summary>
    private async Task PinAsync(Guid domainId, IReadOnlyList<int> cores, CancellationToken cancellationToken)
    {
        if (cores.Count == 0)
        {
            return;
        }

        var vcpus = await QmpClient.ExecuteAsync(SocketOf(domainId), "query-cpus-fast", null, cancellationToken) as System.Text.Json.Nodes.JsonArray ?? [];
        foreach (var vcpu in vcpus.OfType<System.Text.Json.Nodes.JsonObject>())
        {
            var index = vcpu["cpu-index"]!.GetValue<int>();
            var thread = vcpu["thread-id"]!.GetValue<int>().ToString(CultureInfo.InvariantCulture);
            if (index < cores.Count)
            {
                var (exitCode, output) = await RunAsync("taskset", ["-p", "-c", cores[index].ToString(CultureInfo.InvariantCulture), thread], cancellationToken);
                if (exitCode != 0)
                {
                    throw new HypervisorAdapterException(AdapterErrorCode.OperationFailed, $"vCPU {index} could not be pinned to core {cores[index]}: {output.Trim()}");
                }
            }
        }
    }

    private static bool PinsFit(IReadOnlyList<int> cores, int vcpus) =>
        cores.Count == 0 || (cores.Count == vcpus && cores.All(core => core >= 0 && core < Environment.ProcessorCount));

    public async Task ShutdownDomainAsync(Guid domainId, CancellationToken cancellationToken)
    {
        using var held = await LockAsync(domainId, cancellationToken);
        await FindAsync(domainId, cancellationToken);
        if (PidOf(domainId) is not null)
        {
            // The ACPI power button; the guest decides when it is off.
            await QmpClient.ExecuteAsync(SocketOf(domainId), "system_powerdown", null, cancellationToken);
        }
    }

    public async Task PowerOffDomainAsync(Guid domainId, CancellationToken cancellationToken)
    {
        using var held = await LockAsync(domainId, cancellationToken);
        await FindAsync(domainId, cancellationToken);
        await StopProcessAsync(domainId, cancellationToken);
    }

    public async Task<DomainState> GetDomainStateAsync(Guid domainId, CancellationToken cancellationToken)
    {
        using var held = await LockAsync(domainId, cancellationToken);
        await FindAsync(domainId, cancellationToken);
        return await StateOfAsync(domainId, cancellationToken);
    }

    public async Task UndefineDomainAsync(Guid domainId, CancellationToken cancellationToken)
    {
        using var held = await LockAsync(domainId, cancellationToken);
        if (await ReadAsync(domainId, cancellationToken) is null)
        {
            return;
        }

        if (PidOf(domainId) is not null)
        {
            throw new HypervisorAdapterException(AdapterErrorCode.InvalidState, "The domain runs; power it off before removing its definition.");
        }

        Directory.Delete(FolderOf(domainId), recursive: true);
    }

    public async Task DeleteDomainAsync(Guid domainId, bool deleteStorage, CancellationToken cancellationToken)
    {
        using var held = await LockAsync(domainId, cancellationToken);
        if (await ReadAsync(domainId, cancellationToken) is not { } domain)
        {
            return;
        }

        await StopProcessAsync(domainId, cancellationToken);
        if (deleteStorage)
        {
            domain.MadeDisks.ForEach(File.Delete);
        }

        Directory.Delete(FolderOf(domainId), recursive: true);
    }

    public async Task<HardwareChangeResult> UpdateHardwareAsync(Guid domainId, HardwareChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        using var held = await LockAsync(domainId, cancellationToken);
        var domain = await FindAsync(domainId, cancellationToken);
        if (change.DiskGrowths.Count != 0 || change.Cdrom is not null)
        {
            throw NotSupported(change.DiskGrowths.Count != 0 ? "disk growth" : "CD-ROM changes");
        }

        // Pins for the vCPUs the domain will have: given, or the first of those it has when it loses vCPUs.
        var vcpuCount = change.VCpus ?? domain.VCpus;
        var pins = change.PinnedCores?.ToList() ?? (domain.PinnedCores.Count == 0 ? [] : [.. domain.PinnedCores.Take(vcpuCount)]);
        if (change.VCpus is < 1 || change.MemoryBytes is { } tooLittle && tooLittle < MinimumMemoryBytes || !PinsFit(pins, vcpuCount))
        {
            throw new HypervisorAdapterException(AdapterErrorCode.InvalidSpec, "A domain needs at least one vCPU, 16 MiB of memory and, when pinned, one existing core per vCPU.");
        }

        domain.PinnedCores = pins;

        // QEMU's command line is made at each start: every change takes effect at the next one.
        var items = new List<HardwareChangeItem>();
        void Changed(HardwareItem item) => items.Add(new HardwareChangeItem(item, ChangeTiming.NextBoot));
        if (change.VCpus is { } vcpus)
        {
            domain.VCpus = vcpus;
            Changed(HardwareItem.VCpus);
        }

        if (change.MemoryBytes is { } memory)
        {
            domain.MemoryBytes = memory;
            Changed(HardwareItem.Memory);
        }

        if (change.BootOrder is { } order)
        {
            domain.BootFromCdromFirst = order.Count > 0 && order[0] == BootDevice.Cdrom;
            Changed(HardwareItem.BootOrder);
        }

        if (change.DiskBus is { } bus)
        {
            domain.DiskBus = bus;
            Changed(HardwareItem.DiskBus);
        }

        if (change.NicModel is { } model)
        {
            domain.NicModel = model;
            Changed(HardwareItem.NicModel);
        }

        await WriteAsync(domain, cancellationToken);
        return new HardwareChangeResult(items);
    }

    public Task PauseDomainAsync(Guid domainId, CancellationToken cancellationToken) =>
        RunningCommandAsync(domainId, "stop", "pause", cancellationToken);

    public Task ResumeDomainAsync(Guid domainId, CancellationToken cancellationToken) =>
        RunningCommandAsync(domainId, "cont", "resume", cancellationToken);

    public Task ResetDomainAsync(Guid domainId, CancellationToken cancellationToken) =>
        RunningCommandAsync(domainId, "system_reset", "reset", cancellationToken);

    public Task RebootDomainAsync(Guid domainId, CancellationToken cancellationToken) => throw NotSupported("an ACPI reboot");

    public Task ParkDomainAsync(Guid domainId, CancellationToken cancellationToken) => throw NotSupported("parking");

    public Task UnparkDomainAsync(Guid domainId, CancellationToken cancellationToken) => throw NotSupported("parking");

    public Task<RecoveryPoint> CreateRecoveryPointAsync(Guid domainId, string name, string? note, CancellationToken cancellationToken) =>
        throw NotSupported("recovery points");

    public Task<IReadOnlyList<RecoveryPoint>> ListRecoveryPointsAsync(Guid domainId, CancellationToken cancellationToken) =>
        throw NotSupported("recovery points");

    public Task RevertToRecoveryPointAsync(Guid domainId, string name, CancellationToken cancellationToken) => throw NotSupported("recovery points");

    public Task DeleteRecoveryPointAsync(Guid domainId, string name, CancellationToken cancellationToken) => throw NotSupported("recovery points");

    public Task<IReadOnlyList<InterfaceAddress>> GetInterfaceAddressesAsync(Guid domainId, CancellationToken cancellationToken) =>
        throw NotSupported("interface addresses");

    public Task<MigrationResult> MigrateDomainAsync(Guid domainId, MigrationTarget target, IProgress<MigrationProgress>? progress, CancellationToken cancellationToken) =>
        throw NotSupported("live migration");

    public IAsyncEnumerable<DomainEvent> WatchDomainEventsAsync(CancellationToken cancellationToken) => throw NotSupported("domain events");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    // Pause, resume and reset need a running QEMU: on a stopped domain they are InvalidState; pausing a paused one
    // (or resuming a running one) is QEMU's no-op, so they repeat quietly.
    private async Task RunningCommandAsync(Guid domainId, string command, string what, CancellationToken cancellationToken)
    {
        using var held = await LockAsync(domainId, cancellationToken);
        await FindAsync(domainId, cancellationToken);
        if (PidOf(domainId) is null)
        {
            throw new HypervisorAdapterException(AdapterErrorCode.InvalidState, $"The domain is off; there is nothing to {what}.");
        }

        await QmpClient.ExecuteAsync(SocketOf(domainId), command, null, cancellationToken);
    }

    private async Task<DomainState> StateOfAsync(Guid domainId, CancellationToken cancellationToken)
    {
        if (PidOf(domainId) is null)
        {
            return DomainState.ShutOff;
        }

        try
        {
            return QmpClient.Status(await QmpClient.ExecuteAsync(SocketOf(domainId), "query-status", null, cancellationToken)) switch
            {
                "running" => DomainState.Running,
                "paused" or "suspended" or "prelaunch" or "inmigrate" or "debug" => DomainState.Paused,
                "guest-panicked" or "internal-error" or "io-error" => DomainState.Crashed,
                "shutdown" => DomainState.ShuttingDown,
                _ => DomainState.Unknown,
            };
        }
        catch (HypervisorAdapterException) when (PidOf(domainId) is null)
        {
            // It ended while it was asked.
            return DomainState.ShutOff;
        }
    }

    private async Task StopProcessAsync(Guid domainId, CancellationToken cancellationToken)
    {
        if (PidOf(domainId) is not { } pid)
        {
            return;
        }

        try
        {
            await QmpClient.ExecuteAsync(SocketOf(domainId), "quit", null, cancellationToken);
        }
        catch (HypervisorAdapterException)
        {
            // Quit closes the socket as it answers; whatever happened, the process is waited for or killed below.
        }

        // QEMU daemonized itself, so it is no child of this process: it is watched in /proc, not waited for.
        var deadline = Stopwatch.StartNew();
        while (PidOf(domainId) is not null)
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(10))
            {
                using var process = Process.GetProcessById(pid);
                process.Kill();
                deadline.Restart();
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }

        File.Delete(Path.Combine(FolderOf(domainId), "qemu.pid"));
    }

    /// <summary>
    /// The pid of the domain's QEMU while it runs: the pid file's process, if its command line names this domain (a
    /// pid is reused once its process is gone, and an ended process's command line is empty).
    /// </summary>
    private int? PidOf(Guid domainId)
    {
        var pidFile = Path.Combine(FolderOf(domainId), "qemu.pid");
        try
        {
            if (!int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                return null;
            }

            var commandLine = File.ReadAllText(Path.Combine("/proc", pid.ToString(CultureInfo.InvariantCulture), "cmdline"));
            return commandLine.Contains(domainId.ToString(), StringComparison.Ordinal) ? pid : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private string FolderOf(Guid domainId) => Path.Combine(StateDirectory, domainId.ToString());

    private string SocketOf(Guid domainId) => Path.Combine(FolderOf(domainId), "qmp.sock");

    private async Task<QmpDomain> FindAsync(Guid domainId, CancellationToken cancellationToken) =>
        await ReadAsync(domainId, cancellationToken)
            ?? throw new HypervisorAdapterException(AdapterErrorCode.DomainNotFound, $"No domain {domainId} on rack server '{options.NodeName}'.");

    private async Task<QmpDomain?> ReadAsync(Guid domainId, CancellationToken cancellationToken)
    {
        var file = Path.Combine(FolderOf(domainId), "domain.json");
        if (!File.Exists(file))
        {
            return null;
        }

        await using var stream = File.OpenRead(file);
        return await JsonSerializer.DeserializeAsync<QmpDomain>(stream, QmpDomain.Json, cancellationToken);
    }

    // Written to a new file and moved over the old one: a crash leaves the old definition or the new, never half.
    private async Task WriteAsync(QmpDomain domain, CancellationToken cancellationToken)
    {
        var folder = FolderOf(domain.Id);
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, "domain.json");
        await File.WriteAllTextAsync(file + ".new", JsonSerializer.Serialize(domain, QmpDomain.Json), cancellationToken);
        File.Move(file + ".new", file, overwrite: true);
    }

    private async Task<IDisposable> LockAsync(Guid domainId, CancellationToken cancellationToken)
    {
        var gate = Locks.GetOrAdd(FolderOf(domainId), _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        return new Release(gate);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            return (process.ExitCode, await output + await errors);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, ex.Message);
        }
    }

    private static HypervisorAdapterException NotSupported(string what) => new(AdapterErrorCode.NotSupported, $"The QMP adapter does not support {what}.");

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        public void Dispose() => gate.Release();
    }
}
