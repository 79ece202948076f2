namespace VirtualCore.Framework.Persistence;

/// <summary>
/// A row several writers change at once (a job: its agent's reports on any portal instance, the dispatcher; a VM: its
/// jobs' ends, the node's reports, users). Every save raises the version and writes only if the row still has the
/// version it was read with, so a writer that read an outdated row fails and reads again instead of silently
/// overwriting a newer change (a late "started" undoing a "completed").
/// </summary>
public interface IVersioned
{
    int Version { get; set; }
}
