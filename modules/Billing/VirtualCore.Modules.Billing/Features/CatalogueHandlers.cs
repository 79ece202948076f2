using System.Text.RegularExpressions;
using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Billing.Contracts;
using VirtualCore.Modules.Billing.Domain;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Modules.Billing.Features;

/// <summary>Who may see and set which prices.</summary>
internal static class PriceAccess
{
    /// <summary>The operator and resellers' staff see wholesale prices and every product.</summary>
    public static bool IsStaff(ITenantContext tenant) => tenant.IsOperator || tenant.Role == TenantClaims.ResellerAdminRole;

    public static Guid Reseller(ITenantContext tenant) =>
        tenant.ResellerId ?? throw new ForbiddenException("Prices belong to a reseller's portal; sign in on one.");

    public static ProductView View(Product p, long? retailCents, bool staff) => new(
        p.Code, p.Kind, p.Name, p.Cores, p.MemoryGiB, p.DiskGiB, p.IpAddresses, p.TrafficGiB,
        staff ? Money.Euros(p.WholesaleCents) : null,
        retailCents is { } r ? Money.Euros(r) : null);

    public static async Task<Product> ProductAsync(PortalDbContext db, string code, CancellationToken cancellationToken) =>
        await db.Set<Product>().SingleOrDefaultAsync(p => p.Code == code, cancellationToken) ?? throw new NotFoundException("The product");

    public static async Task<long?> RetailAsync(PortalDbContext db, Guid resellerId, string code, CancellationToken cancellationToken) =>
        await db.Set<RetailPrice>().Where(r => r.ResellerId == resellerId && r.ProductCode == code).Select(r => (long?)r.Cents).SingleOrDefaultAsync(cancellationToken);
}

internal sealed class GetCatalogueHandler(PortalDbContext db, ITenantContext tenant, ISender sender) : IQueryHandler<GetCatalogue, Catalogue>
{
    public async ValueTask<Catalogue> Handle(GetCatalogue query, CancellationToken cancellationToken)
    {
        var resellerId = PriceAccess.Reseller(tenant);
        var staff = PriceAccess.IsStaff(tenant);
        var products = await db.Set<Product>().OrderBy(p => p.Position).ThenBy(p => p.Code).ToListAsync(cancellationToken);
        var retail = await db.Set<RetailPrice>().Where(r => r.ResellerId == resellerId).ToDictionaryAsync(r => r.ProductCode, r => r.Cents, cancellationToken);
        var policy = await sender.Send(new GetTenantPolicy(resellerId, tenant.CustomerId ?? Guid.Empty), cancellationToken);
        var views = products
            .Where(p => staff || retail.ContainsKey(p.Code))
            .Select(p => PriceAccess.View(p, retail.TryGetValue(p.Code, out var cents) ? cents : null, staff))
            .ToArray();
        return new Catalogue(policy.BrandName, staff, tenant.IsOperator, views);
    }
}

internal sealed partial class CreateProductValidator : IValidator<CreateProduct>
{
    public ValueTask<IReadOnlyList<FieldError>> ValidateAsync(CreateProduct request, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        if (request.Code is null || !CodePattern().IsMatch(request.Code))
        {
            errors.Add(new FieldError("code", "Use 2 to 40 lower-case letters, digits and hyphens, starting with a letter or digit."));
        }

        if (request.Kind is null || !ProductKinds.All.Contains(request.Kind))
        {
            errors.Add(new FieldError("kind", $"Choose one of: {string.Join(", ", ProductKinds.All)}."));
        }

        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 80 || name.Any(char.IsControl))
        {
            errors.Add(new FieldError("name", "Give a name of 1 to 80 characters, without control characters."));
        }

        foreach (var (field, value) in new[] { ("cores", request.Cores), ("memoryGiB", request.MemoryGiB), ("diskGiB", request.DiskGiB), ("ipAddresses", request.IpAddresses), ("trafficGiB", request.TrafficGiB) })
        {
            if (value is < 0 or > 1_000_000)
            {
                errors.Add(new FieldError(field, "A quantity is from 0 to 1000000."));
            }
        }

        if (request.Kind is ProductKinds.VServer or ProductKinds.VDataCenter)
        {
            foreach (var (field, value) in new[] { ("cores", request.Cores), ("memoryGiB", request.MemoryGiB), ("diskGiB", request.DiskGiB) })
            {
                if (value is null or 0)
                {
                    errors.Add(new FieldError(field, "A plan includes at least one core, 1 GiB of RAM and 1 GiB of disk."));
                }
            }
        }

        if (Money.Problem(request.WholesaleMonthlyNet) is { } price)
        {
            errors.Add(new FieldError("wholesaleMonthlyNet", price));
        }

        return ValueTask.FromResult<IReadOnlyList<FieldError>>(errors);
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,39}$")]
    private static partial Regex CodePattern();
}

