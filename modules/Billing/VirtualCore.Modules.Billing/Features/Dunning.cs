using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VirtualCore.Framework.Localisation;
using VirtualCore.Framework.Mail;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Billing.Contracts;
using VirtualCore.Modules.Billing.Domain;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Modules.Billing.Features;

/// <summary>Takes one step of the dunning sequence on one invoice, if it is still due (the system only).</summary>
internal sealed record TakeDunningStep(Guid InvoiceId, int Level) : ICommand<bool>;

/// <summary>
/// Adds the step, unless it was taken already or the invoice is paid or cancelled meanwhile; the suspension step
/// suspends the customer in the same transaction (which powers off its VMs). The step's row is keyed by invoice and
/// level, so two instances running the round take it once.
/// </summary>
internal sealed class TakeDunningStepHandler(PortalDbContext db, ISender sender, TimeProvider clock) : ICommandHandler<TakeDunningStep, bool>
{
    public async ValueTask<bool> Handle(TakeDunningStep command, CancellationToken cancellationToken)
    {
        var invoice = await db.Set<Invoice>().AsNoTracking().SingleAsync(i => i.Id == command.InvoiceId, cancellationToken);
        var levels = await db.Set<DunningStep>().Where(s => s.InvoiceId == invoice.Id).Select(s => s.Level).ToListAsync(cancellationToken);
        if (levels.Contains(command.Level) || (command.Level > DunningStep.FirstReminder && !levels.Contains(command.Level - 1))
            || await db.Set<Invoice>().AnyAsync(c => c.CancelsId == invoice.Id, cancellationToken))
        {
            return false;
        }

        var open = invoice.GrossCents - await Payments.PaidCentsAsync(db, invoice.Id, cancellationToken);
        if (open <= 0)
        {
            return false;
        }

        db.Add(new DunningStep
        {
            InvoiceId = invoice.Id,
            Level = command.Level,
            ResellerId = invoice.ResellerId,
            CustomerId = invoice.CustomerId,
            At = clock.GetUtcNow(),
            OpenCents = open,
        });
        if (command.Level == DunningStep.Suspension)
        {
            await sender.Send(new SuspendCustomer(invoice.CustomerId, Dunning.Reason(invoice)), cancellationToken);
        }

        return true;
    }
}

internal sealed class RunDunningHandler(Dunning dunning, ITenantContext tenant, ISecurityAudit audit) : ICommandHandler<RunDunning, DunningRunResult>
{
    public async ValueTask<DunningRunResult> Handle(RunDunning command, CancellationToken cancellationToken)
    {
        if (!tenant.IsOperator && !tenant.IsSystem)
        {
            throw new ForbiddenException("The dunning round is the operator's.");
        }

        var result = await dunning.RunAsync(cancellationToken);
        audit.Record("invoices.dunning", "", $"{result.Reminders} reminders, {result.Suspended} suspended, {result.MailFailures} mails failed");
        return result;
    }
}

/// <summary>
/// The dunning round. An issued invoice not paid in full <see cref="DunningOptions.FirstReminderDays"/> days after the
/// day after its due day gets a payment reminder; each further step — a second reminder, a final notice that names the day of the
/// suspension, the customer's suspension — follows when the last is <see cref="DunningOptions.StepDays"/> old, one step
/// per invoice and round, so a portal that was down for weeks still gives the customer every warning and its time. A
/// reseller's wholesale invoice gets the reminders, not the suspension. Each step is committed before its mail goes
/// out; a mail that failed is tried again by later rounds.
/// </summary>
internal sealed class Dunning(IServiceScopeFactory scopes, IOptions<DunningOptions> options, TimeProvider clock, ILogger<Dunning> logger)
{
    public static string Reason(Invoice invoice) =>
        $"Invoice {invoice.Number} of {invoice.IssuedOn:yyyy-MM-dd} over {Money.Format(invoice.GrossCents)} is unpaid.";

    public async Task<DunningRunResult> RunAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var today = ContractViews.Today(clock);
        List<(Guid Id, int Level, Guid Customer)> due;
        await using (var scope = scopes.CreateSystemScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var latest = today.AddDays(-o.FirstReminderDays - 1);
            var candidates = await Payments.Unpaid(db.Set<Invoice>().AsNoTracking(), db)
                .Where(i => i.DueOn != null && i.DueOn <= latest && !db.Set<DunningStep>().Any(s => s.InvoiceId == i.Id && s.Level == DunningStep.Suspension))
                .Select(i => new { i.Id, i.CustomerId })
                .ToListAsync(cancellationToken);
            var ids = candidates.Select(c => c.Id).ToList();
            var last = (await db.Set<DunningStep>().AsNoTracking().Where(s => ids.Contains(s.InvoiceId)).ToListAsync(cancellationToken))
                .GroupBy(s => s.InvoiceId).ToDictionary(g => g.Key, g => g.MaxBy(s => s.Level)!);
            due = [];
            foreach (var c in candidates)
            {
                var step = last.GetValueOrDefault(c.Id);
                var next = (step?.Level ?? 0) + 1;
                if ((step is null || DateOnly.FromDateTime(step.At.UtcDateTime).AddDays(o.StepDays) <= today)
                    && (next < DunningStep.Suspension || c.CustomerId != Guid.Empty))
                {
                    due.Add((c.Id, next, c.CustomerId));
                }
            }
        }

