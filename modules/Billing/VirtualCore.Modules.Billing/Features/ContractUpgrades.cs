using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Billing.Contracts;
using VirtualCore.Modules.Billing.Domain;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Modules.Billing.Features;

/// <summary>
/// A customer's vDataCenter grows by a plan's cores, RAM and disk from the plan's first day and shrinks by them after its
/// last day, on top of what its reseller set (a limit left open stays open). Each contract is added once and taken off
/// once (<see cref="Contract.Provisioned"/>, <see cref="Contract.Released"/>, changed in the same transaction as the
/// capacity), so settling twice, or on two instances at once, changes nothing more. Settled when a plan is ordered or
/// upgraded, and by <see cref="ContractDays"/> for the days that come.
/// </summary>
internal static class ContractedCapacity
{
    public static async Task SettleAsync(PortalDbContext db, ISender sender, Guid customerId, DateOnly day, CancellationToken cancellationToken)
    {
        // What the command added so far counts too: it is saved inside the command's transaction first.
        await db.SaveChangesAsync(cancellationToken);
        var due = await Due(db.Set<Contract>(), day).Where(c => c.CustomerId == customerId).ToListAsync(cancellationToken);
        var (cores, memory, disk) = (0, 0, 0);
        foreach (var c in due)
        {
            var sign = 0;
            if (!c.Provisioned && c.StartsOn <= day)
            {
                c.Provisioned = true;
                sign++;
            }

            if (!c.Released && c.EndsOn < day)
            {
                c.Released = true;
                sign--;
            }

            (cores, memory, disk) = (cores + (sign * (c.Cores ?? 0)), memory + (sign * (c.MemoryGiB ?? 0)), disk + (sign * (c.DiskGiB ?? 0)));
        }

        if (cores != 0 || memory != 0 || disk != 0)
        {
            await sender.Send(new ChangeContractedCapacity(customerId, cores, memory, disk), cancellationToken);
        }
    }

    /// <summary>The plans whose first day has come and that were not added yet, or whose last day has passed and that were not taken off yet.</summary>
    public static IQueryable<Contract> Due(IQueryable<Contract> contracts, DateOnly day) =>
        contracts.Where(c => (c.Kind == ProductKinds.VServer || c.Kind == ProductKinds.VDataCenter)
            && ((!c.Provisioned && c.StartsOn <= day) || (!c.Released && c.EndsOn != null && c.EndsOn < day)));
}

internal static class ContractUpgrades
{
    /// <summary>How far ahead an upgrade may be set.</summary>
    public const int LatestDays = 365;

    /// <summary>The running plan's contract the caller (a customer's administrator) may upgrade; found before anything else is checked.</summary>
    public static async Task<Contract> UpgradableAsync(PortalDbContext db, ITenantContext tenant, Guid id, CancellationToken cancellationToken)
    {
        var contract = await db.Set<Contract>().SingleOrDefaultAsync(c => c.Id == id, cancellationToken) ?? throw new NotFoundException("The contract");
        if (tenant.CustomerId != contract.CustomerId || tenant.Role != TenantClaims.CustomerAdminRole)
        {
            throw new ForbiddenException("Only the customer's administrators upgrade its contracts.");
        }

        if (!contract.IsPlan)
        {
            throw new ConflictException("Only a vServer or vDataCenter plan is upgraded; order another add-on instead.");
        }

        if (contract.ReplacedById is not null)
        {
            throw new ConflictException("A larger plan replaces this contract already.");
        }

        if (contract.EndsOn is { } ends)
        {
            throw new ConflictException($"Notice was given on this contract; it ends on {ends:yyyy-MM-dd}.");
        }

        return contract;
    }

