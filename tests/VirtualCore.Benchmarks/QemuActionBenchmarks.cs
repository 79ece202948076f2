using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Mediator;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.NodeAgent;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Benchmarks;

/// <summary>
/// Each VM action on one real QEMU guest (the tiny guest booted from its ISO, emulated by TCG, on a libvirtd of this
/// machine): once called on the libvirt adapter directly, once sent through the portal (Mediator pipeline, job row,
/// outbox, bus, node agent, the job's reports back into the database) and awaited until its job completed. Both
/// act on the same domain, so the difference is what the portal adds to the hypervisor's work.
/// </summary>
/// <remarks>
/// Needs root, and no other libvirtd on qemu:///system (it starts one with scripts/qemu/start-libvirtd.sh and stops it
/// afterwards). Run: <c>dotnet run -c Release --project tests/VirtualCore.Benchmarks -- --filter '*QemuAction*'</c>.
/// </remarks>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class QemuActionBenchmarks
{
    private const string NodeUri = "qemu:///system";
    private static readonly string StateDirectory = Path.Combine("/var/tmp", "vcore-benchmarks-qemu");

    private BenchmarkPortal? _portal;
    private IHypervisorAdapter? _adapter;
    private Guid _vmId;
    private bool _startedLibvirtd;

    public enum VmAction
    {
        PauseResume,
        PowerOffStart,
        Reset,
        RecoveryPoint,
        ParkUnpark,
    }

    [ParamsAllValues]
    public VmAction Action { get; set; }

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup() => CleanupAsync().GetAwaiter().GetResult();

    /// <summary>Every action starts from a running guest, whatever the previous invocation left, and with the portal caught up.</summary>
    [IterationSetup]
    public void Running() => EnsureRunningAsync().GetAwaiter().GetResult();

    [Benchmark(Baseline = true, Description = "Adapter directly")]
    public async Task Adapter()
    {
        var adapter = _adapter!;
        var ct = CancellationToken.None;
        switch (Action)
        {
            case VmAction.PauseResume:
                await adapter.PauseDomainAsync(_vmId, ct);
                await adapter.ResumeDomainAsync(_vmId, ct);
                break;
            case VmAction.PowerOffStart:
                await adapter.PowerOffDomainAsync(_vmId, ct);
                await adapter.StartDomainAsync(_vmId, ct);
                break;
            case VmAction.Reset:
                await adapter.ResetDomainAsync(_vmId, ct);
                break;
            case VmAction.RecoveryPoint:
                var name = "bench-" + Guid.NewGuid().ToString("N")[..8];
                await adapter.CreateRecoveryPointAsync(_vmId, name, null, ct);
                await adapter.DeleteRecoveryPointAsync(_vmId, name, ct);
                break;
            case VmAction.ParkUnpark:
                await adapter.ParkDomainAsync(_vmId, ct);
                await adapter.UnparkDomainAsync(_vmId, ct);
                break;
        }
    }

    [Benchmark(Description = "Portal: Mediator, outbox, bus, agent")]
    public async Task Portal()
    {
        switch (Action)
        {
            case VmAction.PauseResume:
                await ActAsync(new PauseVm(_vmId));
                await ActAsync(new ResumeVm(_vmId));
                break;
            case VmAction.PowerOffStart:
                await ActAsync(new PowerOffVm(_vmId));
                await ActAsync(new StartVm(_vmId));
                break;
            case VmAction.Reset:
                await ActAsync(new ResetVm(_vmId));
                break;
            case VmAction.RecoveryPoint:
                await ActAsync(new CreateRecoveryPoint(_vmId, null));
                var points = await _portal!.AsDemoAsync(s => s.Send(new ListRecoveryPoints(_vmId)));
                await ActAsync(new DeleteRecoveryPoint(_vmId, points[0].Id));
                break;
            case VmAction.ParkUnpark:
                await ActAsync(new ParkVm(_vmId));
                await ActAsync(new UnparkVm(_vmId));
                break;
        }
    }

    private async Task SetupAsync()
    {
        var root = RepositoryRoot();
        Directory.CreateDirectory(StateDirectory);
        var guest = Path.Combine(StateDirectory, "guest");
        await RunAsync(Path.Combine(root, "scripts", "qemu", "build-guest.sh"), guest);
        _startedLibvirtd = true;
        await RunAsync(Path.Combine(root, "scripts", "qemu", "start-libvirtd.sh"), Path.Combine(StateDirectory, "libvirtd"));

        _adapter = AdapterPlugins.FromAppDirectory().Get("libvirt").Create(
            new NodeConnectionOptions("bench-qemu", NodeUri, new Dictionary<string, string> { ["domainType"] = "qemu" }));
        await _adapter.ConnectAsync(CancellationToken.None);
        await RemoveLeftoversAsync(_adapter);

        // One rack server on the real libvirtd; the simulated ones stay spares, so the VM lands on QEMU. No demo
        // VMs: the real node has only this machine's cores.
        _portal = new BenchmarkPortal(new Dictionary<string, string>
        {
            ["DemoVms"] = "false",
            ["EmbeddedRackServers:Servers:0:Uri"] = NodeUri,
            ["EmbeddedRackServers:Servers:0:ReservedMemoryGiB"] = "2",
            ["EmbeddedRackServers:Servers:0:Settings:domainType"] = "qemu",
            ["Infrastructure:IsoImages:0:Name"] = "tiny-guest",
            ["Infrastructure:IsoImages:0:Title"] = "Tiny guest",
            ["Infrastructure:IsoImages:0:Path"] = Path.Combine(guest, "tiny-guest.iso"),
        });
        await _portal.StartAsync();
        var accepted = await _portal.AsDemoAsync(s => s.Send(new CreateVm("bench-qemu", 1, 1, 10, "tiny-guest")));
        _vmId = accepted.VmId;
        await WaitForJobAsync(accepted.JobId);
        await ActAsync(new StartVm(_vmId));
    }

    private async Task CleanupAsync()
    {
        try
        {
            if (_portal is not null && _vmId != Guid.Empty)
            {
                await EnsureRunningAsync();
                await ActAsync(new DeleteVm(_vmId, "bench-qemu"));
            }
        }
        finally
        {
            if (_adapter is not null)
            {
                await _adapter.DisposeAsync();
            }

            _portal?.Dispose();
            if (_startedLibvirtd)
            {
                await RunAsync(Path.Combine(RepositoryRoot(), "scripts", "qemu", "stop-libvirtd.sh"), Path.Combine(StateDirectory, "libvirtd"));
            }
        }
    }

    /// <summary>A run that was cut short leaves its VM on the node, and the next one could not take its name.</summary>
    private static async Task RemoveLeftoversAsync(IHypervisorAdapter adapter)
    {
        foreach (var domain in await adapter.ListDomainsAsync(CancellationToken.None))
        {
            if (domain.Name == "bench-qemu")
            {
                if (domain.State is not DomainState.ShutOff)
                {
                    await adapter.PowerOffDomainAsync(domain.Id, CancellationToken.None);
                }

                await adapter.DeleteDomainAsync(domain.Id, deleteStorage: true, CancellationToken.None);
            }
        }
    }

    private async Task EnsureRunningAsync()
    {
        var ct = CancellationToken.None;
        var state = await _adapter!.GetDomainStateAsync(_vmId, ct);
        if (state == DomainState.Paused)
        {
            await _adapter.ResumeDomainAsync(_vmId, ct);
        }
        else if (state == DomainState.Parked)
        {
            await _adapter.UnparkDomainAsync(_vmId, ct);
        }
        else if (state != DomainState.Running)
        {
            await _adapter.StartDomainAsync(_vmId, ct);
        }

        // The portal learns about the adapter's own actions from libvirt's domain events.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (true)
        {
            var vm = await _portal!.AsDemoAsync(s => s.Send(new GetVm(_vmId)));
            if (vm.State == VmStates.Running && vm.OpenJobId is null)
            {
                return;
            }

            await Task.Delay(10, timeout.Token);
        }
    }

    private async Task ActAsync(ICommand<JobAccepted> command)
    {
        var accepted = await _portal!.AsDemoAsync(s => s.Send(command));
        await WaitForJobAsync(accepted.JobId);
    }

    private async Task WaitForJobAsync(Guid jobId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (true)
        {
            var job = await _portal!.AsDemoAsync(s => s.Send(new GetJob(jobId)));
            if (job.Status == JobStatuses.Completed)
            {
                return;
            }

            if (job.Status == JobStatuses.Failed)
            {
                throw new InvalidOperationException($"{job.Action} {job.Name} failed: {job.Info}");
            }

            await Task.Delay(1, timeout.Token);
        }
    }

    private static async Task RunAsync(string script, string argument)
    {
        using var process = Process.Start(new ProcessStartInfo("bash", [script, argument]) { RedirectStandardError = true })
            ?? throw new InvalidOperationException($"Could not start {script}.");
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} {argument} failed ({process.ExitCode}): {await errors}");
        }
    }

    private static string RepositoryRoot()
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

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            // In-process, one invocation per iteration: every iteration starts from a running guest (set up outside the
            // measurement), and the actions take milliseconds to a second each on an emulated guest.
            AddJob(Job.Default
                .WithStrategy(RunStrategy.Monitoring)
                .WithLaunchCount(1)
                .WithWarmupCount(1)
                .WithIterationCount(10)
                .WithInvocationCount(1)
                .WithUnrollFactor(1)
                .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(20), logOutput: true)));
        }
    }
}
