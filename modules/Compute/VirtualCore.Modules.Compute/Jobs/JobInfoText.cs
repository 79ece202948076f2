using System.Globalization;
using VirtualCore.Framework.Web.Pages;
using VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Modules.Compute.Jobs;

/// <summary>
/// What a running or finished job tells its users, worded here from the fact the agent reported (a code and its
/// values), so every text the job log shows comes from the portal and can be translated in one place.
/// </summary>
internal static class JobInfoText
{
    private static readonly Dictionary<string, string> HardwareLabels = new(StringComparer.Ordinal)
    {
        ["vcpus"] = "vCPUs",
        ["memory"] = "RAM",
        ["disk"] = "disk size",
        ["cdrom"] = "ISO image",
        ["boot-order"] = "boot order",
        ["disk-bus"] = "disk bus",
        ["nic-model"] = "NIC model",
    };

    /// <summary>A hardware item ("vcpus", "nic-model", …) as people read it; an unknown item as it is.</summary>
    public static string HardwareLabel(string item) => HardwareLabels.GetValueOrDefault(item, item);

    /// <summary>The words for <paramref name="result"/>; an agent without codes sent its own text as <paramref name="info"/>.</summary>
    public static string Of(JobResultV1? result, string info)
    {
        if (result is null)
        {
            return info;
        }

        string Value(string key) => result.Values.TryGetValue(key, out var value) ? value : "";
        long Number(string key) => long.TryParse(Value(key), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
        return result.Code switch
        {
            "defined" => $"Defined on {Value("node")} with {Value("vcpus")} vCPUs and {Value("memoryMiB")} MiB.",
            "started" => $"Running on {Value("node")}.",
            "shutdown-waiting" when Number("presses") > 1 => $"ACPI shutdown requested again ({Number("presses")} presses of the power button); waiting for the guest.",
            "shutdown-waiting" => "ACPI shutdown requested; waiting for the guest.",
            "shut-down" => "Shut down by ACPI.",
            "powered-off" => "Powered off.",
            "restart-requested" => "Restart requested from the guest (ACPI).",
            "reset" => "Reset.",
            "paused" => "Paused: the vCPUs are stopped, the memory is kept.",
            "resumed" => "Running again.",
            "parked" => "Parked: memory saved to disk, the rack server's cores and RAM are free.",
            "unparked" when Value("cores").Length > 0 => $"Restored to where it was parked, on cores {Value("cores").Replace(",", ", ", StringComparison.Ordinal)}.",
            "unparked" => "Restored to where it was parked.",
            "recovery-point-taken" when Value("live") == "true" => "Recovery point taken while running.",
            "recovery-point-taken" => "Recovery point taken.",
            "recovery-point-reverted" => "Back at the recovery point.",
            "recovery-point-deleted" => "Recovery point deleted.",
            "disk-copying" => $"Making the disk from the image: {Number("percent")} %.",
            "disk-exporting" => $"Exporting the disk: {Number("percent")} %.",
            "disk-exported" => $"Disk exported as {Value("format")} ({PageFormat.Bytes(Number("bytes"))}): ready to download.",
            "disk-export-deleted" => "Disk export deleted.",
            "hardware-changed" => Hardware(Value("live"), Value("nextBoot")),
            "deleted" => $"Deleted from {Value("node")} with its disks.",
            "already-gone" => "Already gone from the rack server.",
            "arrived-earlier" => $"Already on {Value("target")}: the move had finished before the rack server's agent restarted.",
            "migrating" => $"Moving to {Value("target")}: {Number("percent")} % sent.",
            "migrated" => string.Create(
                CultureInfo.InvariantCulture,
                $"Moved to {Value("target")} in {Number("durationMs") / 1000.0:0.0} s; downtime {Number("downtimeMs")} ms; {Number("transferredBytes") / (1024 * 1024)} MiB sent."),
            _ => "Done.",
        };
    }

    private static string Hardware(string live, string nextBoot)
    {
        static string Labels(string items) =>
            string.Join(", ", items.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(HardwareLabel));
        var parts = new[]
        {
            live.Length == 0 ? null : $"Applied now: {Labels(live)}.",
            nextBoot.Length == 0 ? null : $"At the next boot: {Labels(nextBoot)}.",
        }.OfType<string>().ToArray();
        return parts.Length == 0 ? "Nothing to change." : string.Join(" ", parts);
    }
}
