using System.Globalization;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using VirtualCore.Framework.Localisation;
using VirtualCore.Framework.Mail;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Billing.Contracts;
using VirtualCore.Modules.Billing.Domain;

namespace VirtualCore.Modules.Billing.Features;

internal static class ContractNoticeViews
{
    public static ContractNoticeView Of(ContractNotice n) => new(
        n.Id, n.Reference, n.ReceivedAt, n.Name, n.Email, n.Account, n.Contract, n.Extraordinary, n.Reason, n.WantedOn, n.Status, n.ContractId, n.EndsOn,
        n.HandledBy, n.Note, n.ConfirmedAt is not null, n.ConfirmationError);

    /// <summary>Notices are a reseller's staff's (or the operator's) to see and handle, never a customer's.</summary>
    public static void EnsureStaff(ITenantContext tenant)
    {
        if (tenant.CustomerId is not null)
        {
            throw new ForbiddenException("Notices given on the portal are handled by its reseller's staff.");
        }
    }

    /// <summary>When a notice arrived, to the second, as the receipt page and the confirmation mail both say it.</summary>
    public static string Moment(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";

    /// <summary>One line of text: not empty, at most <see cref="GiveNoticeValidator.MaxText"/> characters, no control characters.</summary>
    public static bool IsLine(string text) => text.Length is > 0 and <= GiveNoticeValidator.MaxText && !text.Any(char.IsControl);

    /// <summary>The notice if the caller handles notices of its portal: a reseller's staff or the operator, never a customer.</summary>
    public static async Task<ContractNotice> OpenAsync(PortalDbContext db, ITenantContext tenant, Guid id, CancellationToken cancellationToken)
    {
        EnsureStaff(tenant);
        var notice = await db.Set<ContractNotice>().SingleOrDefaultAsync(n => n.Id == id, cancellationToken) ?? throw new NotFoundException("The notice");
        if (notice.Status != ContractNotice.Received)
        {
            throw new ConflictException("This notice was handled already.");
        }

        return notice;
    }
}

internal sealed class GiveNoticeValidator(TimeProvider clock) : IValidator<GiveNotice>
{
    public const int MaxText = 200;

    public const int MaxReason = 2000;

    public ValueTask<IReadOnlyList<FieldError>> ValidateAsync(GiveNotice request, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        Text(errors, "name", request.Name, "Give your name.");
        Text(errors, "account", request.Account, "Give the customer account you sign in to, or its customer number.");
        Text(errors, "contract", request.Contract, "Say which contract ends (or all of them).");
        var email = request.Email?.Trim() ?? "";
        if (email.Length is 0 or > MaxText || email.Any(char.IsControl) || !System.Net.Mail.MailAddress.TryCreate(email, out var address)
            || address.Address != email || !string.IsNullOrEmpty(address.DisplayName))
        {
            errors.Add(new FieldError("email", "Give the e-mail address the confirmation goes to."));
        }

        var reason = request.Reason?.Trim() ?? "";
        if (request.Extraordinary && reason.Length == 0)
        {
            errors.Add(new FieldError("reason", "Notice for cause needs its reason."));
        }
        else if (reason.Length > MaxReason || reason.Any(c => char.IsControl(c) && c is not '\n' and not '\r' and not '\t'))
        {
            errors.Add(new FieldError("reason", "A reason is at most 2000 characters of text."));
        }

        var today = ContractViews.Today(clock);
        if (request.WantedOn is { } wanted && (wanted < today || wanted > today.AddYears(5)))
        {
            errors.Add(new FieldError("wantedOn", "The day is from today to five years ahead, or none for as early as possible."));
        }

        return ValueTask.FromResult<IReadOnlyList<FieldError>>(errors);
    }

