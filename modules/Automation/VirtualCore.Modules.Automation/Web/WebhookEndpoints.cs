using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using VirtualCore.Framework.Security;
using VirtualCore.Framework.Web;
using VirtualCore.Modules.Automation.Contracts;

namespace VirtualCore.Modules.Automation.Web;

/// <summary>/api/v1/webhooks: an account's subscriptions, their secrets and their delivery log.</summary>
internal static class WebhookEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var hooks = endpoints.MapGroup("/api/v1/webhooks").RequireAuthorization().WithTags("Webhooks").RequireScope(ApiScopes.Manage);
        hooks.MapGet("/", (ISender sender, CancellationToken ct) => sender.Send(new ListWebhooks(), ct))
            .WithName("ListWebhooks").WithSummary("Your account's webhook subscriptions (a customer's, a reseller's own, or the provider's).")
            .Produces<IReadOnlyList<WebhookView>>();
        hooks.MapGet("/event-types", (ISender sender, CancellationToken ct) => sender.Send(new ListWebhookEventTypes(), ct))
            .WithName("ListWebhookEventTypes").WithSummary("The event types a subscription may hear, and what each one's data holds.")
            .Produces<IReadOnlyList<WebhookEventTypeView>>();
        hooks.MapPost("/", async (CreateWebhook? body, ISender sender, CancellationToken ct) =>
            {
                var created = await sender.Send(body ?? new CreateWebhook(null, null, null), ct);
                return Results.Created($"/api/v1/webhooks/{created.Webhook.Id}", created);
            })
            .WithName("CreateWebhook")
            .WithSummary("Subscribes an https URL to event types. Every delivery is a POST of {id, type, occurredAt, data} signed in the header "
                + "`VirtualCore-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<body>\">` with the secret in this answer (shown only here); "
                + "deliveries go in order, are retried with growing pauses for 24 hours, and carry `VirtualCore-Event-Id` to drop repeats by.")
            .Produces<CreatedWebhook>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);
        hooks.MapGet("/{webhookId:guid}", (Guid webhookId, ISender sender, CancellationToken ct) => sender.Send(new GetWebhook(webhookId), ct))
            .WithName("GetWebhook").WithSummary("One subscription, with how many deliveries wait and the last error.")
            .Produces<WebhookView>().ProducesProblem(StatusCodes.Status404NotFound);
        hooks.MapPatch("/{webhookId:guid}", (Guid webhookId, WebhookChange? body, ISender sender, CancellationToken ct) =>
                sender.Send(new UpdateWebhook(webhookId, body?.Url, body?.Events, body?.Description, body?.Enabled), ct))
            .WithName("UpdateWebhook").IfMatch(route => new GetWebhook(route.Guid("webhookId"))).WithSummary("Changes the URL, the event types, the description or switches it off (`enabled: false`); fields left out stay.")
            .Produces<WebhookView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        hooks.MapDelete("/{webhookId:guid}", async (Guid webhookId, ISender sender, CancellationToken ct) =>
            {
                await sender.Send(new DeleteWebhook(webhookId), ct);
                return Results.NoContent();
            })
            .WithName("DeleteWebhook").IfMatch(route => new GetWebhook(route.Guid("webhookId"))).WithSummary("Deletes the subscription and its delivery log; nothing waiting is sent.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);
        hooks.MapPost("/{webhookId:guid}/rotate-secret", (Guid webhookId, SecretRotation? body, ISender sender, CancellationToken ct) =>
                sender.Send(new RotateWebhookSecret(webhookId, body?.KeepOldHours), ct))
            .WithName("RotateWebhookSecret").IfMatch(route => new GetWebhook(route.Guid("webhookId")))
            .WithSummary("A new signing secret (in this answer only). The old one keeps signing for `keepOldHours` (0–168, 24 when left out): "
                + "meanwhile the header carries a v1= for each, so the receiver can switch to the new secret without missing a delivery.")
            .Produces<RotatedWebhookSecret>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        hooks.MapPost("/{webhookId:guid}/ping", async (Guid webhookId, ISender sender, CancellationToken ct) =>
            {
                var delivery = await sender.Send(new PingWebhook(webhookId), ct);
                return Results.Accepted($"/api/v1/webhooks/{webhookId}/deliveries/{delivery.Id}", delivery);
            })
            .WithName("PingWebhook").WithSummary("Queues a `ping` event to this subscription only, to try the receiver; follow the delivery to see its answer.")
            .Produces<WebhookDeliveryView>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status404NotFound);
        hooks.MapGet("/{webhookId:guid}/deliveries", (Guid webhookId, long? before, int? limit, ISender sender, CancellationToken ct) =>
                sender.Send(new ListWebhookDeliveries(webhookId, before, limit), ct))
            .WithName("ListWebhookDeliveries").PagesItself().WithSummary("The delivery log, newest first: `limit` 1–200 (50); `before` a delivery id to page back from (see `more`). Kept 30 days.")
            .Produces<WebhookDeliveryList>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        hooks.MapGet("/{webhookId:guid}/deliveries/{deliveryId:long}", (Guid webhookId, long deliveryId, ISender sender, CancellationToken ct) =>
                sender.Send(new GetWebhookDelivery(webhookId, deliveryId), ct))
            .WithName("GetWebhookDelivery").WithSummary("One delivery with its body and every attempt's answer.")
            .Produces<WebhookDeliveryDetail>().ProducesProblem(StatusCodes.Status404NotFound);
        hooks.MapPost("/{webhookId:guid}/deliveries/{deliveryId:long}/redeliver", async (Guid webhookId, long deliveryId, ISender sender, CancellationToken ct) =>
            {
                var delivery = await sender.Send(new RedeliverWebhook(webhookId, deliveryId), ct);
                return Results.Accepted($"/api/v1/webhooks/{webhookId}/deliveries/{delivery.Id}", delivery);
            })
            .WithName("RedeliverWebhook").WithSummary("Sends a delivery again (same event id and body, signed anew), after whatever waits.")
            .Produces<WebhookDeliveryView>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status404NotFound);
    }
}

/// <param name="Url">A new URL.</param>
/// <param name="Events">New event types.</param>
/// <param name="Description">A new description.</param>
/// <param name="Enabled">false: no new events are queued and nothing waiting is sent; true: on again.</param>
public sealed record WebhookChange(string? Url, IReadOnlyList<string>? Events, string? Description, bool? Enabled);

/// <param name="KeepOldHours">How long the old secret keeps signing (0–168; 24).</param>
public sealed record SecretRotation(int? KeepOldHours);
