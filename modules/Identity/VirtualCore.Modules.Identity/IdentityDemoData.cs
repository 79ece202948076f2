using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Modules;
using VirtualCore.Framework.Persistence;
using VirtualCore.Modules.Identity.Domain;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Modules.Identity;

/// <summary>The demo logins of the embedded default; the README lists them.</summary>
internal sealed class IdentityDemoData(PortalDbContext db, IPasswordHasher<UserAccount> hasher, TimeProvider clock) : ISeedData
{
    public static IReadOnlyList<(Guid ResellerId, string UserName, string Password, string DisplayName, UserRole Role, Guid CustomerId)> Logins { get; } =
    [
        (DemoTenants.ProviderId, "operator", "operator-pass-1", "Olga Operator", UserRole.Operator, Guid.Empty),
        (DemoTenants.ProviderId, "demo", "demo-pass-1", "Dana Demo (Demo GmbH)", UserRole.CustomerAdmin, DemoTenants.DemoCustomerId),
        (DemoTenants.ProviderId, "other", "other-pass-1", "Otto Other (Other AG)", UserRole.CustomerAdmin, DemoTenants.OtherCustomerId),
        (DemoTenants.KampId, "kamp-admin", "kamp-admin-pass-1", "Karla Kamp (Kamp Hosting)", UserRole.ResellerAdmin, Guid.Empty),
        (DemoTenants.KampId, "baecker", "baecker-pass-1", "Bernd Bäcker (Bäckerei Kamp)", UserRole.CustomerAdmin, DemoTenants.KampCustomerId),
        (DemoTenants.KampId, "geselle", "geselle-pass-1", "Greta Geselle (Bäckerei Kamp)", UserRole.CustomerUser, DemoTenants.KampCustomerId),
        (DemoTenants.AcmeId, "acme-admin", "acme-admin-pass-1", "Alan Acme (Acme Hosting)", UserRole.ResellerAdmin, Guid.Empty),
        (DemoTenants.AcmeId, "widget", "widget-pass-1", "Wendy Widget (Acme Widgets)", UserRole.CustomerAdmin, DemoTenants.AcmeCustomerId),
        (DemoTenants.AcmeId, "intern", "intern-pass-1", "Ian Intern (Acme Widgets)", UserRole.CustomerUser, DemoTenants.AcmeCustomerId),
    ];

    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        if (await db.Set<UserAccount>().IgnoreQueryFilters().AnyAsync(cancellationToken))
        {
            return;
        }

        var now = clock.GetUtcNow();
        foreach (var (resellerId, userName, password, displayName, role, customerId) in Logins)
        {
            var user = new UserAccount
            {
                Id = Guid.NewGuid(),
                ResellerId = resellerId,
                CustomerId = customerId,
                UserName = userName,
                DisplayName = displayName,
                PasswordHash = "",
                Role = role,
                CreatedAt = now,
            };
            user.PasswordHash = hasher.HashPassword(user, password);
            db.Add(user);
        }

        await db.SaveChangesAsync(cancellationToken);
    }
}

/// <summary>Demo logins whose well-known password still works: what a production configuration must not serve.</summary>
internal sealed class DemoLoginProbe(PortalDbContext db, IPasswordHasher<UserAccount> hasher) : IDemoDataProbe
{
    public async Task<string?> FindAsync(CancellationToken cancellationToken)
    {
        var names = IdentityDemoData.Logins.Select(l => l.UserName).ToArray();
        var candidates = await db.Set<UserAccount>().IgnoreQueryFilters().AsNoTracking().Where(u => names.Contains(u.UserName)).ToListAsync(cancellationToken);
        var found = IdentityDemoData.Logins
            .Where(l => candidates.Any(u => u.ResellerId == l.ResellerId && u.UserName == l.UserName
                && hasher.VerifyHashedPassword(u, u.PasswordHash, l.Password) != PasswordVerificationResult.Failed))
            .Select(l => l.UserName)
            .ToArray();
        return found.Length == 0 ? null : $"demo logins with their well-known passwords ({string.Join(", ", found)})";
    }
}
