using Mediator;

namespace VirtualCore.Modules.Automation.Contracts;

/// <summary>Who a subscription hears: a customer its own resources, a reseller everything of its customers and its own invoices, the provider everything.</summary>
public static class WebhookAudiences
{
    public const string Customer = "customer";
    public const string Reseller = "reseller";
    public const string Provider = "provider";
}

/// <summary>The webhook subscriptions of the caller's account (its customer, its reseller, or the provider's).</summary>
public sealed record ListWebhooks : IQuery<IReadOnlyList<WebhookView>>;

public sealed record GetWebhook(Guid WebhookId) : IQuery<WebhookView>;

/// <summary>Subscribes an https URL to events; the answer carries the signing secret, only there.</summary>
/// <param name="Url">Where to POST the events: an absolute https URL on a public address.</param>
/// <param name="Events">Event types (see <see cref="ListWebhookEventTypes"/>), "*" for all.</param>
/// <param name="Description">What it is for, shown in the list.</param>
public sealed record CreateWebhook(string? Url, IReadOnlyList<string>? Events, string? Description) : ICommand<CreatedWebhook>;

/// <summary>Changes what is given; leaves the rest.</summary>
public sealed record UpdateWebhook(Guid WebhookId, string? Url, IReadOnlyList<string>? Events, string? Description, bool? Enabled) : ICommand<WebhookView>;

public sealed record DeleteWebhook(Guid WebhookId) : ICommand;

/// <summary>
/// Gives the subscription a new secret. The old one stays valid for <paramref name="KeepOldHours"/> (0–168, 24 when left
/// out): until then each delivery is signed with both (two v1= values), so receivers can switch without losing one.
/// </summary>
public sealed record RotateWebhookSecret(Guid WebhookId, int? KeepOldHours) : ICommand<RotatedWebhookSecret>;

/// <summary>Queues a "ping" event to the subscription only, to try the receiver.</summary>
public sealed record PingWebhook(Guid WebhookId) : ICommand<WebhookDeliveryView>;

/// <summary>A subscription's deliveries, newest first; <paramref name="Before"/> a delivery id to page back from.</summary>
public sealed record ListWebhookDeliveries(Guid WebhookId, long? Before, int? Limit) : IQuery<WebhookDeliveryList>;

public sealed record GetWebhookDelivery(Guid WebhookId, long DeliveryId) : IQuery<WebhookDeliveryDetail>;

/// <summary>Queues the same event (same id and body, newly signed) to the subscription again, after what is waiting.</summary>
public sealed record RedeliverWebhook(Guid WebhookId, long DeliveryId) : ICommand<WebhookDeliveryView>;

/// <summary>The event types one may subscribe to.</summary>
public sealed record ListWebhookEventTypes : IQuery<IReadOnlyList<WebhookEventTypeView>>;

/// <param name="Id">The subscription's id.</param>
/// <param name="Url">Where events go.</param>
/// <param name="Events">The event types it hears; "*" for all.</param>
/// <param name="Description">What it is for.</param>
/// <param name="Enabled">Off: no new events are queued and what waits is not sent.</param>
/// <param name="Audience">customer, reseller or provider: whose events it hears.</param>
/// <param name="PreviousSecretValidUntil">After a rotation: until when the old secret still signs too.</param>
/// <param name="Waiting">Deliveries not yet made (including ones being retried).</param>
/// <param name="LastDeliveredAt">When the receiver last took one.</param>
/// <param name="LastError">Why the last failed attempt failed, while it waits to be retried.</param>
public sealed record WebhookView(
    Guid Id, string Url, IReadOnlyList<string> Events, string Description, bool Enabled, string Audience, DateTimeOffset CreatedAt, string CreatedBy,
    DateTimeOffset? PreviousSecretValidUntil, int Waiting, DateTimeOffset? LastDeliveredAt, string? LastError);

/// <param name="Secret">Signs every delivery (HMAC-SHA256); shown only in this answer.</param>
public sealed record CreatedWebhook(WebhookView Webhook, string Secret);

/// <param name="Secret">The new secret; shown only in this answer.</param>
/// <param name="PreviousSecretValidUntil">Until when the old one signs too.</param>
public sealed record RotatedWebhookSecret(string Secret, DateTimeOffset? PreviousSecretValidUntil);

/// <param name="Id">The delivery's number (VirtualCore-Delivery header).</param>
/// <param name="EventId">The event's id (VirtualCore-Event-Id header, "id" in the body): the same for a redelivery.</param>
/// <param name="Event">The event type.</param>
/// <param name="Status">waiting (not tried yet or to be retried), delivered or abandoned (failed for 24 hours).</param>
/// <param name="Attempts">How often it was tried.</param>
/// <param name="LastStatusCode">The receiver's last HTTP status, if it answered.</param>
/// <param name="LastError">Why the last attempt failed.</param>
/// <param name="NextAttemptAt">When it is tried next, while waiting.</param>
/// <param name="RedeliveryOf">The delivery this one sends again.</param>
public sealed record WebhookDeliveryView(
    long Id, Guid EventId, string Event, DateTimeOffset CreatedAt, string Status, int Attempts, int? LastStatusCode, string? LastError,
    DateTimeOffset? DeliveredAt, DateTimeOffset? NextAttemptAt, long? RedeliveryOf);

/// <param name="More">Older deliveries exist: ask again with before = the last id.</param>
public sealed record WebhookDeliveryList(IReadOnlyList<WebhookDeliveryView> Deliveries, bool More);

/// <param name="Body">The JSON body as sent.</param>
/// <param name="Attempts">Every attempt, oldest first.</param>
public sealed record WebhookDeliveryDetail(WebhookDeliveryView Delivery, string Body, IReadOnlyList<WebhookAttemptView> Attempts);

/// <param name="At">When it was made.</param>
/// <param name="StatusCode">The receiver's HTTP status; null when it did not answer.</param>
/// <param name="Error">Why it failed; null when it was taken.</param>
/// <param name="DurationMs">How long it took.</param>
public sealed record WebhookAttemptView(DateTimeOffset At, int? StatusCode, string? Error, int DurationMs);

/// <param name="Name">"job.completed" …</param>
/// <param name="Description">What it means and what its data holds.</param>
public sealed record WebhookEventTypeView(string Name, string Description);

/// <summary>The delivery statuses.</summary>
public static class WebhookDeliveryStatuses
{
    public const string Waiting = "waiting";
    public const string Delivered = "delivered";
    public const string Abandoned = "abandoned";
}
