using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using VirtualCore.Framework.Web;
using VirtualCore.Framework.Web.Pages;
using VirtualCore.Modules.Automation.Contracts;

namespace VirtualCore.Modules.Automation.Web;

/// <summary>The pages /admin/webhooks (the account's subscriptions, a new one) and /admin/webhooks/{id} (its delivery log, send again, the secret).</summary>
internal static class WebhookPages
{
    public const string ListTemplate = "Automation/Webhooks.sbn-html";

    public const string DetailTemplate = "Automation/Webhook.sbn-html";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/admin/webhooks", async (HttpContext http, IPageRenderer renderer, ISender sender) =>
            {
                var ct = http.RequestAborted;
                var hooks = await sender.Send(new ListWebhooks(), ct);
                var types = await sender.Send(new ListWebhookEventTypes(), ct);
                var model = new WebhooksModel(
                    hooks.Select(Row).ToArray(),
                    types.Select(t => new WebhookEventTypeRow(t.Name, t.Description)).ToArray());
                return await renderer.RenderAsync(http, ListTemplate, "Webhooks", model);
            })
            .RequireAuthorization().ExcludeFromDescription();

        endpoints.MapGet("/admin/webhooks/{webhookId:guid}", async (Guid webhookId, long? before, HttpContext http, IPageRenderer renderer, ISender sender) =>
            {
                var ct = http.RequestAborted;
                var hook = await sender.Send(new GetWebhook(webhookId), ct);
                var deliveries = await sender.Send(new ListWebhookDeliveries(webhookId, before, 50), ct);
                var model = new WebhookModel(
                    Row(hook),
                    deliveries.Deliveries.Select(d => new WebhookDeliveryRow(
                        d.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        d.Event,
                        PageFormat.Timestamp(d.CreatedAt),
                        d.Status,
                        d.Attempts,
                        d.LastStatusCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
                        d.LastError ?? "",
                        PageFormat.Timestamp(d.NextAttemptAt),
                        d.RedeliveryOf?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "")).ToArray(),
                    deliveries.More ? $"/admin/webhooks/{webhookId}?before={deliveries.Deliveries[^1].Id}" : "");
                return await renderer.RenderAsync(http, DetailTemplate, "Webhook", model);
            })
            .RequireAuthorization().ExcludeFromDescription();
    }

    private static WebhookRow Row(WebhookView h) => new(
        h.Id.ToString(),
        h.Url,
        string.Join(", ", h.Events),
        h.Description,
        h.Enabled,
        h.Waiting,
        PageFormat.Timestamp(h.LastDeliveredAt),
        h.LastError ?? "",
        PageFormat.Timestamp(h.PreviousSecretValidUntil),
        PageFormat.Timestamp(h.CreatedAt),
        h.CreatedBy);
}

/// <summary>What Automation/Webhooks.sbn-html shows.</summary>
/// <param name="Webhooks">The account's subscriptions, oldest first.</param>
/// <param name="EventTypes">The event types one may choose.</param>
public sealed record WebhooksModel(IReadOnlyList<WebhookRow> Webhooks, IReadOnlyList<WebhookEventTypeRow> EventTypes);

/// <summary>What Automation/Webhook.sbn-html shows.</summary>
/// <param name="Webhook">The subscription.</param>
/// <param name="Deliveries">Its deliveries, newest first, 50 a page.</param>
/// <param name="OlderUrl">The next page's address, or empty on the last.</param>
public sealed record WebhookModel(WebhookRow Webhook, IReadOnlyList<WebhookDeliveryRow> Deliveries, string OlderUrl);

/// <param name="Id">The subscription's id.</param>
/// <param name="Url">Where events go.</param>
/// <param name="Events">The event types, comma-separated, or "*".</param>
/// <param name="Description">What it is for.</param>
/// <param name="Enabled">Switched on.</param>
/// <param name="Waiting">Deliveries not yet taken.</param>
/// <param name="LastDeliveredAt">When the receiver last took one (UTC), or empty.</param>
/// <param name="LastError">Why the oldest waiting delivery failed, or empty.</param>
/// <param name="PreviousSecretValidUntil">After a rotation, until when the old secret signs too (UTC); empty otherwise.</param>
/// <param name="CreatedAt">When it was made (UTC).</param>
/// <param name="CreatedBy">Who made it.</param>
public sealed record WebhookRow(
    string Id, string Url, string Events, string Description, bool Enabled, int Waiting, string LastDeliveredAt, string LastError,
    string PreviousSecretValidUntil, string CreatedAt, string CreatedBy);

/// <param name="Name">The event type.</param>
/// <param name="Description">What it means.</param>
public sealed record WebhookEventTypeRow(string Name, string Description);

/// <param name="Id">The delivery's number.</param>
/// <param name="Event">The event type.</param>
/// <param name="CreatedAt">When it was queued (UTC).</param>
/// <param name="Status">waiting, delivered or abandoned.</param>
/// <param name="Attempts">How often it was tried.</param>
/// <param name="LastStatusCode">The receiver's last HTTP status, or empty.</param>
/// <param name="LastError">Why the last attempt failed, or empty.</param>
/// <param name="NextAttemptAt">When it is tried next (UTC), or empty.</param>
/// <param name="RedeliveryOf">The delivery it sends again, or empty.</param>
public sealed record WebhookDeliveryRow(
    string Id, string Event, string CreatedAt, string Status, int Attempts, string LastStatusCode, string LastError, string NextAttemptAt, string RedeliveryOf);
