using VirtualCore.Modules.Compute.Domain;
using VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Modules.Compute.Features.Actions;

/// <summary>How a job ended, as its slice's completion sees it.</summary>
/// <param name="Job">The job, already completed or failed.</param>
/// <param name="Vm">Its VM with its cores, or null when the VM is gone.</param>
/// <param name="DomainState">The domain's state the agent reported with the end, if any.</param>
/// <param name="At">When the job ended on the rack server.</param>
/// <param name="NextBoot">What the running guest takes only at its next boot (hardware changes).</param>
/// <param name="Result">What the rack server reported it did (its code and values); null for a failed job.</param>
internal sealed record JobEnd(Job Job, VirtualMachine? Vm, string? DomainState, DateTimeOffset At, IReadOnlyList<string>? NextBoot, JobResultV1? Result = null);

/// <summary>
/// What the end of a job means for the portal's records, written by the slice that owns the job's action. The job
/// consumer only finds the owner; actions without one just take the state the agent reported.
/// </summary>
internal interface IJobCompletion
{
    /// <summary>The actions (job actions) this completion owns.</summary>
    IReadOnlyCollection<string> Actions { get; }

    /// <summary>Settles the records; true when it has set the VM's state itself, so the reported state is not applied.</summary>
    Task<bool> SettleAsync(JobEnd end, CancellationToken cancellationToken);
}
