using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using VirtualCore.Framework.Events;
using VirtualCore.Modules.Monitoring.Contracts;
using VirtualCore.Modules.Monitoring.Domain;

namespace VirtualCore.Modules.Monitoring.Features;

/// <summary>Alerts that fire and resolve, as events for webhooks (besides the rule's own notifications).</summary>
internal sealed class AlertEventSource : ITenantEventSource
{
    public static readonly TenantEventType[] Types =
    [
        new(AlertEvents.Fired, "An alert fired: its condition held for the rule's duration; data.alert has the rule, the subject and the figure."),
        new(AlertEvents.Resolved, "A fired alert resolved; data.alert.resolution says why."),
    ];

    public void Collect(ChangeTracker changes, ICollection<TenantEvent> events)
    {
        foreach (var entry in changes.Entries<Alert>())
        {
            var alert = entry.Entity;
            var before = entry.State == EntityState.Added ? Alert.Pending : entry.State == EntityState.Modified ? entry.Property(a => a.State).OriginalValue : alert.State;
            var type = (before, alert.State) switch
            {
                (Alert.Pending, AlertStates.Firing) => AlertEvents.Fired,
                (AlertStates.Firing or AlertStates.Acknowledged, AlertStates.Resolved) => AlertEvents.Resolved,
                _ => null,
            };
            if (type is not null)
            {
                events.Add(new TenantEvent(
                    TenantEvent.IdOf($"{type}:{alert.Id:N}"), type, alert.ResellerId, alert.CustomerId,
                    (type == AlertEvents.Fired ? alert.FiredAt : alert.ResolvedAt) ?? alert.LastSeenAt, new { alert = AlertRuleHandlers.View(alert) }));
            }
        }
    }
}