internal sealed class CreateProductHandler(PortalDbContext db, ITenantContext tenant, ISecurityAudit audit) : ICommandHandler<CreateProduct, ProductView>
{
    public async ValueTask<ProductView> Handle(CreateProduct command, CancellationToken cancellationToken)
    {
        if (!tenant.IsOperator)
        {
            throw new ForbiddenException("Only the operator adds products to the catalogue.");
        }

        if (await db.Set<Product>().AnyAsync(p => p.Code == command.Code, cancellationToken))
        {
            throw new ConflictException($"The catalogue has a product {command.Code} already.");
        }

        var position = await db.Set<Product>().Select(p => (int?)p.Position).MaxAsync(cancellationToken) ?? 0;
        var product = new Product
        {
            Code = command.Code!,
            Kind = command.Kind!,
            Name = command.Name!.Trim(),
            Cores = command.Cores,
            MemoryGiB = command.MemoryGiB,
            DiskGiB = command.DiskGiB,
            IpAddresses = command.IpAddresses,
            TrafficGiB = command.TrafficGiB,
            WholesaleCents = Money.Cents(command.WholesaleMonthlyNet!.Value),
            Position = position + 10,
        };
        db.Add(product);
        audit.Record("product.create", product.Code, $"{product.Name}, wholesale {Money.Format(product.WholesaleCents)}");
        return PriceAccess.View(product, null, staff: true);
    }
}

internal sealed class SetWholesalePriceValidator : IValidator<SetWholesalePrice>
{
    public ValueTask<IReadOnlyList<FieldError>> ValidateAsync(SetWholesalePrice request, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<FieldError>>(Money.Problem(request.MonthlyNet) is { } problem ? [new FieldError("monthlyNet", problem)] : []);
}

internal sealed class SetWholesalePriceHandler(PortalDbContext db, ITenantContext tenant, ISecurityAudit audit, ISender sender) : ICommandHandler<SetWholesalePrice, ProductView>
{
    public async ValueTask<ProductView> Handle(SetWholesalePrice command, CancellationToken cancellationToken)
    {
        if (!tenant.IsOperator)
        {
            throw new ForbiddenException("Only the operator sets wholesale prices.");
        }

        var product = await PriceAccess.ProductAsync(db, command.Code, cancellationToken);
        var cents = Money.Cents(command.MonthlyNet!.Value);

        // Retail never falls below wholesale: a raise that would put a reseller under it waits until the reseller has
        // raised its own price (the provider's own portal is not a reseller and pays no wholesale).
        var below = await db.Set<RetailPrice>().Where(r => r.ProductCode == product.Code && r.Cents < cents && r.ResellerId != tenant.ResellerId)
            .ToListAsync(cancellationToken);
        if (below.Count > 0)
        {
            var names = (await sender.Send(new ListResellers(), cancellationToken)).ToDictionary(r => r.Id, r => r.Name);
            var who = string.Join(", ", below.Select(r => $"{names.GetValueOrDefault(r.ResellerId, r.ResellerId.ToString())} ({Money.Format(r.Cents)})").Order(StringComparer.Ordinal));
            throw new ConflictException($"Resellers charge less than {Money.Format(cents)} for {product.Name}: {who}. They raise their prices first.");
        }

        if (product.WholesaleCents != cents)
        {
            audit.Record("price.wholesale", product.Code, $"{Money.Format(product.WholesaleCents)} → {Money.Format(cents)}");
            product.WholesaleCents = cents;
        }

        return PriceAccess.View(product, await PriceAccess.RetailAsync(db, PriceAccess.Reseller(tenant), product.Code, cancellationToken), staff: true);
    }
}

internal sealed class SetRetailPriceValidator : IValidator<SetRetailPrice>
{
    public ValueTask<IReadOnlyList<FieldError>> ValidateAsync(SetRetailPrice request, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<FieldError>>(request.MonthlyNet is not null && Money.Problem(request.MonthlyNet) is { } problem ? [new FieldError("monthlyNet", problem)] : []);
}

internal sealed class SetRetailPriceHandler(PortalDbContext db, ITenantContext tenant, ISecurityAudit audit) : ICommandHandler<SetRetailPrice, ProductView>
{
    public async ValueTask<ProductView> Handle(SetRetailPrice command, CancellationToken cancellationToken)
    {
        if (!PriceAccess.IsStaff(tenant))
        {
            throw new ForbiddenException("Only the reseller sets the prices of its portal.");
        }

        var resellerId = PriceAccess.Reseller(tenant);
        var product = await PriceAccess.ProductAsync(db, command.Code, cancellationToken);
        var price = await db.Set<RetailPrice>().SingleOrDefaultAsync(r => r.ResellerId == resellerId && r.ProductCode == product.Code, cancellationToken);
        if (command.MonthlyNet is not { } euros)
        {
            if (price is not null)
            {
                db.Remove(price);
                audit.Record("price.retail", product.Code, "no longer offered", resellerId);
            }

            return PriceAccess.View(product, null, staff: true);
        }

        var cents = Money.Cents(euros);
        if (cents < product.WholesaleCents && !tenant.IsOperator)
        {
            throw new RequestValidationException("monthlyNet", $"At least the wholesale price, {Money.Format(product.WholesaleCents)}.");
        }

        if (price is null)
        {
            db.Add(new RetailPrice { ResellerId = resellerId, ProductCode = product.Code, Cents = cents });
            audit.Record("price.retail", product.Code, $"offered for {Money.Format(cents)}", resellerId);
        }
        else if (price.Cents != cents)
        {
            audit.Record("price.retail", product.Code, $"{Money.Format(price.Cents)} → {Money.Format(cents)}", resellerId);
            price.Cents = cents;
        }

        return PriceAccess.View(product, cents, staff: true);
    }
}
