using System.Globalization;
using VirtualCore.Framework.Web.Pages;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Jobs;

namespace VirtualCore.Modules.Compute.Web.Pages;

/// <summary>A VM as the pages show it: every value already worded for display.</summary>
/// <param name="Id">The VM's id.</param>
/// <param name="Name">Its name.</param>
/// <param name="Vcpus">Dedicated cores.</param>
/// <param name="MemoryGib">RAM in GiB.</param>
/// <param name="DiskGib">Disk size in GiB.</param>
/// <param name="Iso">The image in the CD-ROM drive, or "—".</param>
/// <param name="Node">The rack server it is on.</param>
/// <param name="Cores">Its pinned cores, comma-separated, or "—".</param>
/// <param name="State">Its state, e.g. "running".</param>
/// <param name="Created">When it was created (UTC, ISO 8601).</param>
/// <param name="Busy">True while a job on it is open.</param>
/// <param name="Addresses">Its IP addresses, comma-separated, or "—".</param>
/// <param name="BootOrder">The boot order in words.</param>
/// <param name="DiskBus">"virtio" or "sata".</param>
/// <param name="NicModel">"virtio" or "e1000".</param>
/// <param name="NextBoot">What its guest gets only at the next boot, in words.</param>
/// <param name="NextBootItems">The same as a set of codes ("vcpus", "memory", …) for per-field notes.</param>
public sealed record VmRow(
    string Id, string Name, int Vcpus, int MemoryGib, int DiskGib, string Iso, string Node, string Cores, string State, string Created, bool Busy, string Addresses,
    string BootOrder, string DiskBus, string NicModel, string NextBoot, IReadOnlyDictionary<string, bool> NextBootItems)
{
    /// <summary>The boot orders the hardware form offers, by the API's device names.</summary>
    internal static readonly (string Value, string Label)[] BootOrders =
    [
        ("disk,cdrom", "Disk, then CD-ROM"),
        ("cdrom,disk", "CD-ROM, then disk"),
        ("disk", "Disk only"),
        ("network,disk", "Network (PXE), then disk"),
        ("disk,cdrom,network", "Disk, CD-ROM, then network"),
    ];

    internal static VmRow Of(VmView vm) => new(
        vm.Id.ToString(), vm.Name, vm.VCpus, vm.MemoryGiB, vm.DiskGiB, vm.IsoName ?? "—", vm.NodeName,
        vm.PinnedCores.Count == 0 ? "—" : string.Join(", ", vm.PinnedCores), vm.State, PageFormat.Timestamp(vm.CreatedAt), vm.OpenJobId is not null,
        vm.Addresses.Count == 0 ? "—" : string.Join(", ", vm.Addresses),
        BootOrders.FirstOrDefault(o => o.Value == string.Join(',', vm.BootOrder)).Label ?? string.Join(", ", vm.BootOrder),
        vm.DiskBus, vm.NicModel,
        string.Join(", ", vm.NextBootChanges.Select(JobInfoText.HardwareLabel)),
        vm.NextBootChanges.ToDictionary(i => i, _ => true, StringComparer.Ordinal));
}

/// <summary>The vDataCenter's cores, RAM and disk for the page: use, limit and what is left of each.</summary>
/// <param name="Limited">True when any of them has a limit.</param>
/// <param name="Left">What is left, in words ("3 cores, 12 GiB of RAM").</param>
/// <param name="Parts">Cores, RAM and disk.</param>
public sealed record CapacityRow(bool Limited, string Left, IReadOnlyList<CapacityPart> Parts)
{
    internal static CapacityRow Of(VdcCapacityView capacity)
    {
        CapacityPart[] parts =
        [
            Of("Cores", "", capacity.Cores),
            Of("RAM", " GiB", capacity.MemoryGiB),
            Of("Disk", " GiB", capacity.DiskGiB),
        ];
        var left = string.Join(", ", parts.Where(p => p.Left.Length > 0).Select(p => p.Label switch { "Cores" => p.Left == "1" ? "1 core" : $"{p.Left} cores", "RAM" => $"{p.Left} of RAM", _ => $"{p.Left} of disk" }));
        return new CapacityRow(parts.Any(p => p.Limit.Length > 0), left, parts);
    }

