using System.Net.Mail;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VirtualCore.Framework.Mail;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Framework.Webhooks;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Infrastructure.Contracts;
using VirtualCore.Modules.Monitoring.Contracts;
using VirtualCore.Modules.Monitoring.Domain;

namespace VirtualCore.Modules.Monitoring.Features;

/// <summary>Alerts: <c>Alerts:EvaluationInterval</c> (10 s), <c>Alerts:MaxRules</c> per customer (100).</summary>
public sealed class AlertOptions
{
    public TimeSpan EvaluationInterval { get; set; } = TimeSpan.FromSeconds(10);

    public int MaxRules { get; set; } = 100;

    /// <summary>An open alert about figures resolves when none have arrived for this long (the VM stopped or went away).</summary>
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>Every field of a new rule, each refusal naming the field.</summary>
internal sealed class CreateAlertRuleValidator(IOptions<SmtpOptions> smtp, IOptions<WebhookOptions> webhooks) : IValidator<CreateAlertRule>
{
    public const int MaxEmails = 5;

    public ValueTask<IReadOnlyList<FieldError>> ValidateAsync(CreateAlertRule request, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 80 || name.Any(char.IsControl))
        {
            errors.Add(new("name", "Name the rule (1 to 80 characters, no control characters)."));
        }

        if (!AlertScopes.All.Contains(request.Scope))
        {
            errors.Add(new("scope", "Choose vm, customer or node."));
        }

        if (!AlertConditions.All.Contains(request.Condition))
        {
            errors.Add(new("condition", "Choose one of: " + string.Join(", ", AlertConditions.All) + "."));
        }
        else if (request.Condition is AlertConditions.Traffic or AlertConditions.Stopped && request.Scope == AlertScopes.Node)
        {
            errors.Add(new("condition", $"{request.Condition} watches VMs, not rack servers."));
        }
        else if (request.Condition == AlertConditions.Offline && request.Scope is AlertScopes.Vm or AlertScopes.Customer)
        {
            errors.Add(new("condition", "offline watches rack servers; for a VM use stopped."));
        }

        switch (request.Scope)
        {
            case AlertScopes.Vm when !Guid.TryParse(request.Subject, out _):
                errors.Add(new("subject", "Give the VM's id."));
                break;
            case AlertScopes.Node when request.Subject is not { Length: > 0 and <= 63 } node || (node != "*" && !node.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_')):
                errors.Add(new("subject", "Give a rack server's name, or * for every rack server."));
                break;
            case AlertScopes.Customer when !string.IsNullOrEmpty(request.Subject):
                errors.Add(new("subject", "A customer-wide rule watches all of the customer's VMs; leave the subject out."));
                break;
        }

        if (request.Condition is { } condition && AlertConditions.All.Contains(condition))
        {
            ValidateThreshold(request, condition, errors);
        }

        if (request.DurationSeconds is < 0 or > 86_400)
        {
            errors.Add(new("durationSeconds", "The condition may have to hold 0 to 86,400 seconds (a day) before the alert fires."));
        }

        var emails = request.Emails ?? [];
        if (emails.Count > MaxEmails)
        {
            errors.Add(new("emails", $"At most {MaxEmails} addresses."));
        }
        else if (emails.FirstOrDefault(e => !IsAddress(e)) is { } bad)
        {
            errors.Add(new("emails", $"'{Shorten(bad)}' is not an e-mail address."));
        }
        else if (emails.Count > 0 && string.IsNullOrEmpty(smtp.Value.Host))
        {
            errors.Add(new("emails", "This portal sends no e-mail: its operator has not configured an SMTP server (Smtp:Host)."));
        }

        if (request.WebhookUrl is not null && WebhookAddressGuard.Refusal(request.WebhookUrl, webhooks.Value) is { } refusal)
        {
            errors.Add(new("webhookUrl", refusal));
        }

        return ValueTask.FromResult<IReadOnlyList<FieldError>>(errors);
    }

