using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Modules;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Domain;
using VirtualCore.Modules.Compute.Features.Actions;
using VirtualCore.Modules.Compute.Features.EditHardware;
using VirtualCore.Modules.Compute.Features.RecoveryPoints;

namespace VirtualCore.Modules.Compute.Tests;

/// <summary>
/// Which slice settles a job's end: one owner per action, found by the job's action, and a slice settles only its own
/// kind of subject. The database here has no provider, so a completion that reached for its records would throw.
/// </summary>
public sealed class JobCompletionTests
{
    private static PortalDbContext Unreachable() =>
        new(new DbContextOptionsBuilder<PortalDbContext>().Options, ModuleCatalog.Create([]), SystemTenantContext.Instance);

    /// <summary>One instance of every completion a slice declares (only its actions are asked for: other services stay null).</summary>
    private static IJobCompletion[] Completions() => typeof(IJobCompletion).Assembly.GetTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IJobCompletion).IsAssignableFrom(t))
        .Select(t => t.GetConstructors().Single())
        .Select(c => (IJobCompletion)c.Invoke(c.GetParameters().Select(p => p.ParameterType == typeof(PortalDbContext) ? Unreachable() : null).ToArray()))
        .ToArray();

    [Fact]
    public void Every_action_has_at_most_one_owner_and_owners_only_own_catalogued_actions()
    {
        var owned = Completions().SelectMany(c => c.Actions.Select(action => (action, owner: c.GetType()))).ToArray();

        Assert.NotEmpty(owned);
        Assert.All(owned.GroupBy(o => o.action), g => Assert.Single(g));
        Assert.All(owned, o => Assert.Contains(o.action, VmActions.ByName.Keys));
    }

    [Fact]
    public void Recovery_point_jobs_go_to_the_recovery_point_slice_and_hardware_jobs_to_the_hardware_slice()
    {
        var owners = Completions().SelectMany(c => c.Actions.Select(action => (action, owner: c.GetType())))
            .ToDictionary(o => o.action, o => o.owner);

        Assert.Equal(typeof(RecoveryPointCompletion), owners[RecoveryPointHandlers.Take.Name]);
        Assert.Equal(typeof(RecoveryPointCompletion), owners[RecoveryPointHandlers.Revert.Name]);
        Assert.Equal(typeof(RecoveryPointCompletion), owners[RecoveryPointHandlers.Delete.Name]);
        Assert.Equal(typeof(EditVmHardwareCompletion), owners[EditVmHardwareHandler.Action.Name]);
    }

    [Theory]
    [InlineData(JobSubjects.HardwareEdit)]
    [InlineData(null)]
    public async Task A_recovery_point_settle_never_touches_records_for_another_subject(string? subjectKind)
    {
        var job = Job(RecoveryPointHandlers.Delete.Name, subjectKind);

        var setState = await new RecoveryPointCompletion(Unreachable()).SettleAsync(
            new JobEnd(job, null, null, DateTimeOffset.UnixEpoch, null), CancellationToken.None);

        Assert.False(setState);
    }

    [Fact]
    public async Task A_hardware_settle_never_touches_records_for_a_recovery_point_subject()
    {
        var job = Job(EditVmHardwareHandler.Action.Name, JobSubjects.RecoveryPoint);

        var setState = await new EditVmHardwareCompletion(Unreachable()).SettleAsync(
            new JobEnd(job, null, null, DateTimeOffset.UnixEpoch, null), CancellationToken.None);

        Assert.False(setState);
    }

    private static Job Job(string action, string? subjectKind) => new()
    {
        Id = Guid.NewGuid(),
        TargetName = "web-1",
        Action = action,
        UserName = "ada",
        NodeName = "node-1",
        Status = JobStatuses.Completed,
        CommandName = "DeleteRecoveryPoint",
        CommandJson = "{}",
        SubjectKind = subjectKind,
        SubjectId = Guid.NewGuid(),
    };
}
