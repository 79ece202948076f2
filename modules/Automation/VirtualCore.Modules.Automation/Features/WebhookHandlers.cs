using System.Text.Json;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VirtualCore.Framework.Events;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Framework.Webhooks;
using VirtualCore.Modules.Automation.Contracts;
using VirtualCore.Modules.Automation.Domain;

namespace VirtualCore.Modules.Automation.Features;

/// <summary>Every field of a subscription, each refusal naming the field; on an update only the fields given.</summary>
internal sealed class WebhookValidator(IOptions<WebhookOptions> options, IEnumerable<TenantEventType> types) : IValidator<CreateWebhook>, IValidator<UpdateWebhook>
{
    public const int MaxDescription = 200;

    public ValueTask<IReadOnlyList<FieldError>> ValidateAsync(CreateWebhook request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Validate(request.Url, request.Events, request.Description, required: true));

    public ValueTask<IReadOnlyList<FieldError>> ValidateAsync(UpdateWebhook request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Validate(request.Url, request.Events, request.Description, required: false));

    private IReadOnlyList<FieldError> Validate(string? url, IReadOnlyList<string>? events, string? description, bool required)
    {
        var errors = new List<FieldError>();
        if ((required || url is not null) && WebhookAddressGuard.Refusal(url?.Trim(), options.Value) is { } refusal)
        {
            errors.Add(new("url", refusal));
        }

        if (required || events is not null)
        {
            var known = types.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
            if (events is null || events.Count == 0 || events.Count > known.Count + 1)
            {
                errors.Add(new("events", $"Choose 1 to {known.Count} event types, or \"*\" for all."));
            }
            else if (events.FirstOrDefault(e => e != "*" && !known.Contains(e)) is { } unknown)
            {
                errors.Add(new("events", $"'{Shorten(unknown)}' is no event type; choose from: {string.Join(", ", known.Order(StringComparer.Ordinal))}."));
            }
        }

        if (description is not null && (description.Length > MaxDescription || description.Any(char.IsControl)))
        {
            errors.Add(new("description", $"Describe it in at most {MaxDescription} characters, without control characters."));
        }

        return errors;
    }

    private static string Shorten(string value) => new((value.Length > 40 ? value[..40] + "…" : value).Where(c => !char.IsControl(c)).ToArray());
}