        var reminders = 0;
        var suspended = new HashSet<Guid>();
        foreach (var (id, level, customer) in due)
        {
            try
            {
                await using var scope = scopes.CreateSystemScope();
                if (await scope.ServiceProvider.GetRequiredService<ISender>().Send(new TakeDunningStep(id, level), cancellationToken))
                {
                    if (level == DunningStep.Suspension)
                    {
                        suspended.Add(customer);
                    }
                    else
                    {
                        reminders++;
                    }
                }
            }
            catch (DbUpdateException e)
            {
                // Another instance took the step first.
                logger.LogDebug(e, "Dunning step {Level} of invoice {Invoice} taken elsewhere", level, id);
            }
        }

        var failures = await MailAsync(cancellationToken);
        if (reminders + suspended.Count + failures > 0)
        {
            logger.LogInformation("Dunning round: {Reminders} reminders, {Suspended} customers suspended, {Failures} mails not sent", reminders, suspended.Count, failures);
        }

        return new DunningRunResult(reminders, suspended.Count, failures);
    }


    /// <summary>Mails every step not mailed yet (up to <see cref="DunningStep.MailTries"/> tries each); answers how many failed.</summary>
    private async Task<int> MailAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateSystemScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var mailer = scope.ServiceProvider.GetRequiredService<IMailer>();
        var texts = scope.ServiceProvider.GetRequiredService<PortalTexts>();
        var steps = await db.Set<DunningStep>().Where(s => s.MailedAt == null && s.MailAttempts < DunningStep.MailTries)
            .OrderBy(s => s.At).Take(1000).ToListAsync(cancellationToken);
        if (steps.Count == 0)
        {
            return 0;
        }

        var ids = steps.Select(s => s.InvoiceId).ToList();
        var invoices = await db.Set<Invoice>().AsNoTracking().Where(i => ids.Contains(i.Id)).ToDictionaryAsync(i => i.Id, cancellationToken);
        var resellers = (await scope.ServiceProvider.GetRequiredService<ISender>().Send(new ListResellers(), cancellationToken)).ToDictionary(r => r.Id);
        var failures = 0;
        foreach (var step in steps)
        {
            var invoice = invoices[step.InvoiceId];
            var issuer = resellers.GetValueOrDefault(invoice.IssuerId);
            string? error;
            if (string.IsNullOrEmpty(invoice.RecipientEmail))
            {
                error = "The recipient's billing details have no e-mail address.";
            }
            else
            {
                try
                {
                    var (subject, text) = Letter(invoice, step, (t, v) => texts.Format(t, issuer?.Language ?? "en", issuer?.ThemeName, v));
                    error = await mailer.SendAsync(invoice.RecipientEmail, subject, text, "invoice.dunning", CancellationToken.None);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    error = e.Message;
                }
            }

            step.MailAttempts++;
            if (error is null)
            {
                (step.MailedAt, step.MailError) = (clock.GetUtcNow(), null);
            }
            else
            {
                failures++;
                step.MailError = error.Length > 500 ? error[..500] : error;
                logger.LogWarning("Dunning mail {Level} for invoice {Number} not sent: {Error}", step.Level, invoice.Number, error);
            }
        }

        await db.SaveChangesAsync(CancellationToken.None);
        return failures;
    }

    /// <summary>The reminder, the final notice or the notice of suspension, in the issuer's language.</summary>
    private (string Subject, string Text) Letter(Invoice invoice, DunningStep step, Func<string, object?[], string> say)
    {
        string Say(string text, params object?[] values) => say(text, values);
        var number = invoice.Number ?? "";
        var subject = step.Level switch
        {
            1 => Say("Payment reminder: invoice {0}", number),
            2 => Say("Second reminder: invoice {0}", number),
            3 => Say("Final notice: invoice {0}", number),
            _ => Say("Your account is suspended: invoice {0} is unpaid", number),
        };
        var lines = new List<string>
        {
            Say("Dear {0},", invoice.RecipientName),
            "",
            Say("our invoice {0} of {1} over {2} was due on {3}. {4} of it is still open.",
                number, $"{invoice.IssuedOn:yyyy-MM-dd}", Money.Format(invoice.GrossCents), $"{invoice.DueOn:yyyy-MM-dd}", Money.Format(step.OpenCents)),
        };
        if (!string.IsNullOrEmpty(invoice.IssuerIban))
        {
            lines.Add(Say("Please transfer it to IBAN {0}, quoting the invoice number.", invoice.IssuerIban));
        }

        if (step.Level == DunningStep.FinalNotice)
        {
            var on = DateOnly.FromDateTime(step.At.UtcDateTime).AddDays(options.Value.StepDays);
            lines.Add("");
            lines.Add(Say("If it is not paid by {0}, your account will be suspended: your servers are powered off and cannot be started until it is paid. Your data is kept.", $"{on:yyyy-MM-dd}"));
        }
        else if (step.Level == DunningStep.Suspension)
        {
            lines.Add("");
            lines.Add(Say("Your account is suspended: your servers were powered off and cannot be started. Your data is kept. As soon as the payment is in, the suspension is lifted and the servers that were running start again."));
        }

        lines.Add("");
        lines.Add(Say("If you have paid in the meantime, please disregard this message."));
        lines.Add("");
        lines.Add(invoice.IssuerName);
        return (subject, string.Join("\n", lines));
    }
}

/// <summary>The dunning round every hour (Billing:Dunning:Enabled, on by default).</summary>
internal sealed class DunningScheduler(Dunning dunning, IOptions<DunningOptions> options, TimeProvider clock, ILogger<DunningScheduler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(InvoiceScheduler.Interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await dunning.RunAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "The dunning round failed; it runs again within the hour");
            }
        }
    }
}
