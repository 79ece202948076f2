using System.Reflection;
using Mediator;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Compute.Contracts;

namespace VirtualCore.Modules.Compute.Features.Actions;

/// <summary>
/// Everything the portal knows about one action on a VM, in one place: the handler checks the state and level with
/// it, the API maps its endpoint from it, the VM page renders its button from it (with the allowed states as data
/// for <c>live.js</c>), and the job log lists it. Each slice under <c>Features/</c> declares its own as a static
/// field; <see cref="VmActions"/> finds them.
/// </summary>
/// <param name="Name">The job's action and the last segment of its URLs, e.g. "power-off".</param>
/// <param name="Label">The button's text.</param>
/// <param name="AllowedStates">The VM states it can be queued in.</param>
/// <param name="Refusal">The reason given when the VM is in another state, after "'name' is state.".</param>
/// <param name="Level">The access to the VM it needs; also the API scope (operate or manage).</param>
public sealed record VmAction(string Name, string Label, IReadOnlyList<string> AllowedStates, string Refusal, AccessLevel Level)
{
    /// <summary>The button's style class on the VM page ("btn-primary", "btn-danger" or none).</summary>
    public string Style { get; init; } = "";

    /// <summary>Where the button stands among the power buttons; null for an action with a form of its own.</summary>
    public int? Button { get; init; }

    /// <summary>For an action that takes nothing but the VM: its command, so the API and the page can map it alike.</summary>
    public Func<Guid, Guid?, ICommand<JobAccepted>>? Command { get; init; }

    /// <summary>The API operation's summary.</summary>
    public string Summary { get; init; } = "";

    /// <summary>True when a VM in <paramref name="state"/> can take this action.</summary>
    public bool AllowsState(string state) => AllowedStates.Contains(state, StringComparer.Ordinal);
}

/// <summary>The catalogue of VM actions: every <see cref="VmAction"/> a slice declares.</summary>
public static class VmActions
{
    /// <summary>Every action, by name.</summary>
    public static IReadOnlyDictionary<string, VmAction> ByName { get; } = typeof(VmActions).Assembly.GetTypes()
        .SelectMany(t => t.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
        .Where(f => f.FieldType == typeof(VmAction) && f.IsInitOnly)
        .Select(f => (VmAction)f.GetValue(null)!)
        .ToDictionary(a => a.Name, StringComparer.Ordinal);

    /// <summary>Every action's name in a stable order, for the job log's filter.</summary>
    public static IReadOnlyList<string> Names { get; } = ByName.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>The power buttons of the VM page, in their order.</summary>
    public static IReadOnlyList<VmAction> Buttons { get; } = ByName.Values.Where(a => a.Button is not null).OrderBy(a => a.Button).ToArray();

    /// <summary>The actions that take nothing but the VM, mapped alike by the API and the pages.</summary>
    public static IReadOnlyList<VmAction> Simple { get; } = ByName.Values.Where(a => a.Command is not null).OrderBy(a => a.Button ?? int.MaxValue).ToArray();
}
