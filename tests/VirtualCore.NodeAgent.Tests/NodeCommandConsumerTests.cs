using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using VirtualCore.Adapters.Libvirt;
using VirtualCore.Node.Contracts.V1;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.NodeAgent.Tests;

/// <summary>
/// The agent on its own: commands arrive on its queue of an in-memory bus (MassTransit's test harness), are carried
/// out by the libvirt adapter on libvirt's test driver, and come back as reports of facts (codes and values), once
/// per job however often the command is sent.
/// </summary>
public sealed class NodeCommandConsumerTests : IAsyncLifetime
{
    private const string Node = "rack-t";
    private readonly string _directory = Directory.CreateTempSubdirectory("vcore-agent-").FullName;
    private ServiceProvider _services = null!;
    private ITestHarness _harness = null!;
    private NodeAgent? _agent;

    public async Task InitializeAsync()
    {
        _services = new ServiceCollection().AddMassTransitTestHarness(x => x.SetTestTimeouts(testInactivityTimeout: TimeSpan.FromSeconds(5))).BuildServiceProvider(true);
        _harness = _services.GetRequiredService<ITestHarness>();
        await _harness.Start();
        _agent = await StartAgentAsync(Node, TimeSpan.FromHours(1));
    }

    // The start of a job is reported once it has run for the delay: an hour means never, for these jobs; zero, always.
    private Task<NodeAgent> StartAgentAsync(string node, TimeSpan startedReportDelay) =>
        StartAgentAsync(node, new LibvirtAdapterFactory(), new NodeAgentOptions { StartedReportDelay = startedReportDelay });

    private async Task<NodeAgent> StartAgentAsync(string node, IHypervisorAdapterFactory factory, NodeAgentOptions options)
    {
        var file = Path.Combine(_directory, $"{node}.xml");
        if (!File.Exists(file))
        {
            TestDriverNodeFile.Write(file, node, 1, 4, 1, 8L * 1024 * 1024 * 1024);
        }

        options.NodeName = node;
        options.Uri = "test://" + file;
        options.HeartbeatInterval = TimeSpan.FromHours(1);
        var agent = new NodeAgent(options, factory, _harness.Bus, NullLogger.Instance);
        await agent.StartAsync(CancellationToken.None);
        return agent;
    }