/// <summary>The caller's subscriptions and their deliveries. Another account's subscription is "not found".</summary>
internal sealed class WebhookHandlers(
    PortalDbContext db,
    ITenantContext tenant,
    ISecurityAudit audit,
    IOptions<WebhookOptions> options,
    IEnumerable<TenantEventType> types,
    TimeProvider clock) :
    IQueryHandler<ListWebhooks, IReadOnlyList<WebhookView>>,
    IQueryHandler<GetWebhook, WebhookView>,
    ICommandHandler<CreateWebhook, CreatedWebhook>,
    ICommandHandler<UpdateWebhook, WebhookView>,
    ICommandHandler<DeleteWebhook>,
    ICommandHandler<RotateWebhookSecret, RotatedWebhookSecret>,
    ICommandHandler<PingWebhook, WebhookDeliveryView>,
    IQueryHandler<ListWebhookDeliveries, WebhookDeliveryList>,
    IQueryHandler<GetWebhookDelivery, WebhookDeliveryDetail>,
    ICommandHandler<RedeliverWebhook, WebhookDeliveryView>,
    IQueryHandler<ListWebhookEventTypes, IReadOnlyList<WebhookEventTypeView>>
{
    public const int MaxDeliveriesPage = 200;

    public async ValueTask<IReadOnlyList<WebhookView>> Handle(ListWebhooks query, CancellationToken cancellationToken)
    {
        var subscriptions = await Own().AsNoTracking().OrderBy(s => s.CreatedAt).ToListAsync(cancellationToken);
        return await ViewsAsync(subscriptions, cancellationToken);
    }

    public async ValueTask<WebhookView> Handle(GetWebhook query, CancellationToken cancellationToken) =>
        await ViewAsync(await FindAsync(query.WebhookId, cancellationToken), cancellationToken);

    public async ValueTask<CreatedWebhook> Handle(CreateWebhook command, CancellationToken cancellationToken)
    {
        var (resellerId, customerId, audience) = Account();
        var count = await Own().CountAsync(cancellationToken);
        if (count >= options.Value.MaxSubscriptions)
        {
            throw new ConflictException($"There are {count} webhooks already, the most one account may have; delete one first.");
        }

        var subscription = new WebhookSubscription
        {
            Id = Guid.NewGuid(),
            ResellerId = resellerId,
            CustomerId = customerId,
            Audience = audience,
            Url = command.Url!.Trim(),
            Events = Events(command.Events!),
            Description = command.Description?.Trim() ?? "",
            Secret = WebhookSignature.NewSecret(),
            CreatedAt = clock.GetUtcNow(),
            CreatedBy = tenant.UserName,
        };
        db.Add(subscription);
        audit.Record("webhook.created", subscription.Url, subscription.Events, resellerId, customerId);
        return new CreatedWebhook(await ViewAsync(subscription, cancellationToken), subscription.Secret);
    }

    public async ValueTask<WebhookView> Handle(UpdateWebhook command, CancellationToken cancellationToken)
    {
        var subscription = await FindAsync(command.WebhookId, cancellationToken);
        if (command.Url is { } url && url.Trim() != subscription.Url)
        {
            audit.Record("webhook.url-changed", url.Trim(), "before: " + subscription.Url, subscription.ResellerId, subscription.CustomerId);
            subscription.Url = url.Trim();
        }

        subscription.Events = command.Events is { } events ? Events(events) : subscription.Events;
        subscription.Description = command.Description?.Trim() ?? subscription.Description;
        if (command.Enabled is { } enabled && enabled != subscription.Enabled)
        {
            subscription.Enabled = enabled;
            audit.Record(enabled ? "webhook.enabled" : "webhook.disabled", subscription.Url, null, subscription.ResellerId, subscription.CustomerId);
        }

        return await ViewAsync(subscription, cancellationToken);
    }

    public async ValueTask<Unit> Handle(DeleteWebhook command, CancellationToken cancellationToken)
    {
        var subscription = await FindAsync(command.WebhookId, cancellationToken);
        await db.Set<WebhookDelivery>().Where(d => d.SubscriptionId == subscription.Id).ExecuteDeleteAsync(cancellationToken);
        db.Remove(subscription);
        audit.Record("webhook.deleted", subscription.Url, null, subscription.ResellerId, subscription.CustomerId);
        return Unit.Value;
    }

    public async ValueTask<RotatedWebhookSecret> Handle(RotateWebhookSecret command, CancellationToken cancellationToken)
    {
        if (command.KeepOldHours is < 0 or > 168)
        {
            throw new RequestValidationException("keepOldHours", "Keep the old secret valid for 0 to 168 hours (a week).");
        }

        var subscription = await FindAsync(command.WebhookId, cancellationToken);
        var hours = command.KeepOldHours ?? 24;
        subscription.PreviousSecret = hours == 0 ? null : subscription.Secret;
        subscription.PreviousSecretUntil = hours == 0 ? null : clock.GetUtcNow().AddHours(hours);
        subscription.Secret = WebhookSignature.NewSecret();
        audit.Record("webhook.secret-rotated", subscription.Url, hours == 0 ? "old secret invalid at once" : $"old secret valid for {hours} h", subscription.ResellerId, subscription.CustomerId);
        return new RotatedWebhookSecret(subscription.Secret, subscription.PreviousSecretUntil);
    }

    public async ValueTask<WebhookDeliveryView> Handle(PingWebhook command, CancellationToken cancellationToken)
    {
        var subscription = await FindAsync(command.WebhookId, cancellationToken);
        var now = clock.GetUtcNow();
        var ping = new TenantEvent(Guid.NewGuid(), WebhookQueue.Ping, subscription.ResellerId, subscription.CustomerId, now, new { webhook = new { id = subscription.Id, url = subscription.Url } });
        var delivery = WebhookQueue.Delivery(subscription, ping, now);
        db.Add(delivery);
        await db.SaveChangesAsync(cancellationToken);
        return View(delivery);
    }

    public async ValueTask<WebhookDeliveryList> Handle(ListWebhookDeliveries query, CancellationToken cancellationToken)
    {
        if (query.Limit is < 1 or > MaxDeliveriesPage)
        {
            throw new RequestValidationException("limit", $"Ask for 1 to {MaxDeliveriesPage} deliveries.");
        }

        var subscription = await FindAsync(query.WebhookId, cancellationToken);
        var limit = query.Limit ?? 50;
        var deliveries = await db.Set<WebhookDelivery>().AsNoTracking()
            .Where(d => d.SubscriptionId == subscription.Id && (query.Before == null || d.Id < query.Before))
            .OrderByDescending(d => d.Id)
            .Take(limit + 1)
            .ToListAsync(cancellationToken);
        return new WebhookDeliveryList(deliveries.Take(limit).Select(View).ToList(), deliveries.Count > limit);
    }

    public async ValueTask<WebhookDeliveryDetail> Handle(GetWebhookDelivery query, CancellationToken cancellationToken)
    {
        var delivery = await FindDeliveryAsync(query.WebhookId, query.DeliveryId, cancellationToken);
        var attempts = await db.Set<WebhookAttempt>().AsNoTracking().Where(a => a.DeliveryId == delivery.Id).OrderBy(a => a.Id).ToListAsync(cancellationToken);
        return new WebhookDeliveryDetail(View(delivery), delivery.Body, attempts.Select(a => new WebhookAttemptView(a.At, a.StatusCode, a.Error, a.DurationMs)).ToList());
    }

    public async ValueTask<WebhookDeliveryView> Handle(RedeliverWebhook command, CancellationToken cancellationToken)
    {
        var original = await FindDeliveryAsync(command.WebhookId, command.DeliveryId, cancellationToken);
        var now = clock.GetUtcNow();
        var again = new WebhookDelivery
        {
            SubscriptionId = original.SubscriptionId,
            ResellerId = original.ResellerId,
            CustomerId = original.CustomerId,
            EventId = original.EventId,
            Event = original.Event,
            Body = original.Body,
            CreatedAt = now,
            NextAttemptAt = now,
            RedeliveryOf = original.Id,
        };
        db.Add(again);
        await db.SaveChangesAsync(cancellationToken);
        return View(again);
    }

    public ValueTask<IReadOnlyList<WebhookEventTypeView>> Handle(ListWebhookEventTypes query, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<WebhookEventTypeView>>(types.OrderBy(t => t.Name, StringComparer.Ordinal).Select(t => new WebhookEventTypeView(t.Name, t.Description)).ToList());

    public static WebhookDeliveryView View(WebhookDelivery d) => new(
        d.Id, d.EventId, d.Event, d.CreatedAt,
        d.DeliveredAt is not null ? WebhookDeliveryStatuses.Delivered : d.Abandoned ? WebhookDeliveryStatuses.Abandoned : WebhookDeliveryStatuses.Waiting,
        d.Attempts, d.LastStatusCode, d.LastError, d.DeliveredAt, d.DeliveredAt is null && !d.Abandoned ? d.NextAttemptAt : null, d.RedeliveryOf);

    /// <summary>The caller's account: the customer's, its reseller's own, or the provider's.</summary>
    private (Guid ResellerId, Guid CustomerId, string Audience) Account() => tenant.Role switch
    {
        TenantClaims.CustomerAdminRole when tenant.CustomerId is { } customer => (tenant.ResellerId ?? Guid.Empty, customer, WebhookAudiences.Customer),
        TenantClaims.ResellerAdminRole => (tenant.ResellerId ?? Guid.Empty, Guid.Empty, WebhookAudiences.Reseller),
        TenantClaims.OperatorRole => (tenant.ResellerId ?? Guid.Empty, Guid.Empty, WebhookAudiences.Provider),
        _ => throw new ForbiddenException("Webhooks belong to an account's administrators."),
    };

    private IQueryable<WebhookSubscription> Own()
    {
        var (resellerId, customerId, audience) = Account();
        return db.Set<WebhookSubscription>().Where(s => s.ResellerId == resellerId && s.CustomerId == customerId && s.Audience == audience);
    }

    private async Task<WebhookSubscription> FindAsync(Guid id, CancellationToken cancellationToken) =>
        await Own().SingleOrDefaultAsync(s => s.Id == id, cancellationToken) ?? throw new NotFoundException("The webhook");

    private async Task<WebhookDelivery> FindDeliveryAsync(Guid webhookId, long deliveryId, CancellationToken cancellationToken)
    {
        var subscription = await FindAsync(webhookId, cancellationToken);
        return await db.Set<WebhookDelivery>().AsNoTracking().SingleOrDefaultAsync(d => d.Id == deliveryId && d.SubscriptionId == subscription.Id, cancellationToken)
            ?? throw new NotFoundException("The delivery");
    }

    private static string Events(IReadOnlyList<string> events) =>
        events.Contains("*") ? "*" : string.Join(',', events.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));

    private async Task<WebhookView> ViewAsync(WebhookSubscription subscription, CancellationToken cancellationToken) =>
        (await ViewsAsync([subscription], cancellationToken))[0];

    private async Task<IReadOnlyList<WebhookView>> ViewsAsync(IReadOnlyList<WebhookSubscription> subscriptions, CancellationToken cancellationToken)
    {
        var ids = subscriptions.Select(s => s.Id).ToList();
        var waiting = await db.Set<WebhookDelivery>().AsNoTracking()
            .Where(d => ids.Contains(d.SubscriptionId) && d.DeliveredAt == null && !d.Abandoned)
            .GroupBy(d => d.SubscriptionId)
            .Select(g => new { Id = g.Key, Count = g.Count(), Error = g.OrderBy(d => d.Id).Select(d => d.LastError).First() })
            .ToDictionaryAsync(g => g.Id, cancellationToken);
        var delivered = await db.Set<WebhookDelivery>().AsNoTracking()
            .Where(d => ids.Contains(d.SubscriptionId) && d.DeliveredAt != null)
            .GroupBy(d => d.SubscriptionId)
            .Select(g => new { Id = g.Key, At = g.Max(d => d.DeliveredAt) })
            .ToDictionaryAsync(g => g.Id, g => g.At, cancellationToken);
        var now = clock.GetUtcNow();
        return subscriptions.Select(s => new WebhookView(
            s.Id, s.Url, s.EventList, s.Description, s.Enabled, s.Audience, s.CreatedAt, s.CreatedBy,
            s.PreviousSecret is not null && s.PreviousSecretUntil > now ? s.PreviousSecretUntil : null,
            waiting.GetValueOrDefault(s.Id)?.Count ?? 0,
            delivered.GetValueOrDefault(s.Id),
            waiting.GetValueOrDefault(s.Id)?.Error)).ToList();
    }
}

