namespace VirtualCore.Cli;

/// <summary>What vcore's exit code tells a script (also in <c>vcore --help</c> and the README).</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>Anything not named below.</summary>
    public const int Failed = 1;

    /// <summary>The command line itself is wrong: an unknown command, a missing or malformed argument.</summary>
    public const int Usage = 2;

    /// <summary>No portal or token configured, or the portal refused the credentials (401).</summary>
    public const int NotSignedIn = 3;

    /// <summary>The user or the token's scope may not do this (403).</summary>
    public const int NotAllowed = 4;

    /// <summary>No such vServer, job or resource — or none the caller may see (404).</summary>
    public const int NotFound = 5;

    /// <summary>The portal refused the request as it is: invalid input, a conflict with the VM's state, too many attempts (400, 409, 413, 415, 422, 429).</summary>
    public const int Refused = 6;

    /// <summary>The job ran and failed (with <c>--wait</c>, <c>job wait</c>).</summary>
    public const int JobFailed = 7;

    /// <summary>The job did not finish within <c>--timeout</c>.</summary>
    public const int TimedOut = 8;

    /// <summary>The portal could not be reached or failed itself (5xx).</summary>
    public const int Unreachable = 9;

    public const string Help = "Exit codes: 0 done; 1 failed otherwise; 2 wrong command line; 3 not signed in or credentials refused; 4 not allowed; "
        + "5 not found; 6 refused (invalid input, conflict with the VM's state); 7 the job failed; 8 timed out waiting; 9 portal unreachable or failing.";
}

/// <summary>A failure vcore reports in one line on stderr, with its exit code.</summary>
public sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
