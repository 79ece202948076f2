using Mediator;

namespace VirtualCore.Modules.Monitoring.Contracts;

/// <summary>What an alert rule watches, and over whom.</summary>
public static class AlertScopes
{
    /// <summary>One VM (<c>subject</c>: its id); needs operate on it.</summary>
    public const string Vm = "vm";

    /// <summary>Every VM of the caller's customer, present and future; a customer's administrators only.</summary>
    public const string Customer = "customer";

    /// <summary>A rack server by name, or <c>*</c> for every one; the provider's only.</summary>
    public const string Node = "node";

    public static IReadOnlyList<string> All { get; } = [Vm, Customer, Node];
}

/// <summary>The conditions a rule can watch. Rates are per second, averaged over one 10-second sample.</summary>
public static class AlertConditions
{
    /// <summary>CPU above <c>threshold</c> percent (of the VM's vCPUs, of the rack server's cores).</summary>
    public const string Cpu = "cpu";

    /// <summary>Memory used above <c>threshold</c> percent of what the VM (rack server) has.</summary>
    public const string Memory = "memory";

    /// <summary>Disk reads above <c>threshold</c> bytes per second.</summary>
    public const string DiskRead = "disk-read";

    /// <summary>Disk writes above <c>threshold</c> bytes per second.</summary>
    public const string DiskWrite = "disk-write";

    /// <summary>Received above <c>threshold</c> bytes per second.</summary>
    public const string NetIn = "net-in";

    /// <summary>Sent above <c>threshold</c> bytes per second.</summary>
    public const string NetOut = "net-out";

    /// <summary>This month's traffic (received and sent) above <c>threshold</c> GiB: the contract's allowance. VMs only.</summary>
    public const string Traffic = "traffic";

    /// <summary>A VM that should run is not running (it crashed, vanished, or stopped without anyone stopping it). VMs only.</summary>
    public const string Stopped = "stopped";

    /// <summary>The rack server's agent has not reported. Rack servers only.</summary>
    public const string Offline = "offline";

    public static IReadOnlyList<string> All { get; } = [Cpu, Memory, DiskRead, DiskWrite, NetIn, NetOut, Traffic, Stopped, Offline];

    /// <summary>Conditions that compare a figure with a threshold (the others are states).</summary>
    public static bool HasThreshold(string condition) => condition is not (Stopped or Offline);
}

/// <summary>The states of an alert: firing (until it clears or someone acknowledges it), acknowledged (still firing, someone is on it), resolved.</summary>
public static class AlertStates
{
    public const string Firing = "firing";
    public const string Acknowledged = "acknowledged";
    public const string Resolved = "resolved";

    public static IReadOnlyList<string> All { get; } = [Firing, Acknowledged, Resolved];
}

/// <summary>
/// A new alert rule.
/// </summary>
/// <param name="Name">What the rule is called in notifications, e.g. "web server busy" (1–80 characters).</param>
/// <param name="Scope"><see cref="AlertScopes"/>.</param>
/// <param name="Subject">The VM's id (scope vm), a rack server's name or <c>*</c> (scope node); empty for scope customer.</param>
/// <param name="Condition"><see cref="AlertConditions"/>.</param>
/// <param name="Threshold">Fires above this (percent, bytes per second or GiB, by condition); not for stopped and offline.</param>
/// <param name="ClearBelow">Resolves only once the figure is below this (hysteresis); at most the threshold; 90 % of it when left out.</param>
/// <param name="DurationSeconds">How long the condition must hold before the alert fires: 0 to 86,400 seconds.</param>
/// <param name="Emails">Addresses told when the alert fires and when it resolves (at most 5).</param>
/// <param name="WebhookUrl">An https URL that gets each firing and resolution as a signed JSON POST.</param>
public sealed record CreateAlertRule(
    string? Name,
    string? Scope,
    string? Subject,
    string? Condition,
    double? Threshold,
    double? ClearBelow,
    int DurationSeconds,
    IReadOnlyList<string>? Emails,
    string? WebhookUrl) : ICommand<CreatedAlertRule>;

/// <summary>Switches a rule on or off; an alert it has open resolves when it is switched off.</summary>
public sealed record SetAlertRuleEnabled(Guid RuleId, bool Enabled) : ICommand<AlertRuleView>;

/// <summary>Deletes a rule; its alerts stay in the history, resolved.</summary>
public sealed record DeleteAlertRule(Guid RuleId) : ICommand;

/// <summary>The rules the caller may see.</summary>
public sealed record ListAlertRules : IQuery<IReadOnlyList<AlertRuleView>>;

/// <summary>Alerts the caller may see, newest first: open ones (firing or acknowledged) or all with the history.</summary>
/// <param name="State">firing, acknowledged, resolved, or "open" (both unresolved); all when null.</param>
/// <param name="Limit">1–500, 100 when left out.</param>
public sealed record ListAlerts(string? State, int? Limit) : IQuery<IReadOnlyList<AlertView>>;

/// <summary>Someone is on it: the alert stays open until its condition clears, but no longer shows as new.</summary>
public sealed record AcknowledgeAlert(Guid AlertId) : ICommand<AlertView>;

/// <param name="WebhookSecret">The key the webhook's signatures are made with; shown only now.</param>
public sealed record CreatedAlertRule(AlertRuleView Rule, string? WebhookSecret);

public sealed record AlertRuleView(
    Guid Id,
    string Name,
    string Scope,
    string Subject,
    string SubjectName,
    string Condition,
    double? Threshold,
    double? ClearBelow,
    int DurationSeconds,
    IReadOnlyList<string> Emails,
    string? WebhookUrl,
    bool Enabled,
    DateTimeOffset CreatedAt,
    string CreatedBy);

/// <param name="Subject">The VM's id or the rack server's name.</param>
/// <param name="SubjectName">The VM's or rack server's name.</param>
/// <param name="Value">The figure when it fired (null for states).</param>
/// <param name="Peak">The highest figure while it was open.</param>
public sealed record AlertView(
    Guid Id,
    Guid RuleId,
    string RuleName,
    string Condition,
    string Subject,
    string SubjectName,
    string State,
    double? Threshold,
    double? Value,
    double? Peak,
    DateTimeOffset FiredAt,
    DateTimeOffset? AcknowledgedAt,
    string? AcknowledgedBy,
    DateTimeOffset? ResolvedAt,
    string? Resolution);
