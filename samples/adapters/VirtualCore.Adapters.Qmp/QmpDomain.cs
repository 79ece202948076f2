using System.Globalization;
using System.Text.Json;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Qmp;

/// <summary>A domain's definition as the adapter keeps it (domain.json in its folder); QEMU's command line is made from it at each start.</summary>
internal sealed class QmpDomain
{
    /// <summary>How domain.json is written and read.</summary>
    internal static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public Guid Id { get; set; }

    public string Name { get; set; } = "";

    public int VCpus { get; set; }

    public long MemoryBytes { get; set; }

    public List<string> Disks { get; set; } = [];

    /// <summary>The images this adapter made for the domain: removed with it when its storage goes too.</summary>
    public List<string> MadeDisks { get; set; } = [];

    public string? CdromPath { get; set; }

    public List<string> MacAddresses { get; set; } = [];

    /// <summary>Physical core per vCPU (dedicated cores), empty for none: applied to QEMU's vCPU threads at each start.</summary>
    public List<int> PinnedCores { get; set; } = [];

    public DiskBus DiskBus { get; set; } = DiskBus.Virtio;

    public NicModel NicModel { get; set; } = NicModel.Virtio;

    public bool BootFromCdromFirst { get; set; }

    public DirectKernelBoot? DirectKernelBoot { get; set; }

    public string? SerialLogPath { get; set; }

    internal static QmpDomain From(DomainSpec spec, List<string> made) => new()
    {
        Id = spec.Id,
        Name = spec.Name,
        VCpus = spec.VCpus,
        MemoryBytes = spec.MemoryBytes,
        Disks = spec.Disks.Select(d => d.Path).ToList(),
        MadeDisks = made,
        CdromPath = spec.CdromPath,
        MacAddresses = spec.Nics.Select(n => n.MacAddress).ToList(),
        PinnedCores = [.. spec.PinnedCores],
        DiskBus = spec.Disks.FirstOrDefault()?.Bus ?? DiskBus.Virtio,
        NicModel = spec.Nics.FirstOrDefault()?.Model ?? NicModel.Virtio,
        DirectKernelBoot = spec.DirectKernelBoot,
        SerialLogPath = spec.SerialLogPath,
    };

    /// <summary>
    /// QEMU's arguments: no defaults, no display, QMP on a socket in <paramref name="folder"/>, daemonized once it has
    /// started (its pid in the folder), the UUID naming the domain so its process is recognised.
    /// </summary>
    internal List<string> Arguments(string folder, string accelerator)
    {
        var arguments = new List<string>
        {
            // Named threads ("CPU 0/TCG"…) show an operator which thread is which vCPU.
            "-name", $"guest={Name.Replace(",", ",,", StringComparison.Ordinal)},debug-threads=on",
            "-uuid", Id.ToString(),
            "-machine", $"pc,accel={accelerator}",
            "-m", $"{MemoryBytes / (1024 * 1024)}M",
            "-smp", VCpus.ToString(CultureInfo.InvariantCulture),
            "-nodefaults", "-no-user-config", "-display", "none",
            "-qmp", $"unix:{Path.Combine(folder, "qmp.sock")},server=on,wait=off",
            "-daemonize", "-pidfile", Path.Combine(folder, "qemu.pid"),
            "-boot", BootFromCdromFirst ? "order=dc" : "order=cd",
            "-serial", SerialLogPath is null ? "none" : $"file:{SerialLogPath}",
        };
        if (DirectKernelBoot is { } boot)
        {
            arguments.AddRange(["-kernel", boot.KernelPath, "-initrd", boot.InitrdPath, "-append", boot.CommandLine]);
        }

        var bus = DiskBus == DiskBus.Sata ? "ide" : "virtio";
        foreach (var disk in Disks)
        {
            arguments.AddRange(["-drive", $"file={Escape(disk)},format=qcow2,if={bus}"]);
        }

        if (CdromPath is not null)
        {
            arguments.AddRange(["-drive", $"file={Escape(CdromPath)},media=cdrom,readonly=on,if=ide"]);
        }

        var model = NicModel == NicModel.E1000 ? "e1000" : "virtio-net-pci";
        foreach (var mac in MacAddresses)
        {
            arguments.AddRange(["-nic", $"user,model={model},mac={mac}"]);
        }

        return arguments;
    }

    // QEMU's option syntax doubles a comma inside a value.
    private static string Escape(string value) => value.Replace(",", ",,", StringComparison.Ordinal);
}