/// <summary>
/// Queues each event of a unit of work to every enabled subscription that hears it, in that same unit of work: the
/// customer's, its reseller's and the provider's.
/// </summary>
internal sealed class WebhookQueue : INotificationHandler<TenantEventsSaving>
{
    public const string Ping = "ping";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async ValueTask Handle(TenantEventsSaving notification, CancellationToken cancellationToken)
    {
        var db = notification.Context;
        var resellers = notification.Events.Select(e => e.ResellerId).Distinct().ToList();
        var subscriptions = await db.Set<WebhookSubscription>().IgnoreQueryFilters().AsNoTracking()
            .Where(s => s.Enabled && (s.Audience == WebhookAudiences.Provider || resellers.Contains(s.ResellerId)))
            .ToListAsync(cancellationToken);
        if (subscriptions.Count == 0)
        {
            return;
        }

        // A unit of work saved again after a failed attempt recognises its events again; they are queued once.
        var queued = db.ChangeTracker.Entries<WebhookDelivery>().Where(e => e.State == EntityState.Added)
            .Select(e => (e.Entity.SubscriptionId, e.Entity.EventId)).ToHashSet();
        foreach (var @event in notification.Events)
        {
            foreach (var subscription in subscriptions.Where(s => Hears(s, @event) && !queued.Contains((s.Id, @event.Id))))
            {
                db.Add(Delivery(subscription, @event, @event.OccurredAt));
            }
        }
    }

    private static bool Hears(WebhookSubscription subscription, TenantEvent @event) =>
        subscription.Hears(@event.Type) && subscription.Audience switch
        {
            WebhookAudiences.Provider => true,
            WebhookAudiences.Reseller => subscription.ResellerId == @event.ResellerId,
            _ => subscription.ResellerId == @event.ResellerId && subscription.CustomerId == @event.CustomerId && @event.CustomerId != Guid.Empty,
        };

    public static WebhookDelivery Delivery(WebhookSubscription subscription, TenantEvent @event, DateTimeOffset now) => new()
    {
        SubscriptionId = subscription.Id,
        ResellerId = subscription.ResellerId,
        CustomerId = subscription.CustomerId,
        EventId = @event.Id,
        Event = @event.Type,
        Body = JsonSerializer.Serialize(new { id = @event.Id, type = @event.Type, occurredAt = @event.OccurredAt, data = @event.Data }, Json),
        CreatedAt = now,
        NextAttemptAt = now,
    };
}
