using System.Globalization;
using System.Text.Json;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using VirtualCore.Framework.Leadership;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Webhooks;
using VirtualCore.Modules.Monitoring.Contracts;
using VirtualCore.Modules.Monitoring.Domain;

namespace VirtualCore.Modules.Monitoring.Features;

/// <summary>
/// The SMTP server alerts are mailed through: <c>Smtp:Host</c> (none: no e-mail), <c>Smtp:Port</c> (25), <c>Smtp:Security</c>
/// (auto, none, starttls, tls), <c>Smtp:UserName</c> and <c>Smtp:Password</c> when it wants them, <c>Smtp:From</c>.
/// </summary>
public sealed class SmtpOptions
{
    public string? Host { get; set; }

    public int Port { get; set; } = 25;

    public string Security { get; set; } = "auto";

    public string? UserName { get; set; }

    public string? Password { get; set; }

    public string From { get; set; } = "VirtualCore <alerts@localhost>";
}

internal static class AlertEvents
{
    public const string Fired = "alert.fired";
    public const string Resolved = "alert.resolved";
}

/// <summary>Queues an alert's notifications to its rule's addresses and webhook, in the caller's unit of work.</summary>
internal sealed class AlertNotifications(PortalDbContext db, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public void Queue(AlertRule rule, Alert alert, string @event)
    {
        var now = clock.GetUtcNow();
        var view = AlertRuleHandlers.View(alert);
        foreach (var address in rule.EmailList)
        {
            db.Add(new AlertDelivery
            {
                AlertId = alert.Id,
                RuleId = rule.Id,
                Channel = AlertDelivery.Email,
                Target = address,
                Event = @event,
                Payload = Subject(view, @event) + "\n" + Text(view, @event),
                CreatedAt = now,
                NextAttemptAt = now,
            });
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

    public static string Subject(AlertView alert, string @event) =>
        $"[{(@event == AlertEvents.Fired ? "Firing" : "Resolved")}] {alert.RuleName}: {alert.SubjectName}";

    public static string Text(AlertView alert, string @event)
    {
        var what = Describe(alert.Condition, alert.Value, alert.Threshold);
        return @event == AlertEvents.Fired
            ? $"{alert.SubjectName}: {what}.\r\nFiring since {alert.FiredAt:yyyy-MM-dd HH:mm:ss} UTC (rule \"{alert.RuleName}\").\r\n"
            : $"{alert.SubjectName}: resolved at {alert.ResolvedAt:yyyy-MM-dd HH:mm:ss} UTC. {alert.Resolution}\r\nIt fired at {alert.FiredAt:yyyy-MM-dd HH:mm:ss} UTC; highest figure: {Figure(alert.Condition, alert.Peak)}.\r\n";
    }

    /// <summary>The condition in words, e.g. "CPU at 95.2 %, above 90 %".</summary>
    public static string Describe(string condition, double? value, double? threshold) => condition switch
    {
        AlertConditions.Stopped => "not running, although nobody stopped it",
        AlertConditions.Offline => "its agent does not report",
        _ => $"{Label(condition)} at {Figure(condition, value)}, above {Figure(condition, threshold)}",
    };

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
    IOptions<SmtpOptions> smtp,
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
                var pause = TimeSpan.FromSeconds(Math.Min(3_600, 10 * Math.Pow(2, Math.Min(delivery.Attempts - 1, 20))));
                delivery.NextAttemptAt = clock.GetUtcNow() + pause;
                delivery.Abandoned = rule is null || delivery.NextAttemptAt - delivery.CreatedAt > AlertDeliveryService.GiveUpAfter;
                logger.LogInformation("Alert notification {Id} to {Channel} not delivered (attempt {Attempts}): {Error}", delivery.Id, delivery.Channel, delivery.Attempts, delivery.LastError);
            }

            await db.SaveChangesAsync(cancellationToken);
        }

        return delivered;
    }

    private async Task<string?> MailAsync(AlertDelivery delivery, CancellationToken cancellationToken)
    {
        var options = smtp.Value;
        if (string.IsNullOrEmpty(options.Host))
        {
            return "No SMTP server is configured (Smtp:Host).";
        }

        var (subject, text) = (delivery.Payload[..delivery.Payload.IndexOf('\n', StringComparison.Ordinal)], delivery.Payload[(delivery.Payload.IndexOf('\n', StringComparison.Ordinal) + 1)..]);
        using var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(options.From));
        message.To.Add(MailboxAddress.Parse(delivery.Target));
        message.Subject = subject;
        message.Headers.Add("X-VirtualCore-Event", delivery.Event);
        message.Body = new TextPart("plain") { Text = text };
        using var client = new SmtpClient { Timeout = 15_000 };
        var security = options.Security.ToLowerInvariant() switch
        {
            "none" => SecureSocketOptions.None,
            "starttls" => SecureSocketOptions.StartTls,
            "tls" => SecureSocketOptions.SslOnConnect,
            _ => SecureSocketOptions.Auto,
        };
        await client.ConnectAsync(options.Host, options.Port, security, cancellationToken);
        if (!string.IsNullOrEmpty(options.UserName))
        {
            await client.AuthenticateAsync(options.UserName, options.Password ?? "", cancellationToken);
        }

        await client.SendAsync(message, cancellationToken);
        await client.DisconnectAsync(true, cancellationToken);
        return null;
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