    /// <summary>
    /// The plans of the same kind the contract's reseller offers that cost more a month than the contract does now and
    /// have at least as much of everything; smallest first.
    /// </summary>
    public static async Task<IReadOnlyList<UpgradePlan>> LargerPlansAsync(PortalDbContext db, Contract contract, CancellationToken cancellationToken)
    {
        var offered = await (from p in db.Set<Product>()
                             join r in db.Set<RetailPrice>() on p.Code equals r.ProductCode
                             where r.ResellerId == contract.ResellerId && p.Kind == contract.Kind && r.Cents > contract.MonthlyNetCents
                             select new { p.Code, p.Name, r.Cents, p.Cores, p.MemoryGiB, p.DiskGiB, p.Position }).ToListAsync(cancellationToken);
        return [.. offered
            .Where(p => (p.Cores ?? 0) >= (contract.Cores ?? 0) && (p.MemoryGiB ?? 0) >= (contract.MemoryGiB ?? 0) && (p.DiskGiB ?? 0) >= (contract.DiskGiB ?? 0))
            .OrderBy(p => p.Cents).ThenBy(p => p.Position)
            .Select(p => new UpgradePlan(p.Code, p.Name, Money.Euros(p.Cents), Money.Euros(p.Cents - contract.MonthlyNetCents), p.Cores, p.MemoryGiB, p.DiskGiB))];
    }
}

internal sealed class GetUpgradeOptionsHandler(PortalDbContext db, ITenantContext tenant, TimeProvider clock) : IQueryHandler<GetUpgradeOptions, UpgradeOptions>
{
    public async ValueTask<UpgradeOptions> Handle(GetUpgradeOptions query, CancellationToken cancellationToken)
    {
        var contract = await ContractUpgrades.UpgradableAsync(db, tenant, query.ContractId, cancellationToken);
        var today = ContractViews.Today(clock);
        var earliest = contract.StartsOn > today ? contract.StartsOn : today;
        return new UpgradeOptions(ContractViews.Of(contract), earliest, today.AddDays(ContractUpgrades.LatestDays), await ContractUpgrades.LargerPlansAsync(db, contract, cancellationToken));
    }
}

internal sealed class UpgradeContractHandler(PortalDbContext db, ITenantContext tenant, ISender sender, ISecurityAudit audit, TimeProvider clock) : ICommandHandler<UpgradeContract, ContractView>
{
    public async ValueTask<ContractView> Handle(UpgradeContract command, CancellationToken cancellationToken)
    {
        // The contract first: someone else's is not found, whatever the body says.
        var contract = await ContractUpgrades.UpgradableAsync(db, tenant, command.ContractId, cancellationToken);
        await ContractViews.EnsureNotSuspendedAsync(sender, contract.CustomerId, cancellationToken);

        var today = ContractViews.Today(clock);
        var from = command.From ?? today;
        var errors = new List<FieldError>();
        if (from < today)
        {
            errors.Add(new("from", "An upgrade starts today or later."));
        }
        else if (from > today.AddDays(ContractUpgrades.LatestDays))
        {
            errors.Add(new("from", "Choose a day within a year from today."));
        }
        else if (from < contract.StartsOn)
        {
            errors.Add(new("from", $"The contract starts on {contract.StartsOn:yyyy-MM-dd}; its upgrade cannot start earlier."));
        }

        if (string.IsNullOrWhiteSpace(command.ProductCode) || command.ProductCode.Length > 40)
        {
            errors.Add(new("productCode", "Choose the larger plan."));
        }

        if (errors.Count > 0)
        {
            throw new RequestValidationException(errors);
        }

        var plans = await ContractUpgrades.LargerPlansAsync(db, contract, cancellationToken);
        var plan = plans.SingleOrDefault(p => p.Code == command.ProductCode);
        if (plan is null)
        {
            var offered = await db.Set<RetailPrice>().AnyAsync(r => r.ResellerId == contract.ResellerId && r.ProductCode == command.ProductCode, cancellationToken);
            throw offered
                ? new RequestValidationException("productCode", "Choose a larger plan of the same kind: one that costs more and has at least as much of everything. A smaller plan can follow when this contract ends.")
                : new NotFoundException("The product");
        }

        var wholesale = await db.Set<Product>().Where(p => p.Code == plan.Code).Select(p => p.WholesaleCents).SingleAsync(cancellationToken);
        var larger = new Contract
        {
            Id = Guid.NewGuid(),
            ResellerId = contract.ResellerId,
            CustomerId = contract.CustomerId,
            ProductCode = plan.Code,
            ProductName = plan.Name,
            Kind = contract.Kind,
            Cores = plan.Cores,
            MemoryGiB = plan.MemoryGiB,
            DiskGiB = plan.DiskGiB,
            MonthlyNetCents = Money.Cents(plan.MonthlyNet),
            WholesaleCents = wholesale,
            Consumer = contract.Consumer,
            StartsOn = from,
            TermStartsOn = contract.TermStartsOn ?? contract.StartsOn,
            MinimumTermMonths = contract.MinimumTermMonths,
            NoticeMonths = contract.NoticeMonths,
            ReplacesId = contract.Id,
            CreatedAt = clock.GetUtcNow(),
            CreatedBy = tenant.UserName,
        };
        db.Add(larger);
        contract.EndsOn = from.AddDays(-1);
        contract.CancelledOn = today;
        contract.ReplacedById = larger.Id;
        audit.Record("contract.upgraded", contract.ProductName, $"to {plan.Name} at {Money.Format(larger.MonthlyNetCents)} a month from {from:yyyy-MM-dd}", contract.ResellerId, contract.CustomerId);

        if (from == today)
        {
            await ContractedCapacity.SettleAsync(db, sender, contract.CustomerId, today, cancellationToken);
        }

        return ContractViews.Of(larger);
    }
}

