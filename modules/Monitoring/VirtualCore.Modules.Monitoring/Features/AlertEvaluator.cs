using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VirtualCore.Framework.Leadership;
using VirtualCore.Framework.Persistence;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Infrastructure.Contracts;
using VirtualCore.Modules.Monitoring.Contracts;
using VirtualCore.Modules.Monitoring.Domain;

namespace VirtualCore.Modules.Monitoring.Features;

/// <summary>Evaluates the alert rules on the leader, every <see cref="AlertOptions.EvaluationInterval"/> (zero: never), and prunes the history hourly.</summary>
internal sealed class AlertEvaluator(IServiceScopeFactory scopes, ILeaderLease lease, IOptions<AlertOptions> options, UsageGauges gauges, TimeProvider clock, ILogger<AlertEvaluator> logger)
    : LeaderTimer(scopes, lease, clock, logger)
{
    private DateTimeOffset _pruned;

    protected override TimeSpan Interval => options.Value.EvaluationInterval;

    protected override string Duty => "evaluate the alert rules";

    protected override async Task RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var engine = services.GetRequiredService<AlertEngine>();
        var now = Clock.GetUtcNow();
        var started = Clock.GetTimestamp();
        await engine.EvaluateAsync(now, cancellationToken);
        gauges.AlertEvaluation.Record(Clock.GetElapsedTime(started).TotalSeconds);
        if (now - _pruned >= TimeSpan.FromHours(1))
        {
            await engine.PruneAsync(now, cancellationToken);
            _pruned = now;
        }
    }
}

/// <summary>
/// One evaluation of every enabled rule against the newest figures and states. A condition that starts to hold makes
/// a pending alert; it fires once it has held for the rule's duration without a break (every sample since the last
/// evaluation above the threshold), and resolves only when the figure falls below the rule's lower "clear" level
/// (hysteresis: a figure that hovers around the threshold does not fire and resolve over and over). A pending alert
/// whose condition stops holding is dropped. Firing and resolving queue the rule's notifications in the same transaction.
/// </summary>
internal sealed class AlertEngine(PortalDbContext db, IVmFacts facts, ISender sender, AlertNotifications notifications, IOptions<AlertOptions> options, ILogger<AlertEngine> logger)
{
    private const double GiB = 1L << 30;

    /// <summary>What one subject shows now: whether the condition holds, whether it has cleared, and the figure.</summary>
    /// <param name="Holds">Holds without a break since the last evaluation; null when nothing new is known.</param>
    /// <param name="Cleared">Below the clear level (or the state is over).</param>
    /// <param name="Since">Since when it holds, when that is known (a state's change); else the evaluation's time.</param>
    private sealed record Observation(bool? Holds, bool Cleared, double? Value, double? Peak, DateTimeOffset? Since, DateTimeOffset? SeenAt);

    /// <summary>Evaluates every enabled rule at <paramref name="now"/>; returns how many alerts fired or resolved.</summary>
    public async Task<int> EvaluateAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var rules = await db.Set<AlertRule>().IgnoreQueryFilters().Where(r => r.Enabled).ToListAsync(cancellationToken);
        var open = (await db.Set<Alert>().IgnoreQueryFilters().Where(a => a.State != AlertStates.Resolved).ToListAsync(cancellationToken))
            .GroupBy(a => (a.RuleId, a.Subject)).ToDictionary(g => g.Key, g => g.OrderByDescending(a => a.PendingSince).First());
        if (rules.Count == 0 && open.Count == 0)
        {
            return 0;
        }

        // Samples since the previous evaluation (at least the last two intervals' worth), so a dip between evaluations counts.
        var window = Math.Max(options.Value.EvaluationInterval.TotalSeconds, 10) + 10;
        var from = now.ToUnixTimeSeconds() - (long)window;
        var vmFacts = await VmFactsAsync(rules, cancellationToken);
        var nodes = rules.Any(r => r.Scope == AlertScopes.Node) ? await sender.Send(new ListRackServers(), cancellationToken) : [];
        var samples = await SamplesAsync(rules, vmFacts, nodes, from, cancellationToken);
        var traffic = rules.Any(r => r.Condition == AlertConditions.Traffic) ? await TrafficAsync(vmFacts, now, cancellationToken) : [];

