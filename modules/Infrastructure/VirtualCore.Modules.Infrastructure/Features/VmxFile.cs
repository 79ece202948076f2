using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace VirtualCore.Modules.Infrastructure.Features;

/// <summary>
/// A VMware virtual machine's configuration (.vmx: lines of <c>key = "value"</c>) read for what a VM made from its disk
/// needs: <c>numvcpus</c>, <c>memsize</c> (MiB), the one hard disk attached and present (<c>scsi0:0.fileName</c>,
/// <c>sata0:0…</c>, <c>ide0:0…</c>, <c>nvme0:0…</c>; CD-ROMs are not disks) and the network adapters present. The disk
/// must be a file beside the .vmx in the archive: a path (<c>/vmfs/volumes/…</c>, <c>../</c>) is refused.
/// </summary>
internal static partial class VmxFile
{
    public static (ApplianceHardware? Hardware, string? DiskFile, string? Problem) Read(byte[] content)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(content);
        }
        catch (DecoderFallbackException)
        {
            return (null, null, "The .vmx file is not text (UTF-8).");
        }

        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r').Trim();
            if (line.Length == 0 || line.StartsWith('#') || line.StartsWith(".encoding", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (Setting().Match(line) is not { Success: true } match || line.Any(char.IsControl))
            {
                return (null, null, $"The .vmx file has a line that is not key = \"value\": '{(line.Length > 60 ? line[..60] + "…" : line)}'.");
            }

            settings[match.Groups["key"].Value] = match.Groups["quoted"].Success ? match.Groups["quoted"].Value : match.Groups["bare"].Value;
        }

        bool Present(string device) => string.Equals(settings.GetValueOrDefault(device + ".present"), "TRUE", StringComparison.OrdinalIgnoreCase);
        var disks = settings.Keys
            .Select(key => DiskFileName().Match(key))
            .Where(m => m.Success && Present(m.Groups["device"].Value)
                && !(settings.GetValueOrDefault(m.Groups["device"].Value + ".deviceType") ?? "").Contains("cdrom", StringComparison.OrdinalIgnoreCase))
            .Select(m => settings[m.Value])
            .ToList();
        if (disks.Count != 1)
        {
            return (null, null, $"The .vmx file attaches {disks.Count} hard disks: one is taken (add further disks to the VM afterwards).");
        }

        var disk = disks[0];
        if (disk.Contains('/') || disk.Contains('\\') || disk is "." or ".." || disk.Any(char.IsControl))
        {
            return (null, null, $"The .vmx file's disk '{disk}' is a path, not a file beside it in the archive.");
        }

        if (!int.TryParse(settings.GetValueOrDefault("memsize"), NumberStyles.None, CultureInfo.InvariantCulture, out var memory) || memory <= 0)
        {
            return (null, null, "The .vmx file gives the virtual machine no memory (memsize).");
        }

        var cpus = 1;
        if (settings.TryGetValue("numvcpus", out var cpuText)
            && (!int.TryParse(cpuText, NumberStyles.None, CultureInfo.InvariantCulture, out cpus) || cpus is < 1 or > 1024))
        {
            return (null, null, $"The .vmx file's numvcpus ('{cpuText}') cannot be read.");
        }

        var nics = settings.Keys.Count(key => EthernetPresent().IsMatch(key) && Present(key[..key.IndexOf('.', StringComparison.Ordinal)]));
        return (new ApplianceHardware(cpus, memory, nics), disk, null);
    }

    [GeneratedRegex("""^(?<key>[A-Za-z0-9_:.\-]+)\s*=\s*(?:"(?<quoted>[^"]*)"|(?<bare>[^"\s]*))\s*$""")]
    private static partial Regex Setting();

    [GeneratedRegex(@"^(?<device>(?:scsi|sata|ide|nvme)[0-9]+:[0-9]+)\.filename$", RegexOptions.IgnoreCase)]
    private static partial Regex DiskFileName();

    [GeneratedRegex(@"^ethernet[0-9]+\.present$", RegexOptions.IgnoreCase)]
    private static partial Regex EthernetPresent();
}