/// <summary>
/// Settles the vDataCenter of every customer with a plan whose first day has come or whose last day has passed since it
/// was last settled (an upgrade from a later day, a plan's end after notice). Run hourly by <see cref="ContractDaysScheduler"/>;
/// a day missed while the portal was down is settled on the next run.
/// </summary>
internal sealed class ContractDays(IServiceScopeFactory scopes, TimeProvider clock, ILogger<ContractDays> logger)
{
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var today = ContractViews.Today(clock);
        List<Guid> customers;
        await using (var scope = scopes.CreateSystemScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            customers = await ContractedCapacity.Due(db.Set<Contract>(), today).Select(c => c.CustomerId).Distinct().ToListAsync(cancellationToken);
        }

        foreach (var customer in customers)
        {
            await using var scope = scopes.CreateSystemScope();
            var sender = scope.ServiceProvider.GetRequiredService<ISender>();
            try
            {
                await sender.Send(new SettleContractedCapacity(customer, today), cancellationToken);
            }
            catch (Exception e) when (e is NotFoundException or ConflictException)
            {
                logger.LogWarning(e, "The vDataCenter of customer {Customer} was not settled with its plans", customer);
            }
        }

        return customers.Count;
    }

}

/// <summary>Settles one customer's vDataCenter with its plans on a day, in one transaction (the system only).</summary>
internal sealed record SettleContractedCapacity(Guid CustomerId, DateOnly Day) : ICommand;

internal sealed class SettleContractedCapacityHandler(PortalDbContext db, ITenantContext tenant, ISender sender) : ICommandHandler<SettleContractedCapacity>
{
    public async ValueTask<Unit> Handle(SettleContractedCapacity command, CancellationToken cancellationToken)
    {
        if (!tenant.IsSystem)
        {
            throw new ForbiddenException("Only the portal settles a vDataCenter with its plans.");
        }

        await ContractedCapacity.SettleAsync(db, sender, command.CustomerId, command.Day, cancellationToken);
        return Unit.Value;
    }
}

internal sealed class ContractDaysScheduler(ContractDays days, TimeProvider clock, ILogger<ContractDaysScheduler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(InvoiceScheduler.Interval, clock);
        do
        {
            try
            {
                await days.RunAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Applying the day's plan starts and ends failed; it runs again within the hour");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
