using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VirtualCore.Framework.Leadership;
using VirtualCore.Framework.Localisation;
using VirtualCore.Framework.Mail;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Webhooks;
using VirtualCore.Modules.Monitoring.Contracts;
using VirtualCore.Modules.Monitoring.Domain;

namespace VirtualCore.Modules.Monitoring.Features;

internal static class AlertEvents
{
    public const string Fired = "alert.fired";
    public const string Resolved = "alert.resolved";
}

/// <summary>Queues an alert's notifications to its rule's addresses and webhook, in the caller's unit of work.</summary>
internal sealed class AlertNotifications(PortalDbContext db, TimeProvider clock, PortalTexts texts, IResellerLanguages languages)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Queues the e-mails in the language of the rule's portal, worded as that portal's theme words it; the webhook's
    /// body stays data (English keys and figures) for the program that receives it.
    /// </summary>
    public async Task QueueAsync(AlertRule rule, Alert alert, string @event, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var view = AlertRuleHandlers.View(alert);
        if (rule.EmailList.Count > 0)
        {
            var (language, theme) = await languages.OfAsync(rule.ResellerId, cancellationToken);
            Say say = (text, values) => texts.Format(text, language, theme, values);
            var payload = Subject(view, @event, say) + "\n" + Text(view, @event, say);
            foreach (var address in rule.EmailList)
            {
                db.Add(new AlertDelivery
                {
                    AlertId = alert.Id,
                    RuleId = rule.Id,
                    Channel = AlertDelivery.Email,
                    Target = address,
                    Event = @event,
                    Payload = payload,
                    CreatedAt = now,
                    NextAttemptAt = now,
                });
            }
        }

        if (rule.WebhookUrl is { } url)
        {
            db.Add(new AlertDelivery
            {
                AlertId = alert.Id,
                RuleId = rule.Id,
                Channel = AlertDelivery.Webhook,
                Target = url,
                Event = @event,
                Payload = JsonSerializer.Serialize(new { type = @event, occurredAt = now, alert = view }, Json),
                CreatedAt = now,
                NextAttemptAt = now,
            });
        }
    }

    /// <summary>Says a text with placeholders in a language: translated, then filled.</summary>
    public delegate string Say(string text, params object?[] values);

    private static string English(string text, params object?[] values) => TextCatalogue.Fill(text, values);

    public static string Subject(AlertView alert, string @event, Say? say = null)
    {
        say ??= English;
        return say(@event == AlertEvents.Fired ? "[Firing] {0}: {1}" : "[Resolved] {0}: {1}", alert.RuleName, alert.SubjectName);
    }

    public static string Text(AlertView alert, string @event, Say? say = null)
    {
        say ??= English;
        var what = Describe(alert.Condition, alert.Value, alert.Threshold, say);
        var at = (DateTimeOffset? moment) => moment?.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "";
        return @event == AlertEvents.Fired
            ? say("{0}: {1}.\r\nFiring since {2} UTC (rule \"{3}\").\r\n", alert.SubjectName, what, at(alert.FiredAt), alert.RuleName)
            : say("{0}: resolved at {1} UTC. {2}\r\nIt fired at {3} UTC; highest figure: {4}.\r\n", alert.SubjectName, at(alert.ResolvedAt), alert.Resolution is { } resolution ? say(resolution) : "", at(alert.FiredAt), Figure(alert.Condition, alert.Peak));
    }

    /// <summary>The condition in words, e.g. "CPU at 95.2 %, above 90 %".</summary>
    public static string Describe(string condition, double? value, double? threshold, Say? say = null)
    {
        say ??= English;
        return condition switch
        {
            AlertConditions.Stopped => say("not running, although nobody stopped it"),
            AlertConditions.Offline => say("its agent does not report"),
            _ => say("{0} at {1}, above {2}", say(Label(condition)), Figure(condition, value), Figure(condition, threshold)),
        };
    }

    public static string Label(string condition) => condition switch
    {
        AlertConditions.Cpu => "CPU",
        AlertConditions.Memory => "memory used",
        AlertConditions.DiskRead => "disk reads",
        AlertConditions.DiskWrite => "disk writes",
        AlertConditions.NetIn => "traffic in",
        AlertConditions.NetOut => "traffic out",
        AlertConditions.Traffic => "this month's traffic",
        AlertConditions.Stopped => "stopped",
        _ => "offline",
    };

    public static string Figure(string condition, double? value) => value is not { } v ? "–" : condition switch
    {
        AlertConditions.Cpu or AlertConditions.Memory => v.ToString("0.#", CultureInfo.InvariantCulture) + " %",
        AlertConditions.Traffic => v.ToString("#,0.##", CultureInfo.InvariantCulture) + " GiB",
        AlertConditions.Stopped or AlertConditions.Offline => "–",
        _ => Rate(v),
    };

    private static string Rate(double bytesPerSecond) => bytesPerSecond switch
    {
        >= 1 << 30 => (bytesPerSecond / (1 << 30)).ToString("0.##", CultureInfo.InvariantCulture) + " GiB/s",
        >= 1 << 20 => (bytesPerSecond / (1 << 20)).ToString("0.##", CultureInfo.InvariantCulture) + " MiB/s",
        >= 1 << 10 => (bytesPerSecond / (1 << 10)).ToString("0.##", CultureInfo.InvariantCulture) + " KiB/s",
        _ => bytesPerSecond.ToString("0", CultureInfo.InvariantCulture) + " B/s",
    };
}

