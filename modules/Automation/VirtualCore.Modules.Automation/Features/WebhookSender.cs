using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VirtualCore.Framework.Leadership;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Webhooks;
using VirtualCore.Modules.Automation.Domain;

namespace VirtualCore.Modules.Automation.Features;

/// <summary>Sends queued webhook deliveries on the leader, every second; once an hour forgets what is older than 30 days.</summary>
internal sealed class WebhookDeliveryService(IServiceScopeFactory scopes, ILeaderLease lease, TimeProvider clock, ILogger<WebhookDeliveryService> logger)
    : LeaderTimer(scopes, lease, clock, logger)
{
    private DateTimeOffset _prunedAt;

    protected override TimeSpan Interval => TimeSpan.FromSeconds(1);

    protected override string Duty => "send webhooks";

    protected override async Task RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var sender = services.GetRequiredService<WebhookSender>();
        await sender.SendDueAsync(cancellationToken);
        if (Clock.GetUtcNow() - _prunedAt > TimeSpan.FromHours(1))
        {
            await sender.PruneAsync(Clock.GetUtcNow(), cancellationToken);
            _prunedAt = Clock.GetUtcNow();
        }
    }
}

/// <summary>
/// One round of deliveries. Per subscription strictly in order: the oldest waiting delivery goes first, and nothing after
/// it goes before it is taken or abandoned; subscriptions are served side by side, so a slow receiver delays only its own.
/// A failed attempt waits 10 s, then twice as long each time up to an hour; after 24 hours the delivery is abandoned
/// with the reason kept, and "send again" queues it anew.
/// </summary>
internal sealed class WebhookSender(PortalDbContext db, IHttpClientFactory http, IOptions<WebhookOptions> options, TimeProvider clock, ILogger<WebhookSender> logger)
{
    public const string HttpClientName = "webhooks";

    public static readonly TimeSpan GiveUpAfter = TimeSpan.FromHours(24);

    public static readonly TimeSpan KeepFor = TimeSpan.FromDays(30);

    /// <summary>At most this many deliveries to one subscription in one round.</summary>
    public const int RoundPerSubscription = 50;

    private const int Parallel = 8;

    /// <summary>Sends what is due; returns how many deliveries were taken.</summary>
    public async Task<int> SendDueAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var waiting = await db.Set<WebhookDelivery>().IgnoreQueryFilters()
            .Where(d => d.DeliveredAt == null && !d.Abandoned)
            .OrderBy(d => d.Id)
            .Take(2_000)
            .ToListAsync(cancellationToken);
        if (waiting.Count == 0)
        {
            return 0;
        }

        var queues = waiting.GroupBy(d => d.SubscriptionId).Where(g => g.First().NextAttemptAt <= now).ToList();
        var ids = queues.Select(q => q.Key).ToList();
        var subscriptions = await db.Set<WebhookSubscription>().IgnoreQueryFilters().AsNoTracking()
            .Where(s => ids.Contains(s.Id)).ToDictionaryAsync(s => s.Id, cancellationToken);
        var attempts = new ConcurrentBag<WebhookAttempt>();
        var taken = 0;
        await System.Threading.Tasks.Parallel.ForEachAsync(
            queues.Where(q => subscriptions.TryGetValue(q.Key, out var s) && s.Enabled),
            new ParallelOptions { MaxDegreeOfParallelism = Parallel, CancellationToken = cancellationToken },
            async (queue, ct) =>
            {
                foreach (var delivery in queue.Take(RoundPerSubscription))
                {
                    if (delivery.NextAttemptAt > clock.GetUtcNow())
                    {
                        break;
                    }

                    if (clock.GetUtcNow() - delivery.CreatedAt > GiveUpAfter)
                    {
                        // Waited behind one the receiver failed for a day: given up unsent, so the queue moves on.
                        delivery.Abandoned = true;
                        delivery.LastError = "Not sent: it waited more than 24 hours (behind deliveries the receiver did not take, or while the webhook was off).";
                        continue;
                    }

                    var attempt = await AttemptAsync(subscriptions[queue.Key], delivery, ct);
                    attempts.Add(attempt);
                    if (attempt.Error is null)
                    {
                        Interlocked.Increment(ref taken);
                        continue;
                    }

                    if (!delivery.Abandoned)
                    {
                        break;
                    }
                }
            });
        db.AddRange(attempts);
        await db.SaveChangesAsync(cancellationToken);
        return taken;
    }

    /// <summary>Forgets deliveries taken or abandoned more than 30 days ago, with their attempts.</summary>
    public async Task<int> PruneAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var before = now - KeepFor;
        return await db.Set<WebhookDelivery>().IgnoreQueryFilters()
            .Where(d => d.CreatedAt < before && (d.DeliveredAt != null || d.Abandoned))
            .ExecuteDeleteAsync(cancellationToken);
    }

    private async Task<WebhookAttempt> AttemptAsync(WebhookSubscription subscription, WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        var started = clock.GetUtcNow();
        var watch = Stopwatch.StartNew();
        int? status = null;
        string? error;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, subscription.Url)
            {
                Content = new StringContent(delivery.Body, Encoding.UTF8, "application/json"),
            };
            var timestamp = started.ToUnixTimeSeconds();
            var signatures = subscription.SigningSecrets(started).Select(secret => WebhookSignature.Sign(secret, timestamp, delivery.Body).Split(',')[1]);
            request.Headers.Add(WebhookSignature.Header, $"t={timestamp.ToString(CultureInfo.InvariantCulture)}," + string.Join(',', signatures));
            request.Headers.Add("VirtualCore-Event", delivery.Event);
            request.Headers.Add("VirtualCore-Event-Id", delivery.EventId.ToString());
            request.Headers.Add("VirtualCore-Delivery", delivery.Id.ToString(CultureInfo.InvariantCulture));
            request.Headers.UserAgent.ParseAdd("VirtualCore-Webhooks/1.0");
            using var response = await http.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            status = (int)response.StatusCode;
            error = response.IsSuccessStatusCode ? null : $"The receiver answered {status} {response.ReasonPhrase}.";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException && !cancellationToken.IsCancellationRequested)
        {
            error = e is TaskCanceledException ? $"The receiver did not answer within {options.Value.Timeout.TotalSeconds:0} s." : e.Message;
        }

        var ended = clock.GetUtcNow();
        delivery.Attempts++;
        delivery.LastStatusCode = status;
        if (error is null)
        {
            delivery.DeliveredAt = ended;
            delivery.LastError = null;
        }
        else
        {
            delivery.LastError = error.Length > 500 ? error[..500] : error;
            delivery.NextAttemptAt = ended + options.Value.RetryPause(delivery.Attempts);
            delivery.Abandoned = delivery.NextAttemptAt - delivery.CreatedAt > GiveUpAfter;
            logger.LogInformation("Webhook delivery {Id} ({Event}) not taken (attempt {Attempts}{Abandoned}): {Error}", delivery.Id, delivery.Event, delivery.Attempts, delivery.Abandoned ? ", abandoned" : "", delivery.LastError);
        }

        return new WebhookAttempt { DeliveryId = delivery.Id, At = started, StatusCode = status, Error = error is null ? null : delivery.LastError, DurationMs = (int)watch.ElapsedMilliseconds };
    }
}
