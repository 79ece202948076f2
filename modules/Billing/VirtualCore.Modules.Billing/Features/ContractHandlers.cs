using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Billing.Contracts;
using VirtualCore.Modules.Billing.Domain;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Modules.Billing.Features;

internal static class ContractViews
{
    public static ContractView Of(Contract c, string customer = "") => new(
        c.Id, customer, c.ProductCode, c.ProductName, Money.Euros(c.MonthlyNetCents), c.Consumer, c.StartsOn,
        ContractTerms.TermEnd(c, 1), c.NoticeMonths, c.CancelledOn, c.EndsOn, c.Kind, c.Cores, c.MemoryGiB, c.DiskGiB, c.ReplacesId, c.ReplacedById);

    /// <summary>A suspended customer settles what it owes before it orders more, or larger.</summary>
    public static async Task EnsureNotSuspendedAsync(ISender sender, Guid customerId, CancellationToken cancellationToken)
    {
        if (await sender.Send(new GetCustomerSuspension(customerId), cancellationToken) is { } suspension)
        {
            throw new ForbiddenException($"This account is suspended: {suspension.Reason} Nothing new can be ordered until the suspension is lifted.");
        }
    }

    public static DateOnly Today(TimeProvider clock) => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);

    /// <summary>
    /// The contract if the caller sees it (the query filters keep other tenants' out), may give notice on it, and notice
    /// was not given yet.
    /// </summary>
    public static async Task<Contract> RunningAsync(PortalDbContext db, ITenantContext tenant, Guid id, CancellationToken cancellationToken)
    {
        var contract = await db.Set<Contract>().SingleOrDefaultAsync(c => c.Id == id, cancellationToken) ?? throw new NotFoundException("The contract");
        if (tenant.CustomerId is not null && tenant.Role != TenantClaims.CustomerAdminRole)
        {
            throw new ForbiddenException("Only your account's administrators give notice on its contracts.");
        }

        if (contract.ReplacedById is not null)
        {
            throw new ConflictException("A larger plan replaces this contract; give notice on that one.");
        }

        if (contract.EndsOn is { } ends)
        {
            throw new ConflictException($"Notice was given on this contract already; it ends on {ends:yyyy-MM-dd}.");
        }

        return contract;
    }
}

internal sealed class ListContractsHandler(PortalDbContext db, ITenantContext tenant, ISender sender) : IQueryHandler<ListContracts, IReadOnlyList<ContractView>>
{
    public async ValueTask<IReadOnlyList<ContractView>> Handle(ListContracts query, CancellationToken cancellationToken)
    {
        var contracts = await db.Set<Contract>().AsNoTracking().OrderBy(c => c.StartsOn).ThenBy(c => c.CreatedAt).Take(1000).ToListAsync(cancellationToken);
        var names = tenant.CustomerId is null && contracts.Count > 0
            ? (await sender.Send(new ListCustomers(), cancellationToken)).ToDictionary(c => c.Id, c => c.Name)
            : [];
        return [.. contracts.Select(c => ContractViews.Of(c, names.GetValueOrDefault(c.CustomerId, "")))];
    }
}

internal sealed class OrderContractValidator : IValidator<OrderContract>
{
    public ValueTask<IReadOnlyList<FieldError>> ValidateAsync(OrderContract request, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<FieldError>>(string.IsNullOrWhiteSpace(request.ProductCode) || request.ProductCode.Length > 40
            ? [new FieldError("productCode", "Choose a product from the catalogue.")]
            : []);
}

internal sealed class OrderContractHandler(PortalDbContext db, ITenantContext tenant, ISender sender, ISecurityAudit audit, TimeProvider clock) : ICommandHandler<OrderContract, ContractView>
{
    public async ValueTask<ContractView> Handle(OrderContract command, CancellationToken cancellationToken)
    {
        if (tenant.CustomerId is not { } customerId || tenant.Role != TenantClaims.CustomerAdminRole)
        {
            throw new ForbiddenException("Contracts are ordered by a customer's administrators.");
        }

        await ContractViews.EnsureNotSuspendedAsync(sender, customerId, cancellationToken);

        var resellerId = PriceAccess.Reseller(tenant);

        // Only what the customer's own reseller offers, at its price now: anything else is not in this customer's catalogue.
        var offer = await (from p in db.Set<Product>()
                           join r in db.Set<RetailPrice>() on p.Code equals r.ProductCode
                           where p.Code == command.ProductCode && r.ResellerId == resellerId
                           select new { p.Code, p.Name, p.Kind, p.Cores, p.MemoryGiB, p.DiskGiB, r.Cents, p.WholesaleCents }).SingleOrDefaultAsync(cancellationToken)
            ?? throw new NotFoundException("The product");
        var contract = new Contract
        {
            Id = Guid.NewGuid(),
            ResellerId = resellerId,
            CustomerId = customerId,
            ProductCode = offer.Code,
            ProductName = offer.Name,
            Kind = offer.Kind,
            Cores = offer.Cores,
            MemoryGiB = offer.MemoryGiB,
            DiskGiB = offer.DiskGiB,
            MonthlyNetCents = offer.Cents,
            WholesaleCents = offer.WholesaleCents,
            Consumer = command.Consumer,
            StartsOn = ContractViews.Today(clock),
            NoticeMonths = ContractTerms.NoticeMonths(command.Consumer),
            CreatedAt = clock.GetUtcNow(),
            CreatedBy = tenant.UserName,
        };
        db.Add(contract);
        audit.Record("contract.ordered", offer.Name, $"{Money.Format(offer.Cents)} a month from {contract.StartsOn:yyyy-MM-dd}{(command.Consumer ? ", as a consumer" : "")}");

        // A plan is provisioned as it is ordered: the customer's vDataCenter grows by it at once.
        if (contract.IsPlan)
        {
            await ContractedCapacity.SettleAsync(db, sender, customerId, contract.StartsOn, cancellationToken);
        }

        return ContractViews.Of(contract);
    }
}

internal sealed class PreviewCancellationHandler(PortalDbContext db, ITenantContext tenant, TimeProvider clock) : IQueryHandler<PreviewCancellation, CancellationPreview>
{
    public async ValueTask<CancellationPreview> Handle(PreviewCancellation query, CancellationToken cancellationToken)
    {
        var contract = await ContractViews.RunningAsync(db, tenant, query.ContractId, cancellationToken);
        var today = ContractViews.Today(clock);
        var (endsOn, rule) = ContractTerms.EndWithNoticeOn(contract, today);
        return new CancellationPreview(contract.Id, today, endsOn, rule, ContractViews.Of(contract));
    }
}

internal sealed class CancelContractHandler(PortalDbContext db, ITenantContext tenant, ISecurityAudit audit, TimeProvider clock) : ICommandHandler<CancelContract, ContractView>
{
    public async ValueTask<ContractView> Handle(CancelContract command, CancellationToken cancellationToken)
    {
        var contract = await ContractViews.RunningAsync(db, tenant, command.ContractId, cancellationToken);
        var today = ContractViews.Today(clock);
        contract.CancelledOn = today;
        contract.EndsOn = ContractTerms.EndWithNoticeOn(contract, today).EndsOn;
        audit.Record("contract.cancelled", contract.ProductName, $"notice on {today:yyyy-MM-dd}, ends on {contract.EndsOn:yyyy-MM-dd}", contract.ResellerId, contract.CustomerId);
        return ContractViews.Of(contract);
    }
}
