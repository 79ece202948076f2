using System.Diagnostics;
using System.Xml.Linq;
using VirtualCore.Adapters.Libvirt.Interop;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt;

/// <summary>Live migration between two QEMU nodes, peer to peer: the source libvirtd talks to the target's directly.</summary>
public sealed partial class LibvirtAdapter
{
    private static readonly TimeSpan MigrationPollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The switch-over pause a migration aims for. QEMU's own default is 300 ms: it stops the guest as soon as what is
    /// left fits in that. A strict limit makes it send a little more while the guest runs; a guest whose memory changes
    /// faster than it can be sent is slowed until it fits (auto-converge), so a busy guest still moves. Set before the
    /// migration starts: libvirt 9 takes the setting only outside a running migration job (it waits for the job's end).
    /// </summary>
    private static readonly TimeSpan MaxDowntime = TimeSpan.FromMilliseconds(50);

    private static readonly TimeSpan RunningJobPatience = TimeSpan.FromMinutes(10);

    /// <remarks>
    /// <see cref="MigrationTarget.Uri"/> is the target's libvirt URI as the source libvirtd reaches it (with peer to peer
    /// migration it, not this process, opens it); this process opens it too, to refuse the source host and to read the
    /// finished job's statistics, which libvirt keeps on the target once the domain has left the source.
    /// Cancelling aborts the migration; the domain then keeps running on the source.
    /// </remarks>
    public Task<MigrationResult> MigrateDomainAsync(Guid domainId, MigrationTarget target, IProgress<MigrationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        return RunAsync(
            c =>
            {
                Require(AdapterCapabilities.LiveMigration, "migrate a domain");
                if (string.IsNullOrWhiteSpace(target.Uri) || string.Equals(target.Uri.Trim(), options.Uri.Trim(), StringComparison.Ordinal))
                {
                    throw new HypervisorAdapterException(
                        AdapterErrorCode.InvalidSpec, $"Cannot migrate domain {domainId} to '{target.Uri}': that is this node ({options.NodeName}).");
                }

                WaitForRunningJob(c, domainId, cancellationToken);
                WaitWhilePausedBySwitchOver(c, domainId, cancellationToken);
                using var domain = c.GetDomain(domainId);
                var state = LibvirtDomain.GetState(domain);
                if (state is not (DomainState.Running or DomainState.Blocked))
                {
                    throw WrongState(domainId, state, "migrate it live (only a running domain migrates)");
                }

                var (destinationXml, persistentXml) = PinnedDefinitions(domain, domainId, target.PinnedCores);
                using var destination = LibvirtConnection.Open(target.Uri);

                // Two URIs can name one libvirtd (or two daemons sharing a host UUID); libvirt's own refusal comes later and less clearly.
                if (destination.GetHostUuid() == c.GetHostUuid())
                {
                    throw new HypervisorAdapterException(
                        AdapterErrorCode.InvalidSpec, $"Cannot migrate domain {domainId} to {target.NodeName}: '{target.Uri}' is the same host as this node.");
                }

                if (target.PinnedCores is { } pins && pins.Max() is var highest && highest >= destination.GetNodeCapacity().PhysicalCores)
                {
                    throw new HypervisorAdapterException(
                        AdapterErrorCode.InvalidSpec, $"{target.NodeName} has no core {highest} to pin domain {domainId} to.");
                }

                if (target.CopyStorage)
                {
                    PrepareImagePools(c, domain, destination);
                }

                return Migrate(domain, domainId, destination, target, destinationXml, persistentXml, progress, cancellationToken);
            },
            mutates: true,
            cancellationToken);
    }

