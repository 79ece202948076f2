using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Stripe;
using Stripe.Checkout;
using VirtualCore.Framework.Security;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Framework.Web;
using VirtualCore.Modules.Billing.Features;

namespace VirtualCore.Modules.Billing.Web;

/// <summary>Paying an invoice by card: /api/v1/invoices/{id}/checkout, the page's "Pay by card", and Stripe's webhook /api/v1/payments/stripe.</summary>
internal static class CardPaymentEndpoints
{
    /// <summary>Stripe's events are a few kilobytes; anything far larger is not one.</summary>
    private const int MaxEventBytes = 256 * 1024;

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/v1/invoices/{invoiceId:guid}/checkout", (Guid invoiceId, HttpContext http, ISender sender, CancellationToken ct) =>
                sender.Send(new PayInvoiceByCard(invoiceId, Origin(http)), ct))
            .RequireAuthorization().RequireScope(ApiScopes.Manage).WithTags("Invoices").WithName("PayInvoiceByCard")
            .WithSummary("Starts paying what is open on an invoice you received by card: answers with the address of the payment page (Stripe Checkout), which returns to the invoice.")
            .Produces<CardCheckout>().ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        endpoints.MapPost("/admin/invoices/{invoiceId:guid}/pay", async (Guid invoiceId, HttpContext http, ISender sender) =>
            {
                var checkout = await sender.Send(new PayInvoiceByCard(invoiceId, Origin(http)), http.RequestAborted);
                return Results.Redirect(checkout.Url);
            })
            .RequireAuthorization().ExcludeFromDescription().AddEndpointFilter<AntiforgeryFilter>();
        endpoints.MapPost("/api/v1/payments/stripe", ReceiveAsync)
            .AllowAnonymous().WithTags("Invoices").WithName("ReceiveStripeEvent")
            .WithSummary("Stripe's webhook: a signed checkout.session.completed event records the card payment on its invoice. Anything unsigned or stale is refused.")
            .Produces(StatusCodes.Status200OK).ProducesProblem(StatusCodes.Status400BadRequest);
    }

    private static string Origin(HttpContext http) => $"{http.Request.Scheme}://{http.Request.Host}";

    private static async Task<IResult> ReceiveAsync(HttpContext http, StripeCheckout stripe, ILoggerFactory logs)
    {
        var options = stripe.Options;
        if (!options.Enabled)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Card payments are not set up on this portal.");
        }

        if (http.Request.ContentLength is > MaxEventBytes)
        {
            return Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "This is no Stripe event.");
        }

        using var reader = new StreamReader(http.Request.Body);
        var buffer = new char[MaxEventBytes + 1];
        var read = await reader.ReadBlockAsync(buffer, http.RequestAborted);
        if (read > MaxEventBytes)
        {
            return Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "This is no Stripe event.");
        }

        Event stripeEvent;
        try
        {
            // The signature covers the timestamp and the body; an event older than five minutes is refused (a replay).
            stripeEvent = EventUtility.ConstructEvent(new string(buffer, 0, read), http.Request.Headers["Stripe-Signature"].ToString(), options.WebhookSecret, throwOnApiVersionMismatch: false);
        }
        catch (Exception e) when (e is StripeException or System.Text.Json.JsonException or ArgumentException or FormatException)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The event's signature does not hold.");
        }

        if (stripeEvent.Type == EventTypes.CheckoutSessionCompleted && stripeEvent.Data.Object is Session { PaymentStatus: "paid", Currency: "eur" } session
            && session.Metadata is { } metadata && metadata.TryGetValue("invoiceId", out var id) && Guid.TryParse(id, out var invoiceId) && session.AmountTotal is > 0 and { } amount)
        {
            var scope = http.RequestServices;
            scope.GetRequiredService<ScopedTenantContext>().Use(SystemTenantContext.Instance);
            var recorded = await scope.GetRequiredService<ISender>().Send(
                new RecordCardPayment(invoiceId, amount, session.PaymentIntentId ?? session.Id, stripeEvent.Account), http.RequestAborted);
            logs.CreateLogger("VirtualCore.Billing.Stripe").LogInformation("Stripe event {Event}: card payment for invoice {Invoice} {Outcome}", stripeEvent.Id, invoiceId, recorded ? "recorded" : "not recorded");
        }

        // Every other event is acknowledged so that Stripe does not send it again.
        return Results.Ok();
    }
}