        var changes = 0;
        var watched = new HashSet<(Guid, string)>();
        foreach (var rule in rules)
        {
            foreach (var (subject, name, resellerId, customerId) in Subjects(rule, vmFacts, nodes))
            {
                watched.Add((rule.Id, subject));
                var observation = Observe(rule, subject, vmFacts, nodes, samples, traffic, now);
                open.TryGetValue((rule.Id, subject), out var alert);
                changes += await StepAsync(rule, alert, observation, subject, name, resellerId, customerId, now, cancellationToken);
            }
        }

        // Open alerts of rules that no longer watch their subject (a VM deleted or moved to another customer).
        foreach (var ((ruleId, subject), alert) in open.Where(o => !watched.Contains(o.Key)))
        {
            if (alert.State == Alert.Pending)
            {
                db.Remove(alert);
            }
            else if (rules.FirstOrDefault(r => r.Id == ruleId) is { } rule)
            {
                changes += await ResolveAsync(rule, alert, now, "Nothing watches it any more: the VM or rack server is gone.", cancellationToken);
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        if (changes > 0)
        {
            logger.LogInformation("{Count} alerts fired or resolved", changes);
        }

        return changes;
    }

    /// <summary>How long resolved alerts stay in the history, and sent or abandoned notifications in the log.</summary>
    public static readonly TimeSpan HistoryKept = TimeSpan.FromDays(400);

    public static readonly TimeSpan DeliveriesKept = TimeSpan.FromDays(30);

    /// <summary>Forgets resolved alerts older than <see cref="HistoryKept"/> and finished notifications older than <see cref="DeliveriesKept"/>.</summary>
    public async Task<int> PruneAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var deliveries = now - DeliveriesKept;
        var history = now - HistoryKept;
        return await db.Set<AlertDelivery>().Where(d => (d.DeliveredAt != null && d.DeliveredAt < deliveries) || (d.Abandoned && d.CreatedAt < deliveries)).ExecuteDeleteAsync(cancellationToken)
            + await db.Set<Alert>().IgnoreQueryFilters().Where(a => a.State == AlertStates.Resolved && a.ResolvedAt < history).ExecuteDeleteAsync(cancellationToken);
    }

    private async Task<int> StepAsync(AlertRule rule, Alert? alert, Observation seen, string subject, string name, Guid resellerId, Guid customerId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (alert is not null && seen.SeenAt is { } seenAt && seenAt > alert.LastSeenAt)
        {
            alert.LastSeenAt = seenAt;
        }

        if (seen.Holds == true)
        {
            if (alert is null)
            {
                alert = new Alert
                {
                    Id = Guid.NewGuid(),
                    ResellerId = resellerId,
                    CustomerId = customerId,
                    RuleId = rule.Id,
                    RuleName = rule.Name,
                    Condition = rule.Condition,
                    Subject = subject,
                    SubjectName = name,
                    State = Alert.Pending,
                    Threshold = rule.Threshold,
                    PendingSince = seen.Since ?? now,
                    LastSeenAt = seen.SeenAt ?? now,
                };
                db.Add(alert);
            }

            alert.SubjectName = name;
            alert.Peak = Max(alert.Peak, seen.Peak ?? seen.Value);
            if (alert.State == Alert.Pending)
            {
                alert.Value = seen.Value;
                if (now - alert.PendingSince >= TimeSpan.FromSeconds(rule.DurationSeconds))
                {
                    alert.State = AlertStates.Firing;
                    alert.FiredAt = now;
                    await notifications.QueueAsync(rule, alert, AlertEvents.Fired, cancellationToken);
                    return 1;
                }
            }

            return 0;
        }

        if (alert is null)
        {
            return 0;
        }

        if (seen.Holds == false && alert.State == Alert.Pending)
        {
            db.Remove(alert);
            return 0;
        }

        if (alert.State == Alert.Pending)
        {
            // Nothing new about a pending alert: it stays pending while figures may still come, and goes once they are stale.
            if (now - alert.LastSeenAt > options.Value.StaleAfter)
            {
                db.Remove(alert);
            }

            return 0;
        }

        alert.Peak = Max(alert.Peak, seen.Peak);
        if (seen.Cleared)
        {
            return await ResolveAsync(rule, alert, now, rule.Condition switch
            {
                AlertConditions.Stopped => "The VM runs again, or was stopped on purpose.",
                AlertConditions.Offline => "The rack server's agent reports again.",
                _ => $"{AlertNotifications.Label(rule.Condition)} fell to {AlertNotifications.Figure(rule.Condition, seen.Value)}, below {AlertNotifications.Figure(rule.Condition, rule.ClearBelow)}.",
            }, cancellationToken);
        }

        if (seen.Holds is null && now - alert.LastSeenAt > options.Value.StaleAfter)
        {
            return await ResolveAsync(rule, alert, now, $"No figures have arrived for {options.Value.StaleAfter.TotalMinutes:0} minutes (the VM stopped or is gone).", cancellationToken);
        }

        return 0;
    }

