using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Identity.Domain;

namespace VirtualCore.Modules.Identity.Features.Users;

public sealed record UserView(Guid Id, string UserName, string DisplayName, string Role, Guid CustomerId, bool Disabled, bool OtpEnrolled, bool Locked, DateTimeOffset CreatedAt, DateTimeOffset? LastLoginAt, string? Language = null);

public sealed record GrantView(Guid Id, Guid UserId, Guid? VmId, string Level, string GrantedBy, DateTimeOffset GrantedAt);

internal static class UserManagement
{
    /// <summary>Users the caller may administer: the tenant filter, and never the caller's superiors.</summary>
    public static IQueryable<UserAccount> ManageableUsers(PortalDbContext db, ITenantContext tenant) => tenant.Role switch
    {
        TenantClaims.OperatorRole => db.Set<UserAccount>(),
        TenantClaims.ResellerAdminRole => db.Set<UserAccount>().Where(u => u.Role != UserRole.Operator),
        TenantClaims.CustomerAdminRole => db.Set<UserAccount>().Where(u => u.Role == UserRole.CustomerAdmin || u.Role == UserRole.CustomerUser),
        _ => db.Set<UserAccount>().Where(_ => false),
    };

    public static string? PasswordProblem(string? password) =>
        string.IsNullOrEmpty(password) || password.Length < 10 ? "Choose a password of at least 10 characters."
        : password.Length > 256 ? "A password has at most 256 characters."
        : null;

    /// <param name="locked">Locked out for at least one client address just now.</param>
    public static UserView View(UserAccount u, bool locked) =>
        new(u.Id, u.UserName, u.DisplayName, u.RoleName, u.CustomerId, u.Disabled, u.OtpSecret is not null, locked, u.CreatedAt, u.LastLoginAt, u.Language);

    /// <summary>Which of the users are locked out for some client address now.</summary>
    public static async Task<HashSet<Guid>> LockedAsync(PortalDbContext db, IReadOnlyCollection<Guid> userIds, DateTimeOffset now, CancellationToken cancellationToken) =>
        (await db.Set<SignInThrottle>().AsNoTracking().Where(t => userIds.Contains(t.UserId) && t.LockedUntil != null).ToListAsync(cancellationToken))
            .Where(t => t.LockedUntil > now).Select(t => t.UserId).ToHashSet();

    public static GrantView View(AccessGrant g) =>
        new(g.Id, g.UserId, g.VmId == Guid.Empty ? null : g.VmId, g.Level.ToString().ToLowerInvariant(), g.GrantedBy, g.GrantedAt);

    /// <summary>The user the caller may administer, or not found.</summary>
    public static async Task<UserAccount> FindAsync(PortalDbContext db, ITenantContext tenant, Guid userId, CancellationToken cancellationToken) =>
        await ManageableUsers(db, tenant).SingleOrDefaultAsync(u => u.Id == userId, cancellationToken)
        ?? throw new NotFoundException("The user");

    /// <summary>The user's view, locked or not as of now.</summary>
    public static async Task<UserView> ViewAsync(PortalDbContext db, UserAccount user, DateTimeOffset now, CancellationToken cancellationToken) =>
        View(user, (await LockedAsync(db, [user.Id], now, cancellationToken)).Count > 0);

    public static readonly System.Text.RegularExpressions.Regex UserNamePattern = new("^[a-z0-9][a-z0-9._-]{1,63}$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);
}
