using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using VirtualCore.Adapters.Libvirt;
using VirtualCore.Node.Contracts.V1;

namespace VirtualCore.NodeAgent.Tests;

/// <summary>
/// A job's report that cannot go out — a publish caught by a broker restart waits for good — is given up after the
/// report timeout: the VM's next command runs meanwhile, and the report goes again, from memory, when the portal
/// sends the command again.
/// </summary>
public sealed class StuckReportTests : IAsyncLifetime
{
    private const string Node = "rack-s";
    private readonly string _directory = Directory.CreateTempSubdirectory("vcore-agent-").FullName;
    private readonly HangingReports _hang = new();
    private ServiceProvider _services = null!;
    private ITestHarness _harness = null!;
    private NodeAgent _agent = null!;

    public async Task InitializeAsync()
    {
        _services = new ServiceCollection().AddMassTransitTestHarness(x =>
        {
            x.SetTestTimeouts(testInactivityTimeout: TimeSpan.FromSeconds(5));
            x.UsingInMemory((context, cfg) =>
            {
                cfg.ConfigurePublish(p => p.UseFilter(_hang));
                cfg.ConfigureEndpoints(context);
            });
        }).BuildServiceProvider(true);
        _harness = _services.GetRequiredService<ITestHarness>();
        await _harness.Start();
        var file = Path.Combine(_directory, $"{Node}.xml");
        TestDriverNodeFile.Write(file, Node, 1, 4, 1, 8L * 1024 * 1024 * 1024);
        _agent = new NodeAgent(
            new NodeAgentOptions { NodeName = Node, Uri = "test://" + file, HeartbeatInterval = TimeSpan.FromHours(1), StartedReportDelay = TimeSpan.FromHours(1), ReportTimeout = TimeSpan.FromMilliseconds(500) },
            new LibvirtAdapterFactory(),
            _harness.Bus,
            NullLogger.Instance);
        await _agent.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _agent.DisposeAsync();
        await _harness.Stop();
        await _services.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_report_that_cannot_go_out_frees_the_vm_for_its_next_command_and_goes_again_when_asked()
    {
        var vmId = Guid.NewGuid();
        await RunAsync(new DefineDomain(Guid.NewGuid(), Node, vmId, new DomainSpecV1(
            vmId, "stuck", 1, 1024L * 1024 * 1024, [0], [new DiskSpecV1($"/var/lib/vcore/{vmId:N}.qcow2", 1L << 30, "Virtio")], null, [])));

        // The start's end report hangs; the pause of the same VM still runs and is reported.
        var start = new StartDomain(Guid.NewGuid(), Node, vmId);
        _hang.Job = start.JobId;
        await SendAsync(start);
        var paused = await RunAsync(new PauseDomain(Guid.NewGuid(), Node, vmId));
        Assert.Equal(("paused", "paused"), (paused.Result!.Code, paused.DomainState));
        Assert.DoesNotContain(_harness.Published.Select<NodeJobCompleted>(), m => ((NodeJobCompleted)m.MessageObject).JobId == start.JobId);

        // Sent again as the portal does when it hears nothing, the start is answered from memory once its stuck report
        // was given up: it ran once, and says so.
        _hang.Job = null;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        NodeJobCompleted? again = null;
        while (again is null)
        {
            await SendAsync(start);
            await Task.Delay(100, deadline.Token);
            again = _harness.Published.Select<NodeJobCompleted>().Select(m => (NodeJobCompleted)m.MessageObject).FirstOrDefault(m => m.JobId == start.JobId);
        }

        // (Started twice, libvirt would have refused the running domain and the job would have failed.)
        Assert.Equal(("started", "running"), (again.Result!.Code, again.DomainState));
        Assert.False(_harness.Published.Select<NodeJobFailed>().Any());
    }

    private async Task SendAsync(INodeCommand command)
    {
        var endpoint = await _harness.Bus.GetSendEndpoint(new Uri($"queue:{NodeQueues.For(Node)}"));
        await endpoint.Send(command, command.GetType());
    }

    private async Task<NodeJobCompleted> RunAsync(INodeCommand command)
    {
        await SendAsync(command);
        Assert.True(await _harness.Published.Any<NodeJobCompleted>(m => m.Context.Message.JobId == command.JobId), $"{command.GetType().Name} was not completed.");
        return (await _harness.Published.SelectAsync<NodeJobCompleted>(m => m.Context.Message.JobId == command.JobId).First()).Context.Message;
    }

    /// <summary>Holds the end report of one job until the publish is given up, as a broker gone under it would.</summary>
    private sealed class HangingReports : IFilter<PublishContext>
    {
        public Guid? Job { get; set; }

        public async Task Send(PublishContext context, IPipe<PublishContext> next)
        {
            if (context is PublishContext<NodeJobCompleted> report && report.Message.JobId == Job)
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }

            await next.Send(context);
        }

        public void Probe(ProbeContext context)
        {
        }
    }
}