    private static CapacityPart Of(string label, string unit, CapacityItem item) => new(
        label,
        unit,
        item.Used,
        item.Limit?.ToString(CultureInfo.InvariantCulture) ?? "",
        item.Left is { } left ? left.ToString(CultureInfo.InvariantCulture) + unit : "",
        item.Limit is { } limit ? PageFormat.Percent(item.Used, limit) : 0,
        item.Left == 0);
}

/// <summary>One resource of a vDataCenter.</summary>
/// <param name="Label">"Cores", "RAM" or "Disk".</param>
/// <param name="Unit">The unit after a number, e.g. " GiB".</param>
/// <param name="Used">What its VMs use.</param>
/// <param name="Limit">The limit, or empty for none.</param>
/// <param name="Left">What is left with its unit, or empty without a limit.</param>
/// <param name="Percent">The share used, 0–100.</param>
/// <param name="Full">True when nothing is left.</param>
public sealed record CapacityPart(string Label, string Unit, int Used, string Limit, string Left, int Percent, bool Full);

/// <summary>A row of the job log.</summary>
/// <param name="Id">The job's id.</param>
/// <param name="Type">What it acts on, e.g. "vServer".</param>
/// <param name="Name">The VM's name.</param>
/// <param name="TargetId">The VM's id.</param>
/// <param name="Action">The action, e.g. "start".</param>
/// <param name="User">Who queued it.</param>
/// <param name="Start">When it started, or was queued (UTC, ISO 8601).</param>
/// <param name="End">When it ended, or empty.</param>
/// <param name="Status">"queued", "running", "completed" or "failed".</param>
/// <param name="Progress">Percent done.</param>
/// <param name="Info">What it is doing or how it ended, in words.</param>
public sealed record JobRow(string Id, string Type, string Name, string TargetId, string Action, string User, string Start, string End, string Status, int Progress, string Info)
{
    internal static JobRow Of(JobView job) => new(
        job.Id.ToString(), job.Type, job.Name, job.TargetId.ToString(), job.Action, job.UserName,
        PageFormat.Timestamp(job.StartedAt ?? job.QueuedAt), PageFormat.Timestamp(job.EndedAt), job.Status, job.Progress, job.Info);
}

/// <summary>A rack server's card: its capacity and what VMs use of it.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Role">"compute" or "reserve".</param>
/// <param name="Online">True while its agent reports.</param>
/// <param name="LastSeen">Its agent's last report (UTC, ISO 8601).</param>
/// <param name="CpuModel">The CPU model.</param>
/// <param name="CoresTotal">Cores for VMs.</param>
/// <param name="CoresUsed">Cores VMs hold.</param>
/// <param name="CoresPercent">The share of cores held, 0–100.</param>
/// <param name="MemoryTotal">RAM for VMs, in words.</param>
/// <param name="MemoryUsed">RAM VMs hold, in words.</param>
/// <param name="MemoryPercent">The share of RAM held, 0–100.</param>
/// <param name="ReservedHostCores">Cores kept for the host.</param>
/// <param name="ReservedMemory">RAM kept for the host, in words.</param>
public sealed record NodeCard(string Name, string Role, bool Online, string LastSeen, string CpuModel, int CoresTotal, int CoresUsed, int CoresPercent, string MemoryTotal, string MemoryUsed, int MemoryPercent, int ReservedHostCores, string ReservedMemory)
{
    internal static NodeCard Of(NodeUsageView n) => new(
        n.Name, n.Role, n.Online, PageFormat.Timestamp(n.LastHeartbeatAt), n.CpuModel, n.CoresForVms, n.UsedCores,
        PageFormat.Percent(n.UsedCores, n.CoresForVms), PageFormat.Bytes(n.MemoryForVmsBytes), PageFormat.Bytes(n.UsedMemoryBytes),
        PageFormat.Percent(n.UsedMemoryBytes, n.MemoryForVmsBytes), n.ReservedHostCores, PageFormat.Bytes(n.ReservedMemoryBytes));
}

/// <summary>An image of the ISO library in a form's list.</summary>
/// <param name="Name">Its name, the form's value.</param>
/// <param name="Title">Its title.</param>
/// <param name="Size">Its size in words, or null when unknown.</param>
public sealed record IsoOption(string Name, string Title, string? Size);
