using MassTransit;
using Microsoft.Extensions.Logging;
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
    IConsumer<MigrateDomain>,
    IConsumer<ExportDisk>,
    IConsumer<DeleteDiskExport>
{
    public Task Consume(ConsumeContext<DefineDomain> context) => RunAsync(context, async (adapter, ct) =>
    {
        var spec = context.Message.Spec;
        if ((spec.CloudInit is not null || spec.Disks.Any(d => d.SourcePath is not null)) && !adapter.Capabilities.HasFlag(AdapterCapabilities.CloudInitSeed))
        {
            // An adapter from before SDK 1.4 would define the domain without the seed or with empty disks: the guest would
            // boot unconfigured, or not at all.
            throw new HypervisorAdapterException(AdapterErrorCode.NotSupported, $"The hypervisor adapter of {agent.NodeName} cannot make disks from cloud images or deliver cloud-init seeds.");
        }

        var progress = new PercentReporter(context, context.Message.JobId, agent.NodeName, "disk-copying");
        var domain = await adapter.DefineDomainAsync(
            new DomainSpec(
                spec.VmId,
                spec.Name,
                spec.VCpus,
                spec.MemoryBytes,
                spec.PinnedCores,
                spec.Disks.Select(d => new DiskSpec(d.Path, d.CapacityBytes, Enum.Parse<DiskBus>(d.Bus, ignoreCase: true)) { SourceImagePath = d.SourcePath }).ToArray(),
                spec.CdromPath,
                spec.Nics.Select(n => new NicSpec(n.Network, n.MacAddress, Enum.Parse<NicModel>(n.Model, ignoreCase: true))).ToArray())
            {
                CloudInit = spec.CloudInit is { } seed ? new CloudInitSeed(seed.MetaData, seed.UserData, seed.NetworkConfig) : null,
            },
            progress,
            ct);
        await progress.FlushAsync();
        return Fact("defined", ("node", agent.NodeName), ("vcpus", Number(domain.VCpus)), ("memoryMiB", Number(domain.MemoryBytes / (1024 * 1024))));
    });

    public Task Consume(ConsumeContext<StartDomain> context) => RunAsync(context, async (adapter, ct) =>
    {
        await adapter.StartDomainAsync(context.Message.VmId, ct);
        return Fact("started", ("node", agent.NodeName));
    });

    public Task Consume(ConsumeContext<ShutdownDomain> context) => RunAsync(context, async (adapter, ct) =>
    {
        var vmId = context.Message.VmId;
        await adapter.ShutdownDomainAsync(vmId, ct);
        var pressedAt = DateTimeOffset.UtcNow;
        var deadline = pressedAt + agent.Options.ShutdownTimeout;
        var presses = 1;
        var announced = false;
        while (await adapter.GetDomainStateAsync(vmId, ct) != DomainState.ShutOff)
        {
            var now = DateTimeOffset.UtcNow;
            if (now > deadline)
            {
                throw new HypervisorAdapterException(
                    AdapterErrorCode.OperationFailed,
                    $"The guest did not shut down within {agent.Options.ShutdownTimeout.TotalSeconds:0} s of the ACPI request; power it off if it hangs.");
            }

            if (now - pressedAt >= agent.Options.ShutdownPressInterval && await PressAgainAsync(adapter, vmId, ct))
            {
                pressedAt = now;
                presses++;
                announced = false;
            }

            if (!announced)
            {
                announced = true;
                var waiting = Fact("shutdown-waiting", ("presses", Number(presses)));
                await context.Publish(new NodeJobProgress(context.Message.JobId, agent.NodeName, 50, waiting.Info, DateTimeOffset.UtcNow, waiting.Result), ct);
            }

            await Task.Delay(agent.Options.ShutdownPollInterval, ct);
        }

        return Fact("shut-down");
    });

    /// <summary>
    /// The power button pressed once more; false when the guest went off in between (libvirt refuses a press on a
    /// domain that is no longer running, which is no failure of the shutdown).
    /// </summary>
    private static async Task<bool> PressAgainAsync(IHypervisorAdapter adapter, Guid vmId, CancellationToken ct)
    {
        try
        {
            await adapter.ShutdownDomainAsync(vmId, ct);
            return true;
        }
        catch (HypervisorAdapterException) when (!ct.IsCancellationRequested)
        {
            if (await adapter.GetDomainStateAsync(vmId, ct) == DomainState.Running)
            {
                throw;
            }

            return false;
        }
    }

    public Task Consume(ConsumeContext<PowerOffDomain> context) => RunAsync(context, async (adapter, ct) =>
    {
        await adapter.PowerOffDomainAsync(context.Message.VmId, ct);
        return Fact("powered-off");
    });

    public Task Consume(ConsumeContext<RebootDomain> context) => RunAsync(context, async (adapter, ct) =>
    {
        await adapter.RebootDomainAsync(context.Message.VmId, ct);
        return Fact("restart-requested");
    });

    public Task Consume(ConsumeContext<ResetDomain> context) => RunAsync(context, async (adapter, ct) =>
    {
        await adapter.ResetDomainAsync(context.Message.VmId, ct);
        return Fact("reset");
    });

    public Task Consume(ConsumeContext<PauseDomain> context) => RunAsync(context, async (adapter, ct) =>
    {
        await adapter.PauseDomainAsync(context.Message.VmId, ct);
        return Fact("paused");
    });

    public Task Consume(ConsumeContext<ResumeDomain> context) => RunAsync(context, async (adapter, ct) =>
    {
        await adapter.ResumeDomainAsync(context.Message.VmId, ct);
        return Fact("resumed");
    });

    public Task Consume(ConsumeContext<ParkDomain> context) => RunAsync(context, async (adapter, ct) =>
    {
        await adapter.ParkDomainAsync(context.Message.VmId, ct);
        return Fact("parked");
    });

    public Task Consume(ConsumeContext<UnparkDomain> context) => RunAsync(context, async (adapter, ct) =>
    {
        if (context.Message.PinnedCores is { Count: > 0 } cores)
        {
            await adapter.UnparkDomainAsync(context.Message.VmId, cores, ct);
            return Fact("unparked", ("cores", string.Join(",", cores)));
        }

        await adapter.UnparkDomainAsync(context.Message.VmId, ct);
        return Fact("unparked", ("cores", ""));
    });

    public Task Consume(ConsumeContext<CreateRecoveryPoint> context) => RunAsync(context, async (adapter, ct) =>
    {
        var point = await adapter.CreateRecoveryPointAsync(context.Message.VmId, context.Message.Name, context.Message.Note, ct);
        return Fact("recovery-point-taken", ("live", point.TakenLive ? "true" : "false"));
    });

    public Task Consume(ConsumeContext<RevertRecoveryPoint> context) => RunAsync(context, async (adapter, ct) =>
    {
        await adapter.RevertToRecoveryPointAsync(context.Message.VmId, context.Message.Name, ct);
        return Fact("recovery-point-reverted");
    });

    public Task Consume(ConsumeContext<DeleteRecoveryPoint> context) => RunAsync(context, async (adapter, ct) =>
    {
        await adapter.DeleteRecoveryPointAsync(context.Message.VmId, context.Message.Name, ct);
        return Fact("recovery-point-deleted");
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
        var live = result.Items.Where(i => i.Timing == ChangeTiming.Live).Select(i => HardwareNames[i.Item]).Distinct().ToArray();
        var nextBoot = result.Items.Where(i => i.Timing == ChangeTiming.NextBoot).Select(i => HardwareNames[i.Item]).Distinct().ToArray();
        return Fact("hardware-changed", ("live", string.Join(",", live)), ("nextBoot", string.Join(",", nextBoot))) with { NextBoot = nextBoot.Length == 0 ? null : nextBoot };
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
            return Fact("already-gone");
        }

        await adapter.DeleteDomainAsync(vmId, deleteStorage: true, ct);
        return Fact("deleted", ("node", agent.NodeName));
    });

    public Task Consume(ConsumeContext<ExportDisk> context) => RunAsync(context, async (adapter, ct) =>
    {
        var command = context.Message;
        var format = command.Format switch
        {
            "qcow2" => DiskExportFormat.Qcow2,
            "raw" => DiskExportFormat.Raw,
            _ => throw new HypervisorAdapterException(AdapterErrorCode.InvalidSpec, $"'{command.Format}' is not an export format (qcow2 or raw)."),
        };
        var progress = new PercentReporter(context, command.JobId, agent.NodeName, "disk-exporting");
        var export = await adapter.ExportDiskAsync(command.VmId, new DiskExportRequest(command.ExportId, format, command.RecoveryPoint), progress, ct);
        await progress.FlushAsync();
        return Fact("disk-exported", ("bytes", Number(export.SizeBytes)), ("format", command.Format));
    });

    public Task Consume(ConsumeContext<DeleteDiskExport> context) => RunAsync(context, async (adapter, ct) =>
    {
        await adapter.DeleteDiskExportAsync(context.Message.VmId, context.Message.ExportId, ct);
        return Fact("disk-export-deleted");
    });

    public Task Consume(ConsumeContext<MigrateDomain> context) => RunAsync(context, async (adapter, ct) =>
    {
        var command = context.Message;
        if (await ArrivedEarlierAsync(adapter, command, ct))
        {
            return Fact("arrived-earlier", ("target", command.TargetNode));
        }

        var progress = new PercentReporter(context, command.JobId, agent.NodeName, "migrating", ("target", command.TargetNode));
        MigrationResult result;
        try
        {
            result = await adapter.MigrateDomainAsync(
                command.VmId,
                new MigrationTarget(command.TargetNode, command.TargetUri) { CopyStorage = command.CopyStorage, PinnedCores = command.PinnedCores },
                progress,
                ct);
        }
        catch (HypervisorAdapterException ex) when (ex.Code == AdapterErrorCode.DomainNotFound)
        {
            // The adapter waited for a move still running from before a restart, and it took the domain away.
            if (await ArrivedEarlierAsync(adapter, command, ct))
            {
                return Fact("arrived-earlier", ("target", command.TargetNode));
            }

            throw;
        }

        await progress.FlushAsync();
        var outcome = new MigrationOutcomeV1(
            command.TargetNode, (long)result.Downtime.TotalMilliseconds, (long)result.Duration.TotalMilliseconds, result.TransferredBytes);
        return Fact(
            "migrated",
            ("target", command.TargetNode),
            ("durationMs", Number(outcome.DurationMs)),
            ("downtimeMs", Number(outcome.DowntimeMs)),
            ("transferredBytes", Number(outcome.TransferredBytes))) with
        { Migration = outcome };
    });

    /// <summary>
    /// Whether the domain already left for the target: a move the agent carried out before it died, whose answer was
    /// lost with it, is sent again after the restart and must not fail on the domain that is no longer here. The target
    /// is asked, not assumed: a domain neither here nor there fails the job as not found.
    /// </summary>
    private async Task<bool> ArrivedEarlierAsync(IHypervisorAdapter adapter, MigrateDomain command, CancellationToken ct)
    {
        try
        {
            await adapter.GetDomainStateAsync(command.VmId, ct);
            return false;
        }
        catch (HypervisorAdapterException ex) when (ex.Code == AdapterErrorCode.DomainNotFound)
        {
        }

        await using var target = agent.Factory.Create(new NodeConnectionOptions(command.TargetNode, command.TargetUri, agent.Options.Settings));
        await target.ConnectAsync(ct);
        return await target.GetDomainStateAsync(command.VmId, ct) is DomainState.Running or DomainState.Paused;
    }

    /// <summary>The hardware items by the names the portal knows them ("vcpus", …).</summary>
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

    /// <summary>A name from the portal as the SDK's value; anything else fails the job rather than the consumer.</summary>
    private static TEnum Parse<TEnum>(string name, string what)
        where TEnum : struct, Enum =>
        !string.IsNullOrEmpty(name) && char.IsLetter(name[0]) && Enum.TryParse<TEnum>(name, ignoreCase: true, out var value) && Enum.IsDefined(value)
            ? value
            : throw new HypervisorAdapterException(AdapterErrorCode.InvalidSpec, $"Unknown {what} '{name}'.");

    /// <summary>A fact about a job as a code and its values; the portal words it (see JobResultV1).</summary>
    private static JobOutcome Fact(string code, params (string Key, string Value)[] values) =>
        new(code, new JobResultV1(code, values.ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal)));

    private static string Number(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

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
            object result;
            try
            {
                var startedAt = DateTimeOffset.UtcNow;
                using var running = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var startReport = ReportStartedAsync(context, command.JobId, startedAt, running.Token);
                JobOutcome? done = null;
                HypervisorAdapterException? failure = null;
                try
                {
                    done = await ContainedAsync(command, work, ct);
                }
                catch (HypervisorAdapterException ex)
                {
                    failure = ex;
                }
                finally
                {
                    await running.CancelAsync();
                    await startReport;
                }

                // The end report carries the domain's state: the portal moves the job and the VM together.
                var state = await DomainStateAsync(command.VmId, ct);
                agent.ReportedState(command.VmId, state);
                result = failure is null
                    ? new NodeJobCompleted(command.JobId, agent.NodeName, done!.Info, DateTimeOffset.UtcNow, state, done.NextBoot, done.Migration, done.Result, startedAt)
                    : new NodeJobFailed(
                        command.JobId,
                        agent.NodeName,
                        failure.Message,
                        failure.NativeCode is null ? failure.Code.ToString() : $"{failure.Code}: {failure.NativeCode}",
                        DateTimeOffset.UtcNow,
                        state,
                        startedAt);
                agent.RememberFinished(command.JobId, result);
            }
            finally
            {
                gate.Release();
            }

            // Reported after the VM's lock is given back: a report that cannot go out (the broker restarting under
            // the publish) must not hold the VM's next command. What was not sent within the time is sent again from
            // memory when the portal, having heard nothing, sends the command again.
            await ReportAsync(context, command.JobId, result, ct);
        }
        finally
        {
            agent.EndJob(command.JobId);
        }
    }

    /// <summary>Publishes a report of a job within <see cref="NodeAgentOptions.ReportTimeout"/>; false when it could not.</summary>
    private async Task<bool> ReportAsync<T>(ConsumeContext<T> context, Guid jobId, object report, CancellationToken ct)
        where T : class
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(agent.Options.ReportTimeout);
        try
        {
            await context.Publish(report, report.GetType(), limit.Token);
            return true;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            agent.Logger.LogWarning("The {Report} of job {Job} on {Node} could not be sent within {Seconds} s; it goes again when the portal asks again", report.GetType().Name, jobId, agent.NodeName, agent.Options.ReportTimeout.TotalSeconds);
            return false;
        }
    }

    /// <summary>
    /// Reports the job as started once it has run for <see cref="NodeAgentOptions.StartedReportDelay"/>; a job that
    /// ends sooner cancels the report, and its end tells when it began.
    /// </summary>
    private async Task ReportStartedAsync<T>(ConsumeContext<T> context, Guid jobId, DateTimeOffset startedAt, CancellationToken running)
        where T : class
    {
        try
        {
            var delay = agent.Options.StartedReportDelay;
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, running);
            }

            await ReportAsync(context, jobId, new NodeJobStarted(jobId, agent.NodeName, startedAt), context.CancellationToken);
        }
        catch (OperationCanceledException) when (running.IsCancellationRequested)
        {
            // Ended before it was worth a report.
        }
    }

    /// <summary>
    /// Runs a job's work on the adapter, which is a plugin and may misbehave: past <see cref="NodeAgentOptions.AdapterTimeout"/>
    /// the job fails (the call is cancelled, and abandoned if it goes on), and an exception that is not the SDK's
    /// <see cref="HypervisorAdapterException"/> fails the job with its type and message. Either way the agent goes on.
    /// </summary>
    private async Task<JobOutcome> ContainedAsync<T>(T command, Func<IHypervisorAdapter, CancellationToken, Task<JobOutcome>> work, CancellationToken ct)
        where T : INodeCommand
    {
        var timeout = agent.Options.AdapterTimeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        Task<JobOutcome>? call = null;
        try
        {
            call = work(agent.Adapter, deadline.Token);
            return await call.WaitAsync(timeout, ct);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested
            && ((ex is TimeoutException && call is { IsCompleted: false }) || (ex is OperationCanceledException && deadline.IsCancellationRequested)))
        {
            // An abandoned call that fails later is observed here, so it is logged and never unobserved.
            call?.ContinueWith(
                t => agent.Logger.LogWarning(t.Exception, "The abandoned {Command} of job {Job} on {Node} failed later", typeof(T).Name, command.JobId, agent.NodeName),
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted,
                TaskScheduler.Default);
            agent.Logger.LogError("The adapter did not finish {Command} of job {Job} on {Node} within {Timeout}; the job is given up", typeof(T).Name, command.JobId, agent.NodeName, timeout);
            throw new HypervisorAdapterException(
                AdapterErrorCode.OperationFailed,
                $"The rack server's adapter did not finish within {Describe(timeout)}; the job was given up. Check the rack server's hypervisor before trying again.",
                "Timeout");
        }
        catch (Exception ex) when (ex is not HypervisorAdapterException && (ex is not OperationCanceledException || !ct.IsCancellationRequested))
        {
            agent.Logger.LogError(ex, "The adapter failed {Command} of job {Job} on {Node} with an unexpected {Exception}", typeof(T).Name, command.JobId, agent.NodeName, ex.GetType().Name);
            throw new HypervisorAdapterException(
                AdapterErrorCode.OperationFailed,
                $"The rack server's adapter failed unexpectedly ({ex.GetType().Name}: {ex.Message}).",
                ex.GetType().Name,
                ex);
        }
    }

    private static string Describe(TimeSpan span) =>
        span.TotalMinutes >= 1 && span.Seconds == 0
            ? $"{span.TotalMinutes:0} min"
            : $"{span.TotalSeconds:0.#} s";

    /// <summary>The domain's state after a job; what was reported last when the adapter cannot say (it fails or hangs).</summary>
    private async Task<string> DomainStateAsync(Guid vmId, CancellationToken ct)
    {
        try
        {
            return StateNames.Of(await agent.Adapter.GetDomainStateAsync(vmId, ct).WaitAsync(agent.Options.AdapterTimeout, ct));
        }
        catch (HypervisorAdapterException ex) when (ex.Code == AdapterErrorCode.DomainNotFound)
        {
            return "undefined";
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            agent.Logger.LogWarning(ex, "The state of {Vm} on {Node} could not be read after its job; the last reported one is kept", vmId, agent.NodeName);
            return agent.LastReportedState(vmId);
        }
    }

    /// <summary>
    /// Publishes a long command's percent (a migration's, an export's) as the adapter reports it, once per new value.
    /// Reports arrive on the adapter's own thread; each publish is kept so the job's completion is sent after the last of them.
    /// </summary>
    private sealed class PercentReporter(ConsumeContext context, Guid jobId, string nodeName, string code, params (string Key, string Value)[] values)
        : IProgress<int>, IProgress<MigrationProgress>
    {
        private readonly Lock gate = new();
        private readonly List<Task> sent = [];
        private int last = -1;

        public void Report(int value)
        {
            lock (gate)
            {
                if (value <= last)
                {
                    return;
                }

                last = value;
                var fact = Fact(code, [.. values, ("percent", Number(value))]);
                sent.Add(context.Publish(new NodeJobProgress(jobId, nodeName, value, fact.Info, DateTimeOffset.UtcNow, fact.Result)));
            }
        }

        public void Report(MigrationProgress value) => Report(value.Percent);

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

/// <summary>What a finished command reports: the fact for the job log, what waits for the next boot, a move's figures.</summary>
internal sealed record JobOutcome(string Info, JobResultV1 Result, IReadOnlyList<string>? NextBoot = null, MigrationOutcomeV1? Migration = null);
