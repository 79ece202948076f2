using System.Text.RegularExpressions;

namespace VirtualCore.Modules.Compute.Jobs;

/// <summary>
/// What a failed job tells its users. The hypervisor's own message goes to the log only: it may name other domains
/// on the rack server (their names or UUIDs, whoever they belong to), so the job's info is worded here from the
/// failure's code and the job's action, never copied from the node.
/// </summary>
internal static partial class JobFailureText
{
    /// <param name="action">The job's action ("create", "shutdown", …).</param>
    /// <param name="errorCode">The node's code: the SDK's error code, optionally ": " and the hypervisor's own code
    /// ("DomainConflict: VIR_ERR_DOM_EXIST (28)").</param>
    public static string Of(string action, string errorCode)
    {
        var separator = errorCode.IndexOf(':', StringComparison.Ordinal);
        var code = (separator < 0 ? errorCode : errorCode[..separator]).Trim();
        var native = separator < 0 ? null : errorCode[(separator + 1)..].Trim();
        var text = (code, action) switch
        {
            ("OperationFailed", "shutdown") => "The guest did not shut down; power it off if it hangs.",
            ("ConnectionFailed", _) => "The rack server could not be reached.",
            ("DomainNotFound", _) => "The VM is not on its rack server.",
            ("DomainConflict", _) => "The rack server refused: something else there is in the VM's way.",
            ("InvalidState", _) => "The VM's state on the rack server does not allow this now.",
            ("InsufficientResources", _) => "The rack server lacks the cores, memory or storage for this.",
            ("NotSupported", _) => "The rack server cannot do this.",
            ("InvalidSpec", _) => "The rack server refused the VM's settings.",
            ("RecoveryPointNotFound", _) => "The recovery point is not on the rack server.",
            ("DiskExportNotFound", _) => "The export is no longer on the rack server.",
            _ => "The rack server could not carry this out.",
        };

        // Only a code of the known shape is shown; anything else from the node stays in the log.
        var shown = !CodeName().IsMatch(code) ? "Unknown"
            : native is not null && NativeCode().IsMatch(native) ? $"{code}: {native}"
            : code;
        return $"{text} ({shown})";
    }

    [GeneratedRegex("^[A-Za-z]{1,40}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex CodeName();

    /// <summary>A hypervisor's symbolic code and number, e.g. "VIR_ERR_DOM_EXIST (28)".</summary>
    [GeneratedRegex(@"^[A-Z][A-Z0-9_]{0,60} \(-?[0-9]{1,6}\)$", RegexOptions.CultureInvariant)]
    private static partial Regex NativeCode();
}