    private static void Text(List<FieldError> errors, string field, string? value, string reason)
    {
        if (!ContractNoticeViews.IsLine(value?.Trim() ?? ""))
        {
            errors.Add(new FieldError(field, reason));
        }
    }
}

/// <summary>
/// Records the notice and commits it before mailing the confirmation, so that a slow or absent mail server never loses
/// a notice; whether the mail went out is kept with it for the staff to see.
/// </summary>
internal sealed class GiveNoticeHandler(PortalDbContext db, IMailer mailer, PortalTexts texts, TimeProvider clock, ILogger<GiveNoticeHandler> logger)
    : ICommandHandler<GiveNotice, ContractNoticeReceipt>
{
    public async ValueTask<ContractNoticeReceipt> Handle(GiveNotice command, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid();
        var notice = new ContractNotice
        {
            Id = id,
            ResellerId = command.ResellerId,
            Reference = "KN-" + id.ToString("N")[..8].ToUpperInvariant(),
            ReceivedAt = clock.GetUtcNow(),
            Name = command.Name!.Trim(),
            Email = command.Email!.Trim(),
            Account = command.Account!.Trim(),
            Contract = command.Contract!.Trim(),
            Extraordinary = command.Extraordinary,
            Reason = command.Reason?.Trim() ?? "",
            WantedOn = command.WantedOn,
        };
        db.Add(notice);
        await db.SaveChangesAsync(cancellationToken);

        string? error;
        try
        {
            var (subject, text) = Confirmation(notice, command.Language, command.Theme);
            error = await mailer.SendAsync(notice.Email, subject, text, "contract.notice", CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            error = e.Message.Length > 500 ? e.Message[..500] : e.Message;
        }

        if (error is null)
        {
            notice.ConfirmedAt = clock.GetUtcNow();
        }
        else
        {
            notice.ConfirmationError = error;
            logger.LogWarning("Confirmation of notice {Reference} not mailed: {Error}", notice.Reference, error);
        }

        await db.SaveChangesAsync(CancellationToken.None);
        return new ContractNoticeReceipt(
            notice.Id, notice.Reference, notice.ReceivedAt, notice.Name, notice.Email, notice.Account, notice.Contract, notice.Extraordinary, notice.Reason,
            notice.WantedOn, error is null);
    }

    /// <summary>The confirmation in text form: what was received, and when (§312k (4) BGB).</summary>
    private (string Subject, string Text) Confirmation(ContractNotice n, string language, string theme)
    {
        string Say(string text, params object?[] values) => texts.Format(text, language, theme, values);
        var received = ContractNoticeViews.Moment(n.ReceivedAt);
        var lines = new List<string>
        {
            Say("We received your notice of cancellation on {0}.", received),
            "",
            Say("Reference: {0}", n.Reference),
            Say("Name: {0}", n.Name),
            Say("Customer account: {0}", n.Account),
            Say("Contract: {0}", n.Contract),
            n.Extraordinary ? Say("Kind: for cause, without notice period") : Say("Kind: ordinary notice"),
        };
        if (n.Reason.Length > 0)
        {
            lines.Add(Say("Reason: {0}", n.Reason));
        }

        lines.Add(n.WantedOn is { } on
            ? Say("To end on: {0}", on.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))
            : Say("To end: as early as possible"));
        lines.Add("");
        lines.Add(Say("We will confirm the day your contract ends once we have matched your notice to it."));
        return (Say("Your notice of cancellation {0}", n.Reference), string.Join("\n", lines));
    }
}

internal sealed class ListContractNoticesHandler(PortalDbContext db, ITenantContext tenant) : IQueryHandler<ListContractNotices, IReadOnlyList<ContractNoticeView>>
{
    public async ValueTask<IReadOnlyList<ContractNoticeView>> Handle(ListContractNotices query, CancellationToken cancellationToken)
    {
        ContractNoticeViews.EnsureStaff(tenant);
        var notices = await db.Set<ContractNotice>().AsNoTracking().OrderByDescending(n => n.ReceivedAt).Take(500).ToListAsync(cancellationToken);
        return [.. notices.Select(ContractNoticeViews.Of)];
    }
}

internal sealed class ApplyContractNoticeHandler(PortalDbContext db, ITenantContext tenant, ISecurityAudit audit, TimeProvider clock)
    : ICommandHandler<ApplyContractNotice, ContractNoticeView>
{
    public async ValueTask<ContractNoticeView> Handle(ApplyContractNotice command, CancellationToken cancellationToken)
    {
        var notice = await ContractNoticeViews.OpenAsync(db, tenant, command.NoticeId, cancellationToken);
        if (command.ContractId is not { } contractId)
        {
            throw new RequestValidationException([new FieldError("contractId", "Choose the contract the notice is for.")]);
        }

        // Only a contract of the notice's own portal: a notice given at one reseller never ends another's contract.
        var contract = await db.Set<Contract>().SingleOrDefaultAsync(c => c.Id == contractId && c.ResellerId == notice.ResellerId, cancellationToken)
            ?? throw new NotFoundException("The contract");
        if (contract.EndsOn is { } ends)
        {
            throw new ConflictException($"Notice was given on this contract already; it ends on {ends:yyyy-MM-dd}.");
        }

        // The notice counts from the day it was received, however late it is matched.
        var receivedOn = DateOnly.FromDateTime(notice.ReceivedAt.UtcDateTime);
        contract.CancelledOn = receivedOn;
        contract.EndsOn = ContractTerms.EndWithNoticeOn(contract, receivedOn, notice.WantedOn);
        notice.Status = ContractNotice.Applied;
        notice.ContractId = contract.Id;
        notice.CustomerId = contract.CustomerId;
        notice.EndsOn = contract.EndsOn;
        notice.HandledBy = tenant.UserName;
        notice.HandledAt = clock.GetUtcNow();
        audit.Record(
            "contract.cancelled", contract.ProductName, $"notice {notice.Reference} received on {receivedOn:yyyy-MM-dd}, ends on {contract.EndsOn:yyyy-MM-dd}",
            contract.ResellerId, contract.CustomerId);
        return ContractNoticeViews.Of(notice);
    }
}

internal sealed class DismissContractNoticeHandler(PortalDbContext db, ITenantContext tenant, ISecurityAudit audit, TimeProvider clock)
    : ICommandHandler<DismissContractNotice, ContractNoticeView>
{
    public async ValueTask<ContractNoticeView> Handle(DismissContractNotice command, CancellationToken cancellationToken)
    {
        // Found (and the caller's) first: a reason refused for a notice of another portal would tell that it exists.
        var notice = await ContractNoticeViews.OpenAsync(db, tenant, command.NoticeId, cancellationToken);
        var reason = command.Reason?.Trim() ?? "";
        if (!ContractNoticeViews.IsLine(reason))
        {
            throw new RequestValidationException([new FieldError("reason", "Say why the notice matches no contract (at most 200 characters).")]);
        }
        notice.Status = ContractNotice.Dismissed;
        notice.Note = reason;
        notice.HandledBy = tenant.UserName;
        notice.HandledAt = clock.GetUtcNow();
        audit.Record("contract.notice-dismissed", notice.Reference, reason, notice.ResellerId, null);
        return ContractNoticeViews.Of(notice);
    }
}