    /// <summary>
    /// Waits while the domain has a job running — a migration that went on in libvirtd after the process that asked for
    /// it died — so that the caller sees where that job left the domain: gone from here (not found) or still here.
    /// </summary>
    private static void WaitForRunningJob(LibvirtConnection connection, Guid domainId, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            using (var domain = connection.GetDomain(domainId))
            {
                try
                {
                    if (LibvirtDomain.GetJobStats(domain, 0, domainId).Type is not (LibvirtNative.JobBounded or LibvirtNative.JobUnbounded))
                    {
                        return;
                    }
                }
                catch (HypervisorAdapterException notRunning) when (notRunning.Code == AdapterErrorCode.InvalidState)
                {
                    // A domain that is not running has no job: it has just left (a migration finished) or stopped.
                    return;
                }
            }

            if (deadline.Elapsed > RunningJobPatience)
            {
                throw new HypervisorAdapterException(
                    AdapterErrorCode.InvalidState, $"Domain {domainId} has had another job running for {RunningJobPatience.TotalMinutes:0} minutes; not migrating it now.");
            }

            cancellationToken.ThrowIfCancellationRequested();
            Thread.Sleep(MigrationPollInterval);
        }
    }

    /// <summary>
    /// A migration that went on after its process died ends with the guest paused on the source for the switch-over,
    /// then shut off there until libvirt removes it, and its job may already be over while the domain is still here:
    /// wait, briefly, until it leaves (not found) or runs again (the move failed and the guest resumed). Only a running
    /// VM is asked to move, so a pause or a stop here is that move's, not the customer's.
    /// </summary>
    private static void WaitWhilePausedBySwitchOver(LibvirtConnection connection, Guid domainId, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < SwitchOverPatience)
        {
            using (var domain = connection.FindDomain(domainId))
            {
                // Paused for the switch-over, or shut off for the moment between the end of the move and the source's
                // definition being removed.
                if (domain is null || LibvirtDomain.GetState(domain) is not (DomainState.Paused or DomainState.ShutOff))
                {
                    return;
                }
            }

            cancellationToken.ThrowIfCancellationRequested();
            Thread.Sleep(MigrationPollInterval);
        }
    }

    private static readonly TimeSpan SwitchOverPatience = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The running and the persistent definition with the target's cores in <c>cputune</c>, or nulls to keep the
    /// domain's own pinning. libvirt checks that nothing else the guest sees changes.
    /// </summary>
    private static (string? Running, string? Persistent) PinnedDefinitions(DomainHandle domain, Guid domainId, IReadOnlyList<int>? pins)
    {
        if (pins is null)
        {
            return (null, null);
        }

        var running = XElement.Parse(LibvirtDomain.GetXml(domain, LibvirtNative.DomainXmlSecure | LibvirtNative.DomainXmlMigratable));
        var persistent = XElement.Parse(LibvirtDomain.GetXml(domain, LibvirtNative.DomainXmlSecure | LibvirtNative.DomainXmlInactive | LibvirtNative.DomainXmlMigratable));
        var vcpus = DomainXmlEditor.ReadVcpus(running);
        if (pins.Count != vcpus || pins.Any(core => core < 0) || pins.Distinct().Count() != pins.Count)
        {
            throw new HypervisorAdapterException(
                AdapterErrorCode.InvalidSpec, $"Domain {domainId} runs {vcpus} vCPUs: give as many distinct, non-negative cores to pin them to on the target.");
        }

        DomainXmlEditor.SetPins(running, pins);

        // A hardware change waiting for the next boot may have given the definition another vCPU count; it keeps its own pins then.
        string? persistentXml = null;
        if (DomainXmlEditor.ReadVcpus(persistent) == vcpus)
        {
            DomainXmlEditor.SetPins(persistent, pins);
            persistentXml = persistent.ToString(SaveOptions.DisableFormatting);
        }

        return (running.ToString(SaveOptions.DisableFormatting), persistentXml);
    }

    /// <summary>
    /// libvirt creates the copied disks' images on the target only inside a storage pool of their folder there; the
    /// target gets the pool it lacks, as a definition on that node would have made it.
    /// </summary>
    private static void PrepareImagePools(LibvirtConnection source, DomainHandle domain, LibvirtConnection destination)
    {
        var definition = XElement.Parse(LibvirtDomain.GetXml(domain, LibvirtNative.DomainXmlSecure));
        var disks = DomainXmlEditor.DiskPaths(definition);
        foreach (var folder in disks.Select(Path.GetDirectoryName).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            using var pool = OpenImagePool(destination, folder);
        }

        // A read-only drive is not copied by the move, and the cloud-init seed lives beside the disks, not in the shared
        // ISO library: the target gets a copy of it first.
        foreach (var seed in DomainXmlEditor.SeedPaths(definition))
        {
            using var volume = FindDiskVolume(source, seed)
                ?? throw new HypervisorAdapterException(AdapterErrorCode.OperationFailed, $"The cloud-init seed {seed} of domain {LibvirtDomain.GetName(domain)} is missing on this node.");
            var image = source.DownloadVolume(volume, 2 * CloudInitSeed.MaxBytes, seed);
            WriteSmallImage(destination, seed, image);
        }
    }

    private static MigrationResult Migrate(
        DomainHandle domain,
        Guid domainId,
        LibvirtConnection destination,
        MigrationTarget target,
        string? destinationXml,
        string? persistentXml,
        IProgress<MigrationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var flags = LibvirtNative.MigrateLive | LibvirtNative.MigratePeerToPeer | LibvirtNative.MigratePersistDestination | LibvirtNative.MigrateUndefineSource
            | LibvirtNative.MigrateAutoConverge;
        if (target.CopyStorage)
        {
            flags |= LibvirtNative.MigrateNonSharedDisk;
        }

        var watch = Stopwatch.StartNew();
        using var finished = new CancellationTokenSource();

        _ = LibvirtDomain.TrySetMaxDowntime(domain, MaxDowntime);

        // The migrate call blocks until the end, so progress and cancellation are served from a thread of their own;
        // libvirt connections take calls from several threads, and each thread has its own last error.
        var monitor = new Thread(() => WatchMigration(domain, domainId, progress, finished.Token, cancellationToken))
        {
            IsBackground = true,
            Name = $"migration monitor {domainId}",
        };
        monitor.Start();
        LibvirtError? error;
        try
        {
            // Named by its id on the target whatever it is called here: one from an older version, named by its
            // customer's name, arrives renamed.
            error = LibvirtDomain.MigrateToUri(domain, target.Uri, flags, DomainNameOf(domainId), destinationXml, persistentXml);
        }
        finally
        {
            finished.Cancel();
            monitor.Join();
        }

        if (error is { } failure)
        {
            if (failure.Code == LibvirtError.OperationAborted && cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException($"The migration of domain {domainId} was cancelled; it still runs here.", cancellationToken);
            }

            throw failure.ToException($"migrate domain {domainId} to {target.NodeName}", MigrationErrorCode(failure.Code));
        }

        watch.Stop();
        return CompletedMigration(destination, domainId, watch.Elapsed);
    }

    private static void WatchMigration(DomainHandle domain, Guid domainId, IProgress<MigrationProgress>? progress, CancellationToken finished, CancellationToken cancellationToken)
    {
        var aborted = false;
        while (!finished.WaitHandle.WaitOne(MigrationPollInterval))
        {
            // Retried on every tick: an abort before the job has begun finds nothing to abort.
            if (cancellationToken.IsCancellationRequested && !aborted)
            {
                aborted = LibvirtDomain.TryAbortJob(domain);
            }

            if (progress is null)
            {
                continue;
            }

            try
            {
                var (type, fields) = LibvirtDomain.GetJobStats(domain, 0, domainId);
                if (type is LibvirtNative.JobBounded or LibvirtNative.JobUnbounded
                    && fields.TryGetValue("data_total", out var total) && total > 0)
                {
                    var remaining = fields.GetValueOrDefault("data_remaining");
                    progress.Report(new MigrationProgress((int)Math.Clamp(100 - (remaining * 100 / total), 0, 100), remaining));
                }
            }
            catch (HypervisorAdapterException)
            {
                // The job may end between two ticks, and the domain leave with it; the migrate call reports the outcome.
            }
        }
    }

    /// <summary>
    /// The finished job as the target recorded it (the source sends its statistics along, downtime included). Where
    /// a field is missing the wall-clock time of the migrate call stands in for the duration, and zero for the rest.
    /// </summary>
    private static MigrationResult CompletedMigration(LibvirtConnection destination, Guid domainId, TimeSpan wallClock)
    {
        Dictionary<string, long> fields;
        try
        {
            using var arrived = destination.GetDomain(domainId);
            fields = LibvirtDomain.GetJobStats(arrived, LibvirtNative.JobStatsCompleted, domainId).Fields;
        }
        catch (HypervisorAdapterException)
        {
            // The domain has moved; failing now would tell the caller it had not.
            fields = [];
        }

        return new MigrationResult(
            TimeSpan.FromMilliseconds(fields.GetValueOrDefault("downtime")),
            fields.TryGetValue("time_elapsed", out var elapsed) ? TimeSpan.FromMilliseconds(elapsed) : wallClock,
            fields.GetValueOrDefault("data_processed"));
    }

    /// <summary>Migration failures that mean something else here than elsewhere; the rest map as usual.</summary>
    private static AdapterErrorCode? MigrationErrorCode(int code) => code switch
    {
        LibvirtError.MigrateUnsafe => AdapterErrorCode.InvalidSpec,
        LibvirtError.CpuIncompatible => AdapterErrorCode.NotSupported,
        _ => null,
    };
}
