using MassTransit;
using VirtualCore.Node.Contracts.V1;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.NodeAgent;

/// <summary>
/// Carries out one node command. A command whose job already finished here only repeats the outcome (the portal
/// re-sends when it heard nothing); one that is still running is ignored.
/// </summary>
internal sealed class NodeCommandConsumer(NodeAgent agent) :
    IConsumer<DefineDomain>,
    IConsumer<StartDomain>,
    IConsumer<ShutdownDomain>,
    IConsumer<PowerOffDomain>,
    IConsumer<RebootDomain>,
    IConsumer<ResetDomain>,
    IConsumer<PauseDomain>,
    IConsumer<ResumeDomain>,
    IConsumer<DeleteDomain>,
    IConsumer<ParkDomain>,
    IConsumer<UnparkDomain>,
    IConsumer<CreateRecoveryPoint>,
    IConsumer<RevertRecoveryPoint>,
    IConsumer<DeleteRecoveryPoint>,
    IConsumer<MigrateDomain>
{
    public Task Consume(ConsumeContext<DefineDomain> context) => RunAsync(context, async (adapter, ct) =>
    {
        var spec = context.Message.Spec;
        var domain = await adapter.DefineDomainAsync(
            new DomainSpec(
                spec.VmId,
                spec.Name,
                spec.VCpus,
                spec.MemoryBytes,
                spec.PinnedCores,
                spec.Disks.Select(d => new DiskSpec(d.Path, d.CapacityBytes, Enum.Parse<DiskBus>(d.Bus, ignoreCase: true))).ToArray(),
                spec.CdromPath,
                spec.Nics.Select(n => new NicSpec(n.Network, n.MacAddress, Enum.Parse<NicModel>(n.Model, ignoreCase: true))).ToArray()),
            ct);
        return $"Defined on {agent.NodeName} with {domain.VCpus} vCPUs and {domain.MemoryBytes / (1024 * 1024)} MiB.";
    });

    public Task Consume(ConsumeContext<StartDomain> context) => RunAsync(context, async (adapter, ct) =>
    {
        await adapter.StartDomainAsync(context.Message.VmId, ct);
        return $"Running on {agent.NodeName}.";
    });

    public Task Consume(ConsumeContext<ShutdownDomain> context) => RunAsync(context, async (adapter, ct) =>
    {
        var vmId = context.Message.VmId;
        await adapter.ShutdownDomainAsync(vmId, ct);
        var deadline = DateTimeOffset.UtcNow + agent.Options.ShutdownTimeout;
        var announced = false;
        while (await adapter.GetDomainStateAsync(vmId, ct) != DomainState.ShutOff)
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new HypervisorAdapterException(
                    AdapterErrorCode.OperationFailed,
                    $"The guest did not shut down within {agent.Options.ShutdownTimeout.TotalSeconds:0} s of the ACPI request; power it off if it hangs.");
            }

            if (!announced)
            {
                announced = true;
                await context.Publish(new NodeJobProgress(context.Message.JobId, agent.NodeName, 50, "ACPI shutdown requested; waiting for the guest.", DateTimeOffset.UtcNow), ct);
            }

            await Task.Delay(agent.Options.ShutdownPollInterval, ct);
        }

        return "Shut down by ACPI.";
    });

    public Task Consume(ConsumeContext<PowerOffDomain> context) => RunAsync(context, async (adapter, ct) =>
    {
        await adapter.PowerOffDomainAsync(context.Message.VmId, ct);
        return "Powered off.";
    });

    public Task Consume(ConsumeContext<RebootDomain> context) => RunAsync(context, async (adapter, ct) =>
    {
        await adapter.RebootDomainAsync(context.Message.VmId, ct);
        return "Restart requested from the guest (ACPI).";
    });

    public Task Consume(ConsumeContext<ResetDomain> context) => RunAsync(context, async (adapter, ct) =>
    {
        await adapter.ResetDomainAsync(context.Message.VmId, ct);
        return "Reset.";
    });

    public Task Consume(ConsumeContext<PauseDomain> context) => RunAsync(context, async (adapter, ct) =>
    {
        await adapter.PauseDomainAsync(context.Message.VmId, ct);
        return "Paused: the vCPUs are stopped, the memory is kept.";
    });

    public Task Consume(ConsumeContext<ResumeDomain> context) => RunAsync(context, async (adapter, ct) =>
    {
        await adapter.ResumeDomainAsync(context.Message.VmId, ct);
        return "Running again.";
    });

    public Task Consume(ConsumeContext<ParkDomain> context) => RunAsync(context, async (adapter, ct) =>
    {
        await adapter.ParkDomainAsync(context.Message.VmId, ct);
        return "Parked: memory saved to disk, the rack server's cores and RAM are free.";
    });

    public Task Consume(ConsumeContext<UnparkDomain> context) => RunAsync(context, async (adapter, ct) =>
    {
        await adapter.UnparkDomainAsync(context.Message.VmId, ct);
        return "Restored to where it was parked.";
    });

    public Task Consume(ConsumeContext<CreateRecoveryPoint> context) => RunAsync(context, async (adapter, ct) =>
    {
        var point = await adapter.CreateRecoveryPointAsync(context.Message.VmId, context.Message.Name, context.Message.Note, ct);
        return point.TakenLive ? "Recovery point taken while running." : "Recovery point taken.";
    });

    public Task Consume(ConsumeContext<RevertRecoveryPoint> context) => RunAsync(context, async (adapter, ct) =>
    {
        await adapter.RevertToRecoveryPointAsync(context.Message.VmId, context.Message.Name, ct);
        return "Back at the recovery point.";
    });

    public Task Consume(ConsumeContext<DeleteRecoveryPoint> context) => RunAsync(context, async (adapter, ct) =>
    {
        await adapter.DeleteRecoveryPointAsync(context.Message.VmId, context.Message.Name, ct);
        return "Recovery point deleted.";
    });

    public Task Consume(ConsumeContext<DeleteDomain> context) => RunAsync(context, async (adapter, ct) =>
    {
        var vmId = context.Message.VmId;
        try
        {
            if (await adapter.GetDomainStateAsync(vmId, ct) is not DomainState.ShutOff)
            {
                await adapter.PowerOffDomainAsync(vmId, ct);
            }
        }
        catch (HypervisorAdapterException ex) when (ex.Code == AdapterErrorCode.DomainNotFound)
        {
            return "Already gone from the rack server.";
        }

        await adapter.DeleteDomainAsync(vmId, deleteStorage: true, ct);
        return $"Deleted from {agent.NodeName} with its disks.";
    });

    public Task Consume(ConsumeContext<MigrateDomain> context) => RunAsync(context, async (adapter, ct) =>
    {
        var command = context.Message;
        var progress = new MigrationProgressReporter(context, command.JobId, agent.NodeName, command.TargetNode);
        var result = await adapter.MigrateDomainAsync(
            command.VmId,
            new MigrationTarget(command.TargetNode, command.TargetUri) { CopyStorage = command.CopyStorage, PinnedCores = command.PinnedCores },
            progress,
            ct);
        await progress.FlushAsync();
        var outcome = new MigrationOutcomeV1(
            command.TargetNode, (long)result.Downtime.TotalMilliseconds, (long)result.Duration.TotalMilliseconds, result.TransferredBytes);
        var info = string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"Moved to {command.TargetNode} in {result.Duration.TotalSeconds:0.0} s; downtime {outcome.DowntimeMs} ms; {result.TransferredBytes / (1024 * 1024)} MiB sent.");
        return (info, outcome);
    });

    private Task RunAsync<T>(ConsumeContext<T> context, Func<IHypervisorAdapter, CancellationToken, Task<string>> work)
        where T : class, INodeCommand =>
        RunAsync(context, async (adapter, ct) => (await work(adapter, ct), (MigrationOutcomeV1?)null));

    private async Task RunAsync<T>(ConsumeContext<T> context, Func<IHypervisorAdapter, CancellationToken, Task<(string Info, MigrationOutcomeV1? Migration)>> work)
        where T : class, INodeCommand
    {
        var command = context.Message;
        var ct = context.CancellationToken;
        if (agent.TryGetFinished(command.JobId, out var outcome))
        {
            await context.Publish(outcome, outcome.GetType(), ct);
            return;
        }

        if (!agent.TryBeginJob(command.JobId))
        {
            return;
        }

        try
        {
            var gate = agent.LockFor(command.VmId);
            await gate.WaitAsync(ct);
            try
            {
                await context.Publish(new NodeJobStarted(command.JobId, agent.NodeName, DateTimeOffset.UtcNow), ct);
                (string Info, MigrationOutcomeV1? Migration) done = default;
                HypervisorAdapterException? failure = null;
                try
                {
                    done = await work(agent.Adapter, ct);
                }
                catch (HypervisorAdapterException ex)
                {
                    failure = ex;
                }

                var state = await PublishStateAsync(context, command.VmId, ct);
                object result = failure is null
                    ? new NodeJobCompleted(command.JobId, agent.NodeName, done.Info!, DateTimeOffset.UtcNow, state, done.Migration)
                    : new NodeJobFailed(
                        command.JobId,
                        agent.NodeName,
                        failure.Message,
                        failure.NativeCode is null ? failure.Code.ToString() : $"{failure.Code}: {failure.NativeCode}",
                        DateTimeOffset.UtcNow,
                        state);
                agent.RememberFinished(command.JobId, result);
                await context.Publish(result, result.GetType(), ct);
            }
            finally
            {
                gate.Release();
            }
        }
        finally
        {
            agent.EndJob(command.JobId);
        }
    }

    private async Task<string> PublishStateAsync<T>(ConsumeContext<T> context, Guid vmId, CancellationToken ct)
        where T : class
    {
        string state;
        try
        {
            state = StateNames.Of(await agent.Adapter.GetDomainStateAsync(vmId, ct));
        }
        catch (HypervisorAdapterException ex) when (ex.Code == AdapterErrorCode.DomainNotFound)
        {
            state = "undefined";
        }

        await context.Publish(new DomainStateChanged(agent.NodeName, vmId, state, DateTimeOffset.UtcNow), ct);
        return state;
    }

    /// <summary>
    /// Publishes the migration's percent as the hypervisor reports it, once per new value. Reports arrive on the
    /// adapter's own thread; each publish is kept so the job's completion is sent after the last of them.
    /// </summary>
    private sealed class MigrationProgressReporter(ConsumeContext context, Guid jobId, string nodeName, string targetNode) : IProgress<MigrationProgress>
    {
        private readonly Lock gate = new();
        private readonly List<Task> sent = [];
        private int last = -1;

        public void Report(MigrationProgress value)
        {
            lock (gate)
            {
                if (value.Percent <= last)
                {
                    return;
                }

                last = value.Percent;
                sent.Add(context.Publish(new NodeJobProgress(jobId, nodeName, value.Percent, $"Moving to {targetNode}: {value.Percent} % sent.", DateTimeOffset.UtcNow)));
            }
        }

        public async Task FlushAsync()
        {
            Task[] pending;
            lock (gate)
            {
                pending = [.. sent];
            }

            await Task.WhenAll(pending);
        }
    }
}