    private async Task<int> ResolveAsync(AlertRule rule, Alert alert, DateTimeOffset now, string why, CancellationToken cancellationToken)
    {
        alert.Resolve(now, why);
        await notifications.QueueAsync(rule, alert, AlertEvents.Resolved, cancellationToken);
        return 1;
    }

    private static double? Max(double? a, double? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);

    private Observation Observe(
        AlertRule rule,
        string subject,
        IReadOnlyDictionary<string, VmFact> vms,
        IReadOnlyList<RackServerView> nodes,
        IReadOnlyDictionary<(string Kind, string Subject), List<(long At, byte[] Data)>> samples,
        IReadOnlyDictionary<string, double> traffic,
        DateTimeOffset now)
    {
        switch (rule.Condition)
        {
            case AlertConditions.Stopped:
                {
                    var vm = vms[subject];
                    return new Observation(vm.ShouldRun, !vm.ShouldRun, null, null, vm.ShouldRun ? vm.StateChangedAt : null, now);
                }

            case AlertConditions.Offline:
                {
                    var node = nodes.Single(n => n.Name == subject);
                    return new Observation(!node.Online, node.Online, null, null, node.Online ? null : node.LastHeartbeatAt, now);
                }

            case AlertConditions.Traffic:
                {
                    var gib = traffic.GetValueOrDefault(subject) / GiB;
                    return new Observation(gib > rule.Threshold, gib < rule.ClearBelow, gib, gib, null, now);
                }
        }

        var kind = rule.Scope == AlertScopes.Node ? MetricSeries.NodeKind : MetricSeries.VmKind;
        if (!samples.TryGetValue((kind, subject), out var points) || points.Count == 0)
        {
            return new Observation(null, false, null, null, null, null);
        }

        var values = points.Select(p => Figure(rule.Condition, p.Data)).Where(v => !double.IsNaN(v)).ToList();
        if (values.Count == 0)
        {
            return new Observation(null, false, null, null, null, null);
        }

        var latest = values[^1];
        var seenAt = DateTimeOffset.FromUnixTimeSeconds(points[^1].At);
        return new Observation(values.Min() > rule.Threshold, latest < rule.ClearBelow, latest, values.Max(), null, seenAt);
    }

    /// <summary>The figure a condition compares, from one raw sample: percent for CPU and memory, bytes per second otherwise.</summary>
    private static double Figure(string condition, byte[] data)
    {
        switch (condition)
        {
            case AlertConditions.Memory:
                var used = MetricData.Read(data, MetricData.IndexOf(MetricNames.Memory)).Avg;
                var total = MetricData.Read(data, MetricData.IndexOf(MetricNames.MemoryTotal)).Avg;
                return total > 0 ? used * 100.0 / total : double.NaN;
            default:
                return MetricData.Read(data, MetricData.IndexOf(condition)).Avg;
        }
    }

    /// <summary>Who each rule watches now: (subject, its name, its reseller and customer).</summary>
    private static IEnumerable<(string Subject, string Name, Guid ResellerId, Guid CustomerId)> Subjects(AlertRule rule, IReadOnlyDictionary<string, VmFact> vms, IReadOnlyList<RackServerView> nodes) =>
        rule.Scope switch
        {
            AlertScopes.Vm => vms.TryGetValue(rule.Subject, out var vm) && vm.CustomerId == rule.CustomerId ? [(rule.Subject, vm.Name, vm.ResellerId, vm.CustomerId)] : [],
            AlertScopes.Customer => vms.Values.Where(v => v.CustomerId == rule.CustomerId && v.ResellerId == rule.ResellerId)
                .Select(v => (UsageIngest.SubjectOf(v.VmId), v.Name, v.ResellerId, v.CustomerId)),
            _ => nodes.Where(n => rule.Subject == "*" || n.Name == rule.Subject).Select(n => (n.Name, n.Name, Guid.Empty, Guid.Empty)),
        };

