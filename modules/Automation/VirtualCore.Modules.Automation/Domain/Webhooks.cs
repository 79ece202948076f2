using VirtualCore.Framework.Tenancy;

namespace VirtualCore.Modules.Automation.Domain;

/// <summary>An account's subscription of an URL to event types, with the secret that signs what it is sent.</summary>
internal sealed class WebhookSubscription : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid ResellerId { get; set; }

    /// <summary>Empty for a reseller's or the provider's own subscription.</summary>
    public Guid CustomerId { get; set; }

    /// <summary>customer, reseller or provider (see <see cref="Contracts.WebhookAudiences"/>).</summary>
    public required string Audience { get; set; }

    public required string Url { get; set; }

    /// <summary>Comma-separated event types, or "*".</summary>
    public required string Events { get; set; }

    public string Description { get; set; } = "";

    public bool Enabled { get; set; } = true;

    public required string Secret { get; set; }

    /// <summary>The secret before the last rotation, signing too until <see cref="PreviousSecretUntil"/>.</summary>
    public string? PreviousSecret { get; set; }

    public DateTimeOffset? PreviousSecretUntil { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public required string CreatedBy { get; set; }

    public IReadOnlyList<string> EventList => Events.Split(',', StringSplitOptions.RemoveEmptyEntries);

    public bool Hears(string type) => Events == "*" || EventList.Contains(type, StringComparer.Ordinal);

    /// <summary>The secrets that sign at <paramref name="now"/>: the current one, and the previous one while it is still valid.</summary>
    public IReadOnlyList<string> SigningSecrets(DateTimeOffset now) =>
        PreviousSecret is { } previous && PreviousSecretUntil > now ? [Secret, previous] : [Secret];
}

/// <summary>
/// One event on its way to one subscription: written in the same transaction as the change that made the event, so none
/// is lost; sent in order of <see cref="Id"/> per subscription, retried with growing pauses for 24 hours.
/// </summary>
internal sealed class WebhookDelivery : ITenantOwned
{
    public long Id { get; set; }

    public Guid SubscriptionId { get; set; }

    public Guid ResellerId { get; set; }

    public Guid CustomerId { get; set; }

    public Guid EventId { get; set; }

    public required string Event { get; set; }

    /// <summary>The JSON body, as it is sent every time.</summary>
    public required string Body { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset NextAttemptAt { get; set; }

    public int Attempts { get; set; }

    public DateTimeOffset? DeliveredAt { get; set; }

    public bool Abandoned { get; set; }

    public int? LastStatusCode { get; set; }

    public string? LastError { get; set; }

    public long? RedeliveryOf { get; set; }

    public List<WebhookAttempt> AttemptLog { get; set; } = [];
}

/// <summary>One try at a delivery: what the receiver answered, or why it could not be reached.</summary>
internal sealed class WebhookAttempt
{
    public long Id { get; set; }

    public long DeliveryId { get; set; }

    public DateTimeOffset At { get; set; }

    public int? StatusCode { get; set; }

    public string? Error { get; set; }

    public int DurationMs { get; set; }
}