    private static void ValidateThreshold(CreateAlertRule request, string condition, List<FieldError> errors)
    {
        if (!AlertConditions.HasThreshold(condition))
        {
            if (request.Threshold is not null || request.ClearBelow is not null)
            {
                errors.Add(new("threshold", $"{condition} is a state and has no threshold; set only how long it must last."));
            }

            return;
        }

        var (max, unit) = condition switch
        {
            AlertConditions.Cpu or AlertConditions.Memory => (100d, "percent"),
            AlertConditions.Traffic => (1_000_000d, "GiB a month"),
            _ => (1e12, "bytes per second"),
        };
        if (request.Threshold is not { } threshold || !double.IsFinite(threshold) || threshold <= 0 || threshold > max)
        {
            errors.Add(new("threshold", $"Give a threshold above 0 and at most {max:#,0} ({unit})."));
            return;
        }

        if (request.ClearBelow is { } clear && (!double.IsFinite(clear) || clear < 0 || clear > threshold))
        {
            errors.Add(new("clearBelow", "The alert resolves below a figure from 0 up to the threshold."));
        }
    }

    private static bool IsAddress(string? value) =>
        value is { Length: > 0 and <= 254 } && !value.Any(char.IsControl) && !value.Contains(',')
        && MailAddress.TryCreate(value, out var address) && address.Address == value && string.IsNullOrEmpty(address.DisplayName)
        && address.Host.Contains('.');

