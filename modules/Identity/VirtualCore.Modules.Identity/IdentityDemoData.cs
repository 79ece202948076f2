using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Modules;
using VirtualCore.Framework.Persistence;
using VirtualCore.Modules.Identity.Domain;

namespace VirtualCore.Modules.Identity;

/// <summary>The demo tenants and logins of the embedded default; the README lists them.</summary>
internal sealed class IdentityDemoData(PortalDbContext db, IPasswordHasher<UserAccount> hasher, TimeProvider clock) : ISeedData
{
    public static readonly Guid ProviderId = new("7c0e1a5e-0000-4000-8000-000000000001");
    public static readonly Guid DemoCustomerId = new("7c0e1a5e-0000-4000-8000-0000000000c1");
    public static readonly Guid OtherCustomerId = new("7c0e1a5e-0000-4000-8000-0000000000c2");

    public static IReadOnlyList<(string UserName, string Password, string DisplayName, UserRole Role, Guid CustomerId)> Logins { get; } =
    [
        ("operator", "operator-pass-1", "Olga Operator", UserRole.Operator, Guid.Empty),
        ("demo", "demo-pass-1", "Dana Demo (Demo GmbH)", UserRole.CustomerAdmin, DemoCustomerId),
        ("other", "other-pass-1", "Otto Other (Other AG)", UserRole.CustomerAdmin, OtherCustomerId),
    ];

    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        if (await db.Set<Reseller>().AnyAsync(cancellationToken))
        {
            return;
        }

        var now = clock.GetUtcNow();
        db.Add(new Reseller { Id = ProviderId, Name = "VirtualCore Hosting", BrandName = "VirtualCore", CreatedAt = now });
        db.Add(new Customer { Id = DemoCustomerId, ResellerId = ProviderId, Name = "Demo GmbH", CreatedAt = now });
        db.Add(new Customer { Id = OtherCustomerId, ResellerId = ProviderId, Name = "Other AG", CreatedAt = now });
        foreach (var (userName, password, displayName, role, customerId) in Logins)
        {
            var user = new UserAccount
            {
                Id = Guid.NewGuid(),
                ResellerId = ProviderId,
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