/// <summary>
/// Sends queued notifications on the leader: the oldest undelivered one of each target first (so a receiver sees an
/// alert's firing before its resolution), retried with growing pauses (10 s, 20 s, 40 s … at most an hour apart) for
/// 24 hours, then abandoned with the reason kept.
/// </summary>
internal sealed class AlertDeliveryService(IServiceScopeFactory scopes, ILeaderLease lease, TimeProvider clock, ILogger<AlertDeliveryService> logger)
    : LeaderTimer(scopes, lease, clock, logger)
{
    public static readonly TimeSpan GiveUpAfter = TimeSpan.FromHours(24);

    protected override TimeSpan Interval => TimeSpan.FromSeconds(1);

    protected override string Duty => "send alert notifications";

    protected override Task RunAsync(IServiceProvider services, CancellationToken cancellationToken) =>
        services.GetRequiredService<AlertSender>().SendDueAsync(cancellationToken);
}

/// <summary>Sends what is due, one round.</summary>
internal sealed class AlertSender(
    PortalDbContext db,
    IHttpClientFactory http,
    IOptions<WebhookOptions> options,
    IMailer mailer,
    TimeProvider clock,
    ILogger<AlertSender> logger)
{
    public const string HttpClientName = "alert-webhooks";

    /// <summary>Sends every due notification; returns how many were delivered.</summary>
    public async Task<int> SendDueAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var open = await db.Set<AlertDelivery>()
            .Where(d => d.DeliveredAt == null && !d.Abandoned)
            .OrderBy(d => d.Id)
            .Take(500)
            .ToListAsync(cancellationToken);
        var due = open.GroupBy(d => (d.Channel, d.Target)).Select(g => g.First()).Where(d => d.NextAttemptAt <= now).ToList();
        var ruleIds = due.Select(d => d.RuleId).Distinct().ToList();
        var rules = due.Count == 0 ? [] : await db.Set<AlertRule>().IgnoreQueryFilters().AsNoTracking().Where(r => ruleIds.Contains(r.Id)).ToDictionaryAsync(r => r.Id, cancellationToken);
        var delivered = 0;
        foreach (var delivery in due)
        {
            var rule = rules.GetValueOrDefault(delivery.RuleId);
            string? error;
            try
            {
                error = delivery.Channel == AlertDelivery.Email
                    ? await MailAsync(delivery, cancellationToken)
                    : await PostAsync(delivery, rule?.WebhookSecret, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                error = e.Message;
            }

            delivery.Attempts++;
            if (error is null)
            {
                delivery.DeliveredAt = clock.GetUtcNow();
                delivery.LastError = null;
                delivered++;
            }
            else
            {
                delivery.LastError = error.Length > 500 ? error[..500] : error;
                delivery.NextAttemptAt = clock.GetUtcNow() + options.Value.RetryPause(delivery.Attempts);
                delivery.Abandoned = rule is null || delivery.NextAttemptAt - delivery.CreatedAt > AlertDeliveryService.GiveUpAfter;
                logger.LogInformation("Alert notification {Id} to {Channel} not delivered (attempt {Attempts}): {Error}", delivery.Id, delivery.Channel, delivery.Attempts, delivery.LastError);
            }

            await db.SaveChangesAsync(cancellationToken);
        }

        return delivered;
    }

    private async Task<string?> MailAsync(AlertDelivery delivery, CancellationToken cancellationToken)
    {
        var (subject, text) = (delivery.Payload[..delivery.Payload.IndexOf('\n', StringComparison.Ordinal)], delivery.Payload[(delivery.Payload.IndexOf('\n', StringComparison.Ordinal) + 1)..]);
        return await mailer.SendAsync(delivery.Target, subject, text, delivery.Event, cancellationToken);
    }

    private async Task<string?> PostAsync(AlertDelivery delivery, string? secret, CancellationToken cancellationToken)
    {
        if (secret is null)
        {
            return "The rule was deleted.";
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Target)
        {
            Content = new StringContent(delivery.Payload, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(secret, clock.GetUtcNow().ToUnixTimeSeconds(), delivery.Payload));
        request.Headers.Add("VirtualCore-Event", delivery.Event);
        request.Headers.Add("VirtualCore-Delivery", delivery.Id.ToString(CultureInfo.InvariantCulture));
        using var response = await http.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        return response.IsSuccessStatusCode ? null : $"The receiver answered {(int)response.StatusCode} {response.ReasonPhrase}.";
    }
}
