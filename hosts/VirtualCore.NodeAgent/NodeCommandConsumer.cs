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
    IConsumer<UpdateDomainHardware>,
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
        if (context.Message.PinnedCores is { Count: > 0 } cores)
        {
            await adapter.UnparkDomainAsync(context.Message.VmId, cores, ct);
            return $"Restored to where it was parked, on cores {string.Join(", ", cores)}.";
        }

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

    public Task Consume(ConsumeContext<UpdateDomainHardware> context) => RunAsync(context, async (adapter, ct) =>
    {
        var message = context.Message;
        var result = await adapter.UpdateHardwareAsync(
            message.VmId,
            new HardwareChange
            {
                VCpus = message.VCpus,
                PinnedCores = message.PinnedCores,
                MemoryBytes = message.MemoryBytes,
                DiskGrowths = message.DiskGrowths.Select(g => new DiskGrowth(g.Path, g.CapacityBytes)).ToArray(),
                Cdrom = message.Cdrom is null ? null : new CdromChange(message.Cdrom.IsoPath),
                BootOrder = message.BootOrder?.Select(d => Parse<BootDevice>(d, "boot device")).ToArray(),
                DiskBus = message.DiskBus is null ? null : Parse<DiskBus>(message.DiskBus, "disk bus"),
                NicModel = message.NicModel is null ? null : Parse<NicModel>(message.NicModel, "NIC model"),
            },
            ct);
        var live = result.Items.Where(i => i.Timing == ChangeTiming.Live).Select(i => HardwareLabels[i.Item]).Distinct().ToArray();
        var nextBoot = result.Items.Where(i => i.Timing == ChangeTiming.NextBoot).Select(i => i.Item).Distinct().ToArray();
        var info = string.Join(
            " ",
            new[]
            {
                live.Length == 0 ? null : $"Applied now: {string.Join(", ", live)}.",
                nextBoot.Length == 0 ? null : $"At the next boot: {string.Join(", ", nextBoot.Select(i => HardwareLabels[i]))}.",
            }.OfType<string>());
        return new JobOutcome(info.Length == 0 ? "Nothing to change." : info, nextBoot.Length == 0 ? null : nextBoot.Select(i => HardwareNames[i]).ToArray());
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
        return new JobOutcome(info, Migration: outcome);
    });

    /// <summary>The hardware items by the names the portal knows them ("vcpus", …) and as people read them.</summary>
    private static readonly Dictionary<HardwareItem, string> HardwareNames = new()
    {
        [HardwareItem.VCpus] = "vcpus",
        [HardwareItem.Memory] = "memory",
        [HardwareItem.Disk] = "disk",
        [HardwareItem.Cdrom] = "cdrom",
        [HardwareItem.BootOrder] = "boot-order",
        [HardwareItem.DiskBus] = "disk-bus",
        [HardwareItem.NicModel] = "nic-model",
    };

    private static readonly Dictionary<HardwareItem, string> HardwareLabels = new()
    {
        [HardwareItem.VCpus] = "vCPUs",
        [HardwareItem.Memory] = "RAM",
        [HardwareItem.Disk] = "disk size",
        [HardwareItem.Cdrom] = "ISO image",
        [HardwareItem.BootOrder] = "boot order",
        [HardwareItem.DiskBus] = "disk bus",
        [HardwareItem.NicModel] = "NIC model",
    };

    /// <summary>A name from the portal as the SDK's value; anything else fails the job rather than the consumer.</summary>
    private static TEnum Parse<TEnum>(string name, string what)
        where TEnum : struct, Enum =>
        !string.IsNullOrEmpty(name) && char.IsLetter(name[0]) && Enum.TryParse<TEnum>(name, ignoreCase: true, out var value) && Enum.IsDefined(value)
            ? value
            : throw new HypervisorAdapterException(AdapterErrorCode.InvalidSpec, $"Unknown {what} '{name}'.");

    private Task RunAsync<T>(ConsumeContext<T> context, Func<IHypervisorAdapter, CancellationToken, Task<string>> work)
        where T : class, INodeCommand =>
        RunAsync(context, async (adapter, ct) => new JobOutcome(await work(adapter, ct)));

    private async Task RunAsync<T>(ConsumeContext<T> context, Func<IHypervisorAdapter, CancellationToken, Task<JobOutcome>> work)
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
                JobOutcome? done = null;
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
                    ? new NodeJobCompleted(command.JobId, agent.NodeName, done!.Info, DateTimeOffset.UtcNow, state, done.NextBoot, done.Migration)
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

/// <summary>What a finished command reports: the info text for the job log and what waits for the next boot.</summary>
internal sealed record JobOutcome(string Info, IReadOnlyList<string>? NextBoot = null, MigrationOutcomeV1? Migration = null);