    private static string Shorten(string? value) => value is null ? "" : value.Length > 40 ? value[..40] + "…" : value;
}

/// <summary>The alert list's filter and page size.</summary>
internal sealed class ListAlertsValidator : IValidator<ListAlerts>
{
    public ValueTask<IReadOnlyList<FieldError>> ValidateAsync(ListAlerts request, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        if (request.State is not (null or "open") && !AlertStates.All.Contains(request.State))
        {
            errors.Add(new("state", "Choose open, firing, acknowledged or resolved, or leave it out for all."));
        }

        if (request.Limit is < 1 or > 500)
        {
            errors.Add(new("limit", "Ask for 1 to 500 alerts."));
        }

        return ValueTask.FromResult<IReadOnlyList<FieldError>>(errors);
    }
}

/// <summary>Alert rules and alerts, as the caller may see and change them.</summary>
internal sealed class AlertRuleHandlers(
    PortalDbContext db,
    ITenantContext tenant,
    IVmGuard guard,
    IVmFacts facts,
    IResourceAccess access,
    ISender sender,
    IOptions<AlertOptions> options,
    ISecurityAudit audit,
    AlertNotifications notifications,
    TimeProvider clock) :
    ICommandHandler<CreateAlertRule, CreatedAlertRule>,
    ICommandHandler<SetAlertRuleEnabled, AlertRuleView>,
    ICommandHandler<DeleteAlertRule>,
    IQueryHandler<ListAlertRules, IReadOnlyList<AlertRuleView>>,
    IQueryHandler<ListAlerts, IReadOnlyList<AlertView>>,
    ICommandHandler<AcknowledgeAlert, AlertView>
{
    public async ValueTask<CreatedAlertRule> Handle(CreateAlertRule command, CancellationToken cancellationToken)
    {
        var (resellerId, customerId, subject) = await OwnerAsync(command, cancellationToken);
        var count = await db.Set<AlertRule>().IgnoreQueryFilters().CountAsync(r => r.ResellerId == resellerId && r.CustomerId == customerId, cancellationToken);
        if (count >= options.Value.MaxRules)
        {
            throw new ConflictException($"There are {count} alert rules already, the most one account may have; delete one first.");
        }

        var threshold = AlertConditions.HasThreshold(command.Condition!) ? command.Threshold : null;
        var rule = new AlertRule
        {
            Id = Guid.NewGuid(),
            ResellerId = resellerId,
            CustomerId = customerId,
            Name = command.Name!.Trim(),
            Scope = command.Scope!,
            Subject = subject,
            Condition = command.Condition!,
            Threshold = threshold,
            ClearBelow = threshold is null ? null : command.ClearBelow ?? threshold * 0.9,
            DurationSeconds = command.DurationSeconds,
            Emails = string.Join(',', (command.Emails ?? []).Distinct(StringComparer.OrdinalIgnoreCase)),
            WebhookUrl = command.WebhookUrl,
            WebhookSecret = command.WebhookUrl is null ? null : WebhookSignature.NewSecret(),
            CreatedAt = clock.GetUtcNow(),
            CreatedBy = tenant.UserName,
        };
        db.Add(rule);
        audit.Record("alert-rule.created", rule.Name, $"{rule.Condition} on {rule.Scope} {rule.Subject}".TrimEnd(), rule.ResellerId, rule.CustomerId);
        return new CreatedAlertRule((await ViewsAsync([rule], cancellationToken))[0], rule.WebhookSecret);
    }

    public async ValueTask<AlertRuleView> Handle(SetAlertRuleEnabled command, CancellationToken cancellationToken)
    {
        var rule = await FindRuleAsync(command.RuleId, cancellationToken);
        if (rule.Enabled != command.Enabled)
        {
            rule.Enabled = command.Enabled;
            if (!command.Enabled)
            {
                await CloseAsync(rule, "The rule was switched off.", notify: true, cancellationToken);
            }

            audit.Record(command.Enabled ? "alert-rule.enabled" : "alert-rule.disabled", rule.Name, null, rule.ResellerId, rule.CustomerId);
        }

        return (await ViewsAsync([rule], cancellationToken))[0];
    }

    public async ValueTask<Unit> Handle(DeleteAlertRule command, CancellationToken cancellationToken)
    {
        var rule = await FindRuleAsync(command.RuleId, cancellationToken);
        await CloseAsync(rule, "The rule was deleted.", notify: false, cancellationToken);
        db.Remove(rule);
        audit.Record("alert-rule.deleted", rule.Name, null, rule.ResellerId, rule.CustomerId);
        return Unit.Value;
    }

    public async ValueTask<IReadOnlyList<AlertRuleView>> Handle(ListAlertRules query, CancellationToken cancellationToken)
    {
        var rules = await db.Set<AlertRule>().AsNoTracking().OrderBy(r => r.Name).ThenBy(r => r.CreatedAt).ToListAsync(cancellationToken);
        if (await access.VisibleVmsAsync(cancellationToken) is { } visible)
        {
            rules = rules.Where(r => r.Scope == AlertScopes.Vm && Guid.TryParse(r.Subject, out var id) && visible.Contains(id)).ToList();
        }

        return await ViewsAsync(rules, cancellationToken);
    }

    public async ValueTask<IReadOnlyList<AlertView>> Handle(ListAlerts query, CancellationToken cancellationToken)
    {
        var alerts = db.Set<Alert>().AsNoTracking().Where(a => a.State != Alert.Pending);
        alerts = query.State switch
        {
            null => alerts,
            "open" => alerts.Where(a => a.State == AlertStates.Firing || a.State == AlertStates.Acknowledged),
            var state => alerts.Where(a => a.State == state),
        };
        if (await access.VisibleVmsAsync(cancellationToken) is { } visible)
        {
            var subjects = visible.Select(UsageIngest.SubjectOf).ToList();
            alerts = alerts.Where(a => subjects.Contains(a.Subject));
        }

        var rows = await alerts.OrderByDescending(a => a.FiredAt).Take(query.Limit ?? 100).ToListAsync(cancellationToken);
        return rows.Select(View).ToList();
    }

    public async ValueTask<AlertView> Handle(AcknowledgeAlert command, CancellationToken cancellationToken)
    {
        var alert = await db.Set<Alert>().SingleOrDefaultAsync(a => a.Id == command.AlertId && a.State != Alert.Pending, cancellationToken)
            ?? throw new NotFoundException("The alert");
        if (Guid.TryParse(alert.Subject, out var vmId) && alert.Condition != AlertConditions.Offline)
        {
            await guard.EnsureAsync(vmId, AccessLevel.Operate, cancellationToken);
        }

        switch (alert.State)
        {
            case AlertStates.Resolved:
                throw new ConflictException("The alert has resolved already.");
            case AlertStates.Firing:
                alert.State = AlertStates.Acknowledged;
                alert.AcknowledgedAt = clock.GetUtcNow();
                alert.AcknowledgedBy = tenant.UserName;
                break;
        }

        return View(alert);
    }

    public static AlertView View(Alert a) => new(
        a.Id, a.RuleId, a.RuleName, a.Condition, a.Subject, a.SubjectName, a.State, a.Threshold, a.Value, a.Peak,
        a.FiredAt ?? a.PendingSince, a.AcknowledgedAt, a.AcknowledgedBy, a.ResolvedAt, a.Resolution);

    /// <summary>Who owns the new rule and what exactly it watches; refuses a subject the caller may not watch.</summary>
    private async Task<(Guid ResellerId, Guid CustomerId, string Subject)> OwnerAsync(CreateAlertRule command, CancellationToken cancellationToken)
    {
        switch (command.Scope)
        {
            case AlertScopes.Vm:
                var vmId = Guid.Parse(command.Subject!);
                await guard.EnsureAsync(vmId, AccessLevel.Operate, cancellationToken);
                var vm = (await facts.ListAsync([vmId], [], cancellationToken)).SingleOrDefault() ?? throw new NotFoundException("The VM");
                return (vm.ResellerId, vm.CustomerId, UsageIngest.SubjectOf(vmId));
            case AlertScopes.Customer:
                if (tenant.CustomerId is not { } customerId || tenant.Role != TenantClaims.CustomerAdminRole)
                {
                    throw new ForbiddenException("Rules over all of a customer's VMs are made by the customer's administrators.");
                }

                return (tenant.ResellerId!.Value, customerId, "");
            default:
                if (!tenant.IsOperator && !tenant.IsSystem)
                {
                    throw new ForbiddenException("Rules on rack servers are the provider's.");
                }

                if (command.Subject != "*" && !(await sender.Send(new ListRackServers(), cancellationToken)).Any(s => s.Name == command.Subject))
                {
                    throw new RequestValidationException("subject", $"There is no rack server '{command.Subject}'.");
                }

                return (Guid.Empty, Guid.Empty, command.Subject!);
        }
    }

    /// <summary>A rule the caller sees and may change: a VM's with operate on the VM, a customer's as its administrator.</summary>
    private async Task<AlertRule> FindRuleAsync(Guid ruleId, CancellationToken cancellationToken)
    {
        var rule = await db.Set<AlertRule>().SingleOrDefaultAsync(r => r.Id == ruleId, cancellationToken) ?? throw new NotFoundException("The alert rule");
        switch (rule.Scope)
        {
            case AlertScopes.Vm:
                await guard.EnsureAsync(Guid.Parse(rule.Subject), AccessLevel.Operate, cancellationToken);
                break;
            case AlertScopes.Customer when await access.VisibleVmsAsync(cancellationToken) is not null:
                throw new NotFoundException("The alert rule");
            case AlertScopes.Customer when tenant.Role != TenantClaims.CustomerAdminRole && !tenant.IsOperator:
                throw new ForbiddenException("Rules over all of a customer's VMs are changed by the customer's administrators.");
        }

        return rule;
    }

    /// <summary>Resolves the rule's open alerts and drops its pending ones.</summary>
    private async Task CloseAsync(AlertRule rule, string why, bool notify, CancellationToken cancellationToken)
    {
        foreach (var alert in await Alert.CloseAsync(db, a => a.RuleId == rule.Id, clock.GetUtcNow(), why, cancellationToken))
        {
            if (notify)
            {
                await notifications.QueueAsync(rule, alert, AlertEvents.Resolved, cancellationToken);
            }
        }
    }

    private async Task<IReadOnlyList<AlertRuleView>> ViewsAsync(IReadOnlyList<AlertRule> rules, CancellationToken cancellationToken)
    {
        var vmIds = rules.Where(r => r.Scope == AlertScopes.Vm).Select(r => Guid.Parse(r.Subject)).ToList();
        var names = vmIds.Count == 0 ? [] : (await facts.ListAsync(vmIds, [], cancellationToken)).ToDictionary(f => UsageIngest.SubjectOf(f.VmId), f => f.Name);
        return rules.Select(r => new AlertRuleView(
            r.Id,
            r.Name,
            r.Scope,
            r.Subject,
            r.Scope switch
            {
                AlertScopes.Vm => names.GetValueOrDefault(r.Subject, "a deleted VM"),
                AlertScopes.Customer => "every VM",
                _ => r.Subject == "*" ? "every rack server" : r.Subject,
            },
            r.Condition,
            r.Threshold,
            r.ClearBelow,
            r.DurationSeconds,
            r.EmailList,
            r.WebhookUrl,
            r.Enabled,
            r.CreatedAt,
            r.CreatedBy)).ToList();
    }
}