    private async Task<IReadOnlyDictionary<string, VmFact>> VmFactsAsync(IReadOnlyList<AlertRule> rules, CancellationToken cancellationToken)
    {
        var vmIds = rules.Where(r => r.Scope == AlertScopes.Vm).Select(r => Guid.Parse(r.Subject)).ToList();
        var customers = rules.Where(r => r.Scope == AlertScopes.Customer).Select(r => r.CustomerId).ToList();
        if (vmIds.Count == 0 && customers.Count == 0)
        {
            return new Dictionary<string, VmFact>();
        }

        return (await facts.ListAsync(vmIds, customers, cancellationToken)).ToDictionary(f => UsageIngest.SubjectOf(f.VmId));
    }

    /// <summary>The raw samples since <paramref name="from"/> of every VM and rack server a figure rule watches, oldest first.</summary>
    private async Task<Dictionary<(string Kind, string Subject), List<(long At, byte[] Data)>>> SamplesAsync(
        IReadOnlyList<AlertRule> rules, IReadOnlyDictionary<string, VmFact> vms, IReadOnlyList<RackServerView> nodes, long from, CancellationToken cancellationToken)
    {
        var figureRules = rules.Where(r => AlertConditions.HasThreshold(r.Condition) && r.Condition != AlertConditions.Traffic).ToList();
        var subjects = figureRules.SelectMany(r => Subjects(r, vms, nodes).Select(s => (Kind: r.Scope == AlertScopes.Node ? MetricSeries.NodeKind : MetricSeries.VmKind, s.Subject))).ToHashSet();
        var result = new Dictionary<(string, string), List<(long, byte[])>>();
        if (subjects.Count == 0)
        {
            return result;
        }

        var series = new Dictionary<int, (string, string)>();
        foreach (var chunk in subjects.Select(s => s.Subject).Distinct().Chunk(500))
        {
            var rows = await db.Set<MetricSeries>().IgnoreQueryFilters().AsNoTracking().Where(s => chunk.Contains(s.Subject)).Select(s => new { s.Id, s.Kind, s.Subject }).ToListAsync(cancellationToken);
            rows.Where(r => subjects.Contains((r.Kind, r.Subject))).ToList().ForEach(r => series[r.Id] = (r.Kind, r.Subject));
        }

        foreach (var chunk in series.Keys.Chunk(500))
        {
            var points = await db.Set<MetricPoint>().AsNoTracking()
                .Where(p => p.Tier == 0 && p.BucketStart >= from && chunk.Contains(p.SeriesId))
                .Select(p => new { p.SeriesId, p.BucketStart, p.Data })
                .ToListAsync(cancellationToken);
            foreach (var point in points.OrderBy(p => p.BucketStart))
            {
                var key = series[point.SeriesId];
                if (!result.TryGetValue(key, out var list))
                {
                    result[key] = list = [];
                }

                list.Add((point.BucketStart, point.Data));
            }
        }

        return result;
    }

    /// <summary>This month's traffic (received and sent, bytes) of the VMs traffic rules watch.</summary>
    private async Task<Dictionary<string, double>> TrafficAsync(IReadOnlyDictionary<string, VmFact> vms, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var month = (now.UtcDateTime.Year * 100) + now.UtcDateTime.Month;
        var result = new Dictionary<string, double>();
        foreach (var chunk in vms.Keys.Chunk(500))
        {
            var rows = await db.Set<TrafficMonth>().AsNoTracking()
                .Where(t => t.Month == month)
                .Join(db.Set<MetricSeries>().IgnoreQueryFilters().Where(s => s.Kind == MetricSeries.VmKind && chunk.Contains(s.Subject)), t => t.SeriesId, s => s.Id, (t, s) => new { s.Subject, t.InBytes, t.OutBytes })
                .ToListAsync(cancellationToken);
            rows.ForEach(r => result[r.Subject] = (double)r.InBytes + r.OutBytes);
        }

        return result;
    }
}
