using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Tenancy;

namespace VirtualCore.Modules.Monitoring.Domain;

/// <summary>
/// What someone wants to be told about: a condition on one VM, on all VMs of a customer, or on rack servers (the
/// provider's, with empty reseller and customer so only the operator sees it).
/// </summary>
internal sealed class AlertRule : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid ResellerId { get; set; }

    public Guid CustomerId { get; set; }

    public required string Name { get; set; }

    public required string Scope { get; set; }

    /// <summary>The VM's id (scope vm), the rack server's name or "*" (scope node), empty (scope customer).</summary>
    public required string Subject { get; set; }

    public required string Condition { get; set; }

    public double? Threshold { get; set; }

    public double? ClearBelow { get; set; }

    public int DurationSeconds { get; set; }

    /// <summary>Comma-separated addresses.</summary>
    public string Emails { get; set; } = "";

    public string? WebhookUrl { get; set; }

    public string? WebhookSecret { get; set; }

    public bool Enabled { get; set; } = true;

    public DateTimeOffset CreatedAt { get; set; }

    public required string CreatedBy { get; set; }

    public IReadOnlyList<string> EmailList => Emails.Length == 0 ? [] : Emails.Split(',');
}

/// <summary>
/// One occurrence of a rule's condition on one subject. Pending while the condition has held for less than the rule's
/// duration (not shown, and dropped when it stops holding); then firing, acknowledged, and finally resolved, kept as history.
/// </summary>
internal sealed class Alert : ITenantOwned
{
    public const string Pending = "pending";

    public Guid Id { get; set; }

    public Guid ResellerId { get; set; }

    public Guid CustomerId { get; set; }

    public Guid RuleId { get; set; }

    public required string RuleName { get; set; }

    public required string Condition { get; set; }

    /// <summary>The VM's id or the rack server's name.</summary>
    public required string Subject { get; set; }

    public required string SubjectName { get; set; }

    public required string State { get; set; }

    public double? Threshold { get; set; }

    /// <summary>Since when the condition holds.</summary>
    public DateTimeOffset PendingSince { get; set; }

    public DateTimeOffset? FiredAt { get; set; }

    public double? Value { get; set; }

    public double? Peak { get; set; }

    /// <summary>When the newest figure about the subject arrived.</summary>
    public DateTimeOffset LastSeenAt { get; set; }

    public DateTimeOffset? AcknowledgedAt { get; set; }

    public string? AcknowledgedBy { get; set; }

    public DateTimeOffset? ResolvedAt { get; set; }

    /// <summary>Why it resolved, in words.</summary>
    public string? Resolution { get; set; }

    public void Resolve(DateTimeOffset at, string why)
    {
        State = Contracts.AlertStates.Resolved;
        ResolvedAt = at;
        Resolution = why;
    }

    /// <summary>
    /// Ends the open alerts <paramref name="which"/> selects, of every tenant: pending ones are dropped, the others resolve
    /// with <paramref name="why"/>. Returns those that resolved (for their notifications).
    /// </summary>
    public static async Task<IReadOnlyList<Alert>> CloseAsync(DbContext db, Expression<Func<Alert, bool>> which, DateTimeOffset at, string why, CancellationToken cancellationToken)
    {
        var open = await db.Set<Alert>().IgnoreQueryFilters().Where(a => a.State != Contracts.AlertStates.Resolved).Where(which).ToListAsync(cancellationToken);
        db.RemoveRange(open.Where(a => a.State == Pending));
        var resolved = open.Where(a => a.State != Pending).ToList();
        resolved.ForEach(a => a.Resolve(at, why));
        return resolved;
    }
}

/// <summary>
/// One notification of an alert's firing or resolution to one e-mail address or webhook, written in the transaction
/// that changes the alert (so none is lost) and sent by the leader with retries, in order per target.
/// </summary>
internal sealed class AlertDelivery
{
    public const string Email = "email";
    public const string Webhook = "webhook";

    public long Id { get; set; }

    public Guid AlertId { get; set; }

    public Guid RuleId { get; set; }

    public required string Channel { get; set; }

    /// <summary>The address or URL.</summary>
    public required string Target { get; set; }

    /// <summary>"alert.fired" or "alert.resolved".</summary>
    public required string Event { get; set; }

    /// <summary>The webhook's JSON body; for e-mail, the subject and text separated by the first line break.</summary>
    public required string Payload { get; set; }

    public int Attempts { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset NextAttemptAt { get; set; }

    public DateTimeOffset? DeliveredAt { get; set; }

    /// <summary>Given up after the retries ran out (or nothing could deliver it).</summary>
    public bool Abandoned { get; set; }

    public string? LastError { get; set; }
}
