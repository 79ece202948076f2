using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;

namespace VirtualCore.Modules.Billing.Domain;

/// <summary>A notice of cancellation given without signing in, until the reseller's staff apply or dismiss it.</summary>
internal sealed class ContractNotice : ITenantOwned, IVersioned
{
    public const string Received = "received";

    public const string Applied = "applied";

    public const string Dismissed = "dismissed";

    public Guid Id { get; set; }

    public Guid ResellerId { get; set; }

    /// <summary>The customer whose contract it was applied to; empty until then.</summary>
    public Guid CustomerId { get; set; }

    public string Reference { get; set; } = "";

    public DateTimeOffset ReceivedAt { get; set; }

    public string Name { get; set; } = "";

    public string Email { get; set; } = "";

    public string Account { get; set; } = "";

    public string Contract { get; set; } = "";

    public bool Extraordinary { get; set; }

    public string Reason { get; set; } = "";

    public DateOnly? WantedOn { get; set; }

    public string Status { get; set; } = Received;

    public Guid? ContractId { get; set; }

    public DateOnly? EndsOn { get; set; }

    public string HandledBy { get; set; } = "";

    public DateTimeOffset? HandledAt { get; set; }

    public string Note { get; set; } = "";

    public DateTimeOffset? ConfirmedAt { get; set; }

    public string? ConfirmationError { get; set; }

    public int Version { get; set; }
}
