using Mediator;

namespace VirtualCore.Modules.Billing.Contracts;

/// <summary>
/// A notice of cancellation given on the public "Cancel contracts here" page of a reseller's portal (§312k BGB), without
/// signing in. It is recorded and confirmed to the given address at once; the reseller's staff then match it to the
/// contract and apply it, as of the day it was received, or dismiss it when nobody can be matched.
/// </summary>
/// <param name="ResellerId">The portal's reseller, from its host name.</param>
/// <param name="Language">The page's language: the confirmation is worded in it.</param>
/// <param name="Theme">The portal's theme: its own wording of the confirmation.</param>
/// <param name="Name">Who gives notice.</param>
/// <param name="Email">Where the confirmation goes.</param>
/// <param name="Account">The customer account (company, user name or customer number) it identifies itself by.</param>
/// <param name="Contract">Which contract (product, VM or "all").</param>
/// <param name="Extraordinary">Notice for cause (without notice period), with <paramref name="Reason"/>.</param>
/// <param name="WantedOn">The day the contract should end; none: as early as possible.</param>
public sealed record GiveNotice(
    Guid ResellerId, string Language, string Theme, string? Name, string? Email, string? Account, string? Contract, bool Extraordinary, string? Reason, DateOnly? WantedOn)
    : ICommand<ContractNoticeReceipt>;

/// <summary>What the visitor is shown and mailed: the notice as received, and when.</summary>
/// <param name="Reference">The notice's reference, "KN-7F3A2C91".</param>
/// <param name="Confirmed">The confirmation was mailed.</param>
public sealed record ContractNoticeReceipt(
    Guid Id, string Reference, DateTimeOffset ReceivedAt, string Name, string Email, string Account, string Contract, bool Extraordinary, string Reason,
    DateOnly? WantedOn, bool Confirmed);

/// <summary>The notices given on the caller's portals (a reseller's staff: its own; the operator: all), newest first.</summary>
public sealed record ListContractNotices : IQuery<IReadOnlyList<ContractNoticeView>>;

/// <param name="Status">received, applied or dismissed.</param>
/// <param name="ContractId">The contract it was applied to.</param>
/// <param name="EndsOn">That contract's last day.</param>
/// <param name="Note">Why it was dismissed.</param>
/// <param name="ConfirmationError">Why the confirmation could not be mailed; none once it was.</param>
public sealed record ContractNoticeView(
    Guid Id, string Reference, DateTimeOffset ReceivedAt, string Name, string Email, string Account, string Contract, bool Extraordinary, string Reason,
    DateOnly? WantedOn, string Status, Guid? ContractId, DateOnly? EndsOn, string HandledBy, string Note, bool Confirmed, string? ConfirmationError);

/// <summary>Gives the notice on the contract as of the day it was received (or the day it wanted, if later).</summary>
public sealed record ApplyContractNotice(Guid NoticeId, Guid? ContractId) : ICommand<ContractNoticeView>;

/// <summary>Closes a notice that matches no contract of the reseller's customers, with the reason.</summary>
public sealed record DismissContractNotice(Guid NoticeId, string? Reason) : ICommand<ContractNoticeView>;

/// <param name="ContractId">The contract's id.</param>
public sealed record ContractNoticeApplyInput(Guid? ContractId);

/// <param name="Reason">Why the notice matches no contract.</param>
public sealed record ContractNoticeDismissInput(string? Reason);
