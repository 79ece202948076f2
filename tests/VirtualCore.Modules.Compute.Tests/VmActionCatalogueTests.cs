using Mediator;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Features.Actions;

namespace VirtualCore.Modules.Compute.Tests;

/// <summary>The catalogue every reader of the VM actions relies on: complete, unambiguous, and making the right commands.</summary>
public sealed class VmActionCatalogueTests
{
    /// <summary>Every command that queues a job on an existing VM has the slice that declares its action.</summary>
    [Fact]
    public void Every_vm_command_that_queues_a_job_has_a_slice_with_a_descriptor()
    {
        var commands = typeof(StartVm).Assembly.GetTypes()
            .Where(t => t.GetInterfaces().Contains(typeof(ICommand<JobAccepted>)) && t.GetProperty("VmId") is not null)
            .ToArray();
        var handled = typeof(VmActions).Assembly.GetTypes()
            .Where(t => t.GetFields(System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Public).Any(f => f.FieldType == typeof(VmAction)))
            .SelectMany(t => t.GetInterfaces())
            .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ICommandHandler<,>))
            .Select(i => i.GetGenericArguments()[0])
            .ToHashSet();
        Assert.NotEmpty(commands);
        Assert.All(commands, command => Assert.Contains(command, handled));
    }

    [Fact]
    public void Every_vm_command_takes_an_idempotency_key()
    {
        var commands = typeof(StartVm).Assembly.GetTypes().Where(t => t.GetInterfaces().Contains(typeof(ICommand<JobAccepted>))).ToArray();
        Assert.All(commands, command => Assert.Equal(typeof(Guid?), command.GetProperty("RequestId")?.PropertyType));
    }

    [Fact]
    public void Buttons_have_distinct_places_and_simple_actions_make_their_own_command_for_the_vm_and_key()
    {
        Assert.Equal(VmActions.Buttons.Count, VmActions.Buttons.Select(b => b.Button).Distinct().Count());
        var vmId = Guid.NewGuid();
        var key = Guid.NewGuid();
        Assert.All(VmActions.Simple, action =>
        {
            var command = action.Command!(vmId, key);
            Assert.Equal(vmId, (Guid)command.GetType().GetProperty("VmId")!.GetValue(command)!);
            Assert.Equal(key, (Guid?)command.GetType().GetProperty("RequestId")!.GetValue(command));
            Assert.Equal(action.Name.Replace("-", "", StringComparison.Ordinal) + "vm", command.GetType().Name.ToLowerInvariant());
        });
    }

    [Fact]
    public void A_button_is_never_offered_in_a_state_the_vm_cannot_be_acted_on_and_levels_are_operate_or_manage()
    {
        Assert.All(VmActions.ByName.Values, action =>
        {
            Assert.DoesNotContain(VmStates.Deleted, action.AllowedStates);
            Assert.DoesNotContain(VmStates.Pending, action.AllowedStates);
            Assert.True(action.Level is AccessLevel.Operate or AccessLevel.Manage, action.Name);
        });
        Assert.All(VmActions.Buttons, b => Assert.NotEmpty(b.AllowedStates));
    }

    [Fact]
    public void The_job_log_can_filter_by_every_action_including_recovery_points()
    {
        Assert.Contains("recovery-point", VmActions.Names);
        Assert.Contains("revert", VmActions.Names);
        Assert.Contains("recovery-point-delete", VmActions.Names);
        Assert.Contains("create", VmActions.Names);
        Assert.Equal(VmActions.Names.Count, VmActions.Names.Distinct(StringComparer.Ordinal).Count());
    }
}
