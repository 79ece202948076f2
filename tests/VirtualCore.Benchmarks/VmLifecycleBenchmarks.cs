using System.Globalization;
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
/// Create, start and ACPI shutdown of 100 one-core VMs: once straight through the hypervisor adapter, once
/// through the portal (Mediator pipeline, job rows, outbox dispatcher, bus, node agent, job reports back into
/// the database). The ratio is what the portal adds on top of the hypervisor work.
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class VmLifecycleBenchmarks
{
    private const int VmCount = 100;

    private string _adapterDirectory = "";
    private IHypervisorAdapter? _adapter;
    private Guid[] _domainIds = [];
    private BenchmarkPortal? _portal;
    private int _iteration;

    [GlobalSetup(Target = nameof(Adapter))]
    public void StartAdapter() => StartAdapterAsync().GetAwaiter().GetResult();

    [GlobalCleanup(Target = nameof(Adapter))]
    public void StopAdapter()
    {
        _adapter?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_adapterDirectory, recursive: true);
    }

    [IterationSetup(Target = nameof(Adapter))]
    public void NewDomainIds() => _domainIds = Enumerable.Range(0, VmCount).Select(_ => Guid.NewGuid()).ToArray();

    [IterationCleanup(Target = nameof(Adapter))]
    public void UndefineDomains() => UndefineDomainsAsync().GetAwaiter().GetResult();

    /// <summary>The hypervisor work alone: what an agent does for the same hundred VMs, without the portal around it.</summary>
    [Benchmark(Baseline = true, Description = "Adapter directly")]
    public async Task Adapter()
    {
        var adapter = _adapter!;
        for (var i = 0; i < VmCount; i++)
        {
            await adapter.DefineDomainAsync(Spec(_domainIds[i], i), CancellationToken.None);
        }

        foreach (var id in _domainIds)
        {
            await adapter.StartDomainAsync(id, CancellationToken.None);
        }

        foreach (var id in _domainIds)
        {
            await adapter.ShutdownDomainAsync(id, CancellationToken.None);
        }
    }

    // A fresh portal per iteration: VMs cannot be deleted yet, and every iteration should start from the same
    // empty rack servers and database rather than from the previous iteration's hundred VMs.
    [IterationSetup(Target = nameof(Portal))]
    public void StartPortal()
    {
        _portal = new BenchmarkPortal();
        _portal.StartAsync().GetAwaiter().GetResult();
        _iteration++;
    }

    [IterationCleanup(Target = nameof(Portal))]
    public void StopPortal()
    {
        _portal?.Dispose();
        _portal = null;
    }

    /// <summary>The same hundred VMs as a customer would drive them: each action is sent, then awaited until its job completed.</summary>
    [Benchmark(Description = "Portal: Mediator, outbox, bus, agent")]
    public async Task Portal()
    {
        var portal = _portal!;
        var vmIds = new Guid[VmCount];
        var jobIds = new Guid[VmCount];
        for (var i = 0; i < VmCount; i++)
        {
            var name = string.Create(CultureInfo.InvariantCulture, $"bench-{_iteration}-{i}");
            var accepted = await portal.AsDemoAsync(s => s.Send(new CreateVm(name, 1, 1, 10, null)));
            (vmIds[i], jobIds[i]) = (accepted.VmId, accepted.JobId);
        }

        await WaitForJobsAsync(portal, jobIds);
        await ActOnAllAsync(portal, vmIds, jobIds, id => new StartVm(id));
        await WaitForJobsAsync(portal, jobIds);
        await ActOnAllAsync(portal, vmIds, jobIds, id => new ShutdownVm(id));
        await WaitForJobsAsync(portal, jobIds);
    }

    private async Task StartAdapterAsync()
    {
        _adapterDirectory = Path.Combine(Path.GetTempPath(), "vcore-benchmarks", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_adapterDirectory);

        // The same plugin, driver and settings as an embedded rack server of the portal, including writing the
        // domains back to the node file after every change.
        _adapter = AdapterPlugins.FromAppDirectory().Get("libvirt").Create(new NodeConnectionOptions(
            "bench-1",
            "test://" + Path.Combine(_adapterDirectory, "bench-1.xml"),
            new Dictionary<string, string>
            {
                ["persistTestDriverState"] = "true",
                ["simulatedSockets"] = BenchmarkPortal.SocketsPerServer.ToString(CultureInfo.InvariantCulture),
                ["simulatedCoresPerSocket"] = BenchmarkPortal.CoresPerSocket.ToString(CultureInfo.InvariantCulture),
                ["simulatedMemoryGiB"] = BenchmarkPortal.MemoryGiB.ToString(CultureInfo.InvariantCulture),
            }));
        await _adapter.ConnectAsync(CancellationToken.None);
    }

    private async Task UndefineDomainsAsync()
    {
        foreach (var id in _domainIds)
        {
            await _adapter!.UndefineDomainAsync(id, CancellationToken.None);
        }
    }

    /// <summary>What the portal's create handler asks the agent for: one pinned core, 1 GiB, a 10 GiB disk, one NIC.</summary>
    private static DomainSpec Spec(Guid id, int index) => new(
        id,
        string.Create(CultureInfo.InvariantCulture, $"bench-{index}"),
        1,
        1L << 30,
        [index],
        [new DiskSpec($"/var/lib/virtualcore/images/{id:N}.qcow2", 10L << 30)],
        null,
        [new NicSpec("default", string.Create(CultureInfo.InvariantCulture, $"52:54:00:00:{index / 256:x2}:{index % 256:x2}"))]);

    private static async Task ActOnAllAsync(BenchmarkPortal portal, Guid[] vmIds, Guid[] jobIds, Func<Guid, ICommand<JobAccepted>> action)
    {
        for (var i = 0; i < vmIds.Length; i++)
        {
            var command = action(vmIds[i]);
            jobIds[i] = (await portal.AsDemoAsync(s => s.Send(command))).JobId;
        }
    }

    /// <summary>
    /// Polls each job until it has finished, in the order they were queued (the order the outbox sends them in),
    /// so that only one job is being read at a time and the polling takes as little as possible from the portal.
    /// </summary>
    private static async Task WaitForJobsAsync(BenchmarkPortal portal, Guid[] jobIds)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        foreach (var jobId in jobIds)
        {
            while (true)
            {
                var job = await portal.AsDemoAsync(s => s.Send(new GetJob(jobId)));
                if (job.Status == JobStatuses.Completed)
                {
                    break;
                }

                if (job.Status == JobStatuses.Failed)
                {
                    throw new InvalidOperationException($"{job.Action} {job.Name} failed: {job.Info}");
                }

                await Task.Delay(1, timeout.Token);
            }
        }
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            // In-process: no generated child project to build, and every iteration is a whole portal anyway.
            // One invocation per iteration, five iterations: each one takes seconds and sets up its own state.
            AddJob(Job.Default
                .WithStrategy(RunStrategy.Monitoring)
                .WithLaunchCount(1)
                .WithWarmupCount(1)
                .WithIterationCount(5)
                .WithInvocationCount(1)
                .WithUnrollFactor(1)
                .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(10), logOutput: true)));
        }
    }
}
