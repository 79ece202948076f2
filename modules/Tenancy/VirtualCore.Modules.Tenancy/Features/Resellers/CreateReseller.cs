using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Tenancy.Contracts;
using VirtualCore.Modules.Tenancy.Domain;

namespace VirtualCore.Modules.Tenancy.Features.Resellers;

/// <summary>A new reseller's name, brand and host names: one to ten valid host names that no portal has yet.</summary>
internal sealed class CreateResellerValidator(PortalDbContext db) : IValidator<CreateReseller>
{
    public const int MaxNameLength = 100;
    public const int MaxBrandLength = 60;
    public const int MaxHostNames = 10;

    public async ValueTask<IReadOnlyList<FieldError>> ValidateAsync(CreateReseller request, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Trim().Length > MaxNameLength)
        {
            errors.Add(new("name", "Enter the reseller's name (at most 100 characters)."));
        }

        if (string.IsNullOrWhiteSpace(request.BrandName) || request.BrandName.Trim().Length > MaxBrandLength)
        {
            errors.Add(new("brandName", "Enter the brand its portal shows (at most 60 characters)."));
        }

        // JSON may carry null entries in the list, whatever its declared element type says.
        var hosts = (request.HostNames ?? []).Select(h => TenancyRules.NormaliseHost(h ?? "")).Where(h => h.Length > 0).ToArray();
        if (hosts.Length is 0 or > MaxHostNames)
        {
            errors.Add(new("hostNames", "Give one to ten host names the portal answers on."));
        }
        else if (hosts.FirstOrDefault(h => !TenancyRules.HostName().IsMatch(h)) is { } bad)
        {
            errors.Add(new("hostNames", $"'{bad}' is not a valid host name."));
        }
        else if (await db.Set<ResellerHostName>().Where(h => hosts.Contains(h.HostName)).Select(h => h.HostName).FirstOrDefaultAsync(cancellationToken) is { } taken)
        {
            errors.Add(new("hostNames", $"'{taken}' already belongs to a portal."));
        }

        return errors;
    }
}

/// <summary>Creates a reseller with its host names, each once and in its one spelling.</summary>
internal sealed class CreateResellerHandler(PortalDbContext db, TimeProvider clock, ISecurityAudit audit) : ICommandHandler<CreateReseller, ResellerView>
{
    public ValueTask<ResellerView> Handle(CreateReseller command, CancellationToken cancellationToken)
    {
        var reseller = new Reseller
        {
            Id = Guid.NewGuid(),
            Name = command.Name!.Trim(),
            BrandName = command.BrandName!.Trim(),
            OtpRequired = command.OtpRequired,
            CreatedAt = clock.GetUtcNow(),
        };
        reseller.HostNames.AddRange(command.HostNames!.Select(TenancyRules.NormaliseHost).Where(h => h.Length > 0).Distinct()
            .Select(h => new ResellerHostName { HostName = h, ResellerId = reseller.Id }));
        db.Add(reseller);
        audit.Record("reseller.created", reseller.Name, $"host names {string.Join(", ", reseller.HostNames.Select(h => h.HostName))}");
        return ValueTask.FromResult(TenancyViews.Of(reseller, 0));
    }
}
