using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using VirtualCore.Adapters.Libvirt.Interop;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt;

/// <summary>Recovery points as libvirt snapshots: the snapshot's name is the recovery point's, its description the note.</summary>
public sealed partial class LibvirtAdapter
{
    public Task<RecoveryPoint> CreateRecoveryPointAsync(Guid domainId, string name, string? note, CancellationToken cancellationToken)
    {
        if (name is null || !RecoveryPointName().IsMatch(name))
        {
            throw new HypervisorAdapterException(
                AdapterErrorCode.InvalidSpec, "A recovery point's name is 1 to 64 letters, digits, '-', '_' or '.', starting with a letter or digit.");
        }

        if (note is not null && note.Any(ch => char.IsControl(ch) && ch is not ('\n' or '\t')))
        {
            throw new HypervisorAdapterException(AdapterErrorCode.InvalidSpec, "A recovery point's note must not hold control characters.");
        }

        return RunAsync(
            c =>
            {
                Require(AdapterCapabilities.RecoveryPoints, "create recovery points");
                using var domain = c.GetDomain(domainId);
                using (var existing = LibvirtDomain.FindSnapshot(domain, name, domainId))
                {
                    if (existing is not null)
                    {
                        return ToRecoveryPoint(LibvirtDomain.GetSnapshotXml(existing));
                    }
                }

                var state = LibvirtDomain.GetState(domain);
                if (state == DomainState.Parked)
                {
                    throw WrongState(domainId, state, "take a recovery point (unpark it, or power it off, first)");
                }

                if (state != DomainState.ShutOff)
                {
                    Require(AdapterCapabilities.LiveRecoveryPoints, "take a recovery point of a running domain");
                }

                var xml = new XElement("domainsnapshot", new XElement("name", name), note is null ? null : new XElement("description", note));
                using var created = LibvirtDomain.CreateSnapshot(domain, xml.ToString(), name, domainId);
                return ToRecoveryPoint(LibvirtDomain.GetSnapshotXml(created));
            },
            mutates: true,
            cancellationToken);
    }

    public Task<IReadOnlyList<RecoveryPoint>> ListRecoveryPointsAsync(Guid domainId, CancellationToken cancellationToken) =>
        RunAsync<IReadOnlyList<RecoveryPoint>>(
            c =>
            {
                Require(AdapterCapabilities.RecoveryPoints, "list recovery points");
                using var domain = c.GetDomain(domainId);
                var snapshots = LibvirtDomain.ListSnapshots(domain, domainId);
                try
                {
                    return snapshots.Select(s => ToRecoveryPoint(LibvirtDomain.GetSnapshotXml(s)))
                        .OrderBy(p => p.CreatedAt)
                        .ThenBy(p => p.Name, StringComparer.Ordinal)
                        .ToList();
                }
                finally
                {
                    snapshots.ForEach(s => s.Dispose());
                }
            },
            mutates: false,
            cancellationToken);

    public Task RevertToRecoveryPointAsync(Guid domainId, string name, CancellationToken cancellationToken) =>
        RunAsync(
            c =>
            {
                Require(AdapterCapabilities.RecoveryPoints, "revert to a recovery point");
                using var domain = c.GetDomain(domainId);
                using var snapshot = LibvirtDomain.FindSnapshot(domain, name, domainId)
                    ?? throw new HypervisorAdapterException(AdapterErrorCode.RecoveryPointNotFound, $"Domain {domainId} has no recovery point '{name}'.");
                var state = LibvirtDomain.GetState(domain);
                if (state == DomainState.Parked)
                {
                    // Reverting would leave a saved memory image of a state that no longer exists.
                    throw WrongState(domainId, state, "revert it (unpark it, or power it off, first)");
                }

                LibvirtDomain.RevertToSnapshot(snapshot, name, domainId);
            },
            cancellationToken);

    public Task DeleteRecoveryPointAsync(Guid domainId, string name, CancellationToken cancellationToken) =>
        RunAsync(
            c =>
            {
                Require(AdapterCapabilities.RecoveryPoints, "delete a recovery point");
                using var domain = c.GetDomain(domainId);
                using var snapshot = LibvirtDomain.FindSnapshot(domain, name, domainId);
                if (snapshot is not null)
                {
                    LibvirtDomain.DeleteSnapshot(snapshot, name, domainId);
                }
            },
            cancellationToken);

    /// <summary>Reads a recovery point from libvirt's snapshot XML.</summary>
    internal static RecoveryPoint ToRecoveryPoint(string snapshotXml)
    {
        var xml = XElement.Parse(snapshotXml);
        var seconds = long.Parse((string?)xml.Element("creationTime") ?? "0", NumberStyles.None, CultureInfo.InvariantCulture);

        // "shutoff" snapshots hold disks only; any other state means the guest's memory was recorded too.
        var state = (string?)xml.Element("state");
        return new RecoveryPoint(
            (string)xml.Element("name")!,
            DateTimeOffset.FromUnixTimeSeconds(seconds),
            (string?)xml.Element("description"),
            state is not (null or "shutoff" or "disk-snapshot"));
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex RecoveryPointName();
}