    public async Task DisposeAsync()
    {
        await _agent!.DisposeAsync();
        await _harness.Stop();
        await _services.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task An_agent_disposed_by_its_host_can_still_be_stopped_and_disposed_again()
    {
        // A web host stopping on its own shutdown signal and on its owner's at once stops and disposes its agents in
        // either order; neither may throw.
        var agent = await StartAgentAsync("rack-d", TimeSpan.FromHours(1));
        await agent.DisposeAsync();
        Assert.False(agent.IsRunning);
        await agent.StopAsync();
        await agent.DisposeAsync();
        Assert.False(agent.IsRunning);
    }

    [Fact]
    public async Task A_command_is_reported_as_a_fact_with_its_values_and_the_domain_state()
    {
        var vmId = Guid.NewGuid();
        var defined = await RunAsync(new DefineDomain(Guid.NewGuid(), Node, vmId, Spec(vmId)));
        Assert.Equal("defined", defined.Result!.Code);
        Assert.Equal(Node, defined.Result.Values["node"]);
        Assert.Equal("2", defined.Result.Values["vcpus"]);
        Assert.Equal("1024", defined.Result.Values["memoryMiB"]);
        Assert.Equal("shut-off", defined.DomainState);

        var started = await RunAsync(new StartDomain(Guid.NewGuid(), Node, vmId));
        Assert.Equal("started", started.Result!.Code);
        Assert.Equal("running", started.DomainState);

        var paused = await RunAsync(new PauseDomain(Guid.NewGuid(), Node, vmId));
        Assert.Equal(("paused", "paused"), (paused.Result!.Code, paused.DomainState));
    }

    [Fact]
    public async Task A_command_sent_again_is_answered_from_memory_and_carried_out_once()
    {
        var vmId = Guid.NewGuid();
        await RunAsync(new DefineDomain(Guid.NewGuid(), Node, vmId, Spec(vmId)));
        var start = new StartDomain(Guid.NewGuid(), Node, vmId);
        var first = await RunAsync(start);
        await SendAsync(start);
        await _harness.InactivityTask;

        // The second answer is the first report again, word for word and time for time; the adapter ran once.
        var reports = new List<NodeJobCompleted>();
        await foreach (var report in _harness.Published.SelectAsync<NodeJobCompleted>(m => m.Context.Message.JobId == start.JobId))
        {
            reports.Add(report.Context.Message);
        }

        Assert.Equal(2, reports.Count);
        Assert.All(reports, r => Assert.Equal((first.At, "started"), (r.At, r.Result!.Code)));
    }

    [Fact]
    public async Task A_job_that_ends_before_its_start_is_worth_a_report_is_reported_once_with_its_start_time()
    {
        var vmId = Guid.NewGuid();
        var defined = await RunAsync(new DefineDomain(Guid.NewGuid(), Node, vmId, Spec(vmId)));
        await _harness.InactivityTask;

        Assert.NotNull(defined.StartedAt);
        Assert.True(defined.StartedAt <= defined.At, $"started {defined.StartedAt:O}, ended {defined.At:O}");
        Assert.False(await _harness.Published.Any<NodeJobStarted>(m => m.Context.Message.JobId == defined.JobId));

        // Its own domain events are not reported either: the end report carries the state.
        Assert.False(await _harness.Published.Any<DomainStateChanged>(m => m.Context.Message.VmId == vmId));
    }

    [Fact]
    public async Task A_job_still_running_after_the_delay_is_reported_started_once_with_the_time_its_end_repeats()
    {
        const string eagerNode = "rack-e";
        await using var eager = await StartAgentAsync(eagerNode, TimeSpan.Zero);
        var vmId = Guid.NewGuid();
        await RunAsync(new DefineDomain(Guid.NewGuid(), eagerNode, vmId, Spec(vmId)), eagerNode);
        var start = new StartDomain(Guid.NewGuid(), eagerNode, vmId);
        var completed = await RunAsync(start, eagerNode);
        await SendAsync(start, eagerNode);
        await _harness.InactivityTask;

        var started = await _harness.Published.SelectAsync<NodeJobStarted>(m => m.Context.Message.JobId == start.JobId).ToListAsync();
        Assert.Equal(completed.StartedAt, Assert.Single(started).Context.Message.At);
    }

    [Fact]
    public async Task A_failure_is_reported_with_the_adapters_code_and_the_state_as_it_is()
    {
        var missing = new StartDomain(Guid.NewGuid(), Node, Guid.NewGuid());
        await SendAsync(missing);
        Assert.True(await _harness.Published.Any<NodeJobFailed>(m => m.Context.Message.JobId == missing.JobId));
        var failed = (await _harness.Published.SelectAsync<NodeJobFailed>(m => m.Context.Message.JobId == missing.JobId).First()).Context.Message;
        Assert.StartsWith("DomainNotFound", failed.ErrorCode, StringComparison.Ordinal);
        Assert.Equal("undefined", failed.DomainState);
        Assert.False(await _harness.Published.Any<NodeJobCompleted>(m => m.Context.Message.JobId == missing.JobId));
    }

    [Fact]
    public async Task A_running_guests_addresses_are_read_once_per_refresh_not_at_every_heartbeat()
    {
        const string node = "rack-a";
        var file = Path.Combine(_directory, $"{node}.xml");
        TestDriverNodeFile.Write(file, node, 1, 4, 1, 8L * 1024 * 1024 * 1024);
        var counting = new CountingAdapterFactory(new LibvirtAdapterFactory());
        await using var agent = new NodeAgent(
            new NodeAgentOptions { NodeName = node, Uri = "test://" + file, HeartbeatInterval = TimeSpan.FromHours(1), AddressRefreshInterval = TimeSpan.FromHours(1) },
            counting,
            _harness.Bus,
            NullLogger.Instance);
        await agent.StartAsync(CancellationToken.None);
        var vmId = Guid.NewGuid();
        await RunAsync(new DefineDomain(Guid.NewGuid(), node, vmId, Spec(vmId)), node);
        await RunAsync(new StartDomain(Guid.NewGuid(), node, vmId), node);

        var before = counting.AddressReads;
        for (var i = 0; i < 3; i++)
        {
            await agent.PublishHeartbeatAsync(CancellationToken.None);
        }

        var whileRunning = counting.AddressReads - before;

        // A guest that stops and starts again is a new guest: its addresses are read at the next beat.
        await RunAsync(new PowerOffDomain(Guid.NewGuid(), node, vmId), node);
        await agent.PublishHeartbeatAsync(CancellationToken.None);
        await RunAsync(new StartDomain(Guid.NewGuid(), node, vmId), node);
        before = counting.AddressReads;
        await agent.PublishHeartbeatAsync(CancellationToken.None);
        var afterRestart = counting.AddressReads - before;

        Assert.Equal(1, whileRunning);
        Assert.Equal(1, afterRestart);

        // Every beat carries what was read (the test driver gives each NIC an address): the agent's first beat, three
        // while running, one while off, one after the new start.
        var beats = new List<NodeHeartbeat>();
        await foreach (var beat in _harness.Published.SelectAsync<NodeHeartbeat>(m => m.Context.Message.NodeName == node))
        {
            beats.Add(beat.Context.Message);
        }

        Assert.Equal(6, beats.Count);
        var running = beats.Skip(1).Take(3).Select(b => b.Domains.Single(d => d.VmId == vmId).Addresses).ToList();
        Assert.All(running, a => Assert.NotEmpty(a!));
        Assert.All(running, a => Assert.Equal(running[0], a));
        Assert.Null(beats[4].Domains.Single(d => d.VmId == vmId).Addresses);
        Assert.NotEmpty(beats[5].Domains.Single(d => d.VmId == vmId).Addresses!);
    }

    [Fact]
    public async Task A_guest_that_misses_the_power_button_gets_it_pressed_again_and_the_job_says_so()
    {
        const string node = "rack-p";
        var counting = new CountingAdapterFactory(new LibvirtAdapterFactory(), missedPresses: 2);
        await using var agent = await StartAgentAsync(node, counting, new NodeAgentOptions { ShutdownPressInterval = TimeSpan.FromMilliseconds(100) });
        var vmId = Guid.NewGuid();
        await RunAsync(new DefineDomain(Guid.NewGuid(), node, vmId, Spec(vmId)), node);
        await RunAsync(new StartDomain(Guid.NewGuid(), node, vmId), node);

        var shutdown = new ShutdownDomain(Guid.NewGuid(), node, vmId);
        var done = await RunAsync(shutdown, node);

        Assert.Equal(("shut-down", "shut-off"), (done.Result!.Code, done.DomainState));
        Assert.Equal(3, counting.ShutdownPresses);
        var waits = await _harness.Published.SelectAsync<NodeJobProgress>(m => m.Context.Message.JobId == shutdown.JobId).Select(p => p.Context.Message.Result!.Values["presses"]).ToListAsync();
        Assert.Equal(["1", "2", "3"], waits);
    }

    [Fact]
    public async Task A_guest_that_never_answers_the_power_button_fails_the_job_at_the_timeout_with_the_reason_and_keeps_running()
    {
        const string node = "rack-h";
        var counting = new CountingAdapterFactory(new LibvirtAdapterFactory(), missedPresses: int.MaxValue);
        await using var agent = await StartAgentAsync(node, counting, new NodeAgentOptions { ShutdownTimeout = TimeSpan.FromSeconds(1), ShutdownPressInterval = TimeSpan.FromMilliseconds(300) });
        var vmId = Guid.NewGuid();
        await RunAsync(new DefineDomain(Guid.NewGuid(), node, vmId, Spec(vmId)), node);
        await RunAsync(new StartDomain(Guid.NewGuid(), node, vmId), node);

        var shutdown = new ShutdownDomain(Guid.NewGuid(), node, vmId);
        await SendAsync(shutdown, node);
        Assert.True(await _harness.Published.Any<NodeJobFailed>(m => m.Context.Message.JobId == shutdown.JobId));
        var failed = (await _harness.Published.SelectAsync<NodeJobFailed>(m => m.Context.Message.JobId == shutdown.JobId).First()).Context.Message;

        Assert.Equal("The guest did not shut down within 1 s of the ACPI request; power it off if it hangs.", failed.Error);
        Assert.Equal("running", failed.DomainState);
        // How often it was pressed in that second depends on the machine's pace; the presses themselves are counted
        // exactly by the test above.
        Assert.True(counting.ShutdownPresses >= 1);
    }

    [Fact]
    public async Task An_adapter_that_hangs_or_throws_fails_its_job_with_the_reason_and_the_agent_and_the_vm_go_on()
    {
        const string node = "rack-m";
        var misbehaving = new MisbehavingAdapterFactory(new LibvirtAdapterFactory());
        await using var agent = await StartAgentAsync(node, misbehaving, new NodeAgentOptions { StartedReportDelay = TimeSpan.FromHours(1), AdapterTimeout = TimeSpan.FromSeconds(2) });
        var vmId = Guid.NewGuid();
        await RunAsync(new DefineDomain(Guid.NewGuid(), node, vmId, Spec(vmId)), node);

        // A start that never answers: given up after the timeout, with the reason; the state read after it still works.
        misbehaving.HangOn = nameof(IHypervisorAdapter.StartDomainAsync);
        var hung = await FailedAsync(new StartDomain(Guid.NewGuid(), node, vmId), node);
        Assert.Equal("The rack server's adapter did not finish within 2 s; the job was given up. Check the rack server's hypervisor before trying again.", hung.Error);
        Assert.Equal(("OperationFailed: Timeout", "shut-off"), (hung.ErrorCode, hung.DomainState));

        // An adapter's bug (an exception that is not the SDK's): the job fails with what it was.
        misbehaving.HangOn = null;
        misbehaving.ThrowOn = nameof(IHypervisorAdapter.StartDomainAsync);
        var broken = await FailedAsync(new StartDomain(Guid.NewGuid(), node, vmId), node);
        Assert.Equal("The rack server's adapter failed unexpectedly (NullReferenceException: Object reference not set to an instance of an object.).", broken.Error);
        Assert.Equal("OperationFailed: NullReferenceException", broken.ErrorCode);

        // The agent goes on, and the VM's lock was given back: its next command runs.
        misbehaving.ThrowOn = null;
        var started = await RunAsync(new StartDomain(Guid.NewGuid(), node, vmId), node);
        Assert.Equal("running", started.DomainState);
    }

    private async Task<NodeJobFailed> FailedAsync(INodeCommand command, string node)
    {
        await SendAsync(command, node);
        Assert.True(await _harness.Published.Any<NodeJobFailed>(m => m.Context.Message.JobId == command.JobId), $"{command.GetType().Name} did not fail.");
        return (await _harness.Published.SelectAsync<NodeJobFailed>(m => m.Context.Message.JobId == command.JobId).First()).Context.Message;
    }

    private static DomainSpecV1 Spec(Guid vmId) => new(
        vmId, "agent-test", 2, 1024L * 1024 * 1024, [0, 1],
        [new DiskSpecV1($"/var/lib/vcore/{vmId:N}.qcow2", 10L * 1024 * 1024 * 1024, "Virtio")], null,
        [new NicSpecV1("default", "52:54:00:12:34:56", "Virtio")]);

    private async Task SendAsync(INodeCommand command, string node = Node)
    {
        var endpoint = await _harness.Bus.GetSendEndpoint(new Uri($"queue:{NodeQueues.For(node)}"));
        await endpoint.Send(command, command.GetType());
    }

    private async Task<NodeJobCompleted> RunAsync(INodeCommand command, string node = Node)
    {
        await SendAsync(command, node);
        Assert.True(await _harness.Published.Any<NodeJobCompleted>(m => m.Context.Message.JobId == command.JobId), $"{command.GetType().Name} was not completed.");
        return (await _harness.Published.SelectAsync<NodeJobCompleted>(m => m.Context.Message.JobId == command.JobId).First()).Context.Message;
    }
}
