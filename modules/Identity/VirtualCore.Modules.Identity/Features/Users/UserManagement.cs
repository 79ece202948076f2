using Mediator;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Identity.Contracts;
using VirtualCore.Modules.Identity.Domain;
using VirtualCore.Modules.Identity.Web;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Modules.Identity.Features.Users;

public sealed record UserView(Guid Id, string UserName, string DisplayName, string Role, Guid CustomerId, bool Disabled, bool OtpEnrolled, bool Locked, DateTimeOffset CreatedAt, DateTimeOffset? LastLoginAt);

public sealed record GrantView(Guid Id, Guid UserId, Guid? VmId, string Level, string GrantedBy, DateTimeOffset GrantedAt);

/// <summary>The users the caller administers: its customer's (customer admin), its reseller's (reseller), everyone's (operator).</summary>
public sealed record ListUsers : IQuery<IReadOnlyList<UserView>>;

public sealed record GetUser(Guid UserId) : IQuery<UserView>;

/// <summary>The caller's own account, for its profile: no user-management right needed.</summary>
public sealed record GetMyAccount : IQuery<UserView>;

/// <param name="UserName">Lower-case letters, digits, dots, hyphens and underscores; unique in the reseller's portal.</param>
/// <param name="DisplayName">How the user is shown.</param>
/// <param name="Password">The first password (at least 10 characters).</param>
/// <param name="Role">"customer-admin" or "customer-user"; resellers and the operator may also create "reseller-admin".</param>
/// <param name="CustomerId">The customer; a customer admin may leave it empty for its own.</param>
public sealed record CreateUser(string? UserName, string? DisplayName, string? Password, string? Role, Guid? CustomerId) : ICommand<UserView>;

public sealed record SetUserDisabled(Guid UserId, bool Disabled) : ICommand<UserView>;

public sealed record ListGrants(Guid UserId) : IQuery<IReadOnlyList<GrantView>>;

/// <summary>Gives a customer user a right on one VM, or on every VM of the account when <paramref name="VmId"/> is null.</summary>
public sealed record GrantAccess(Guid UserId, Guid? VmId, string? Level) : ICommand<GrantView>;

public sealed record RevokeGrant(Guid GrantId) : ICommand<bool>;

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
        new(u.Id, u.UserName, u.DisplayName, u.RoleName, u.CustomerId, u.Disabled, u.OtpSecret is not null, locked, u.CreatedAt, u.LastLoginAt);

    /// <summary>Which of the users are locked out for some client address now.</summary>
    public static async Task<HashSet<Guid>> LockedAsync(PortalDbContext db, IReadOnlyCollection<Guid> userIds, DateTimeOffset now, CancellationToken cancellationToken) =>
        (await db.Set<SignInThrottle>().AsNoTracking().Where(t => userIds.Contains(t.UserId) && t.LockedUntil != null).ToListAsync(cancellationToken))
            .Where(t => t.LockedUntil > now).Select(t => t.UserId).ToHashSet();

    public static GrantView View(AccessGrant g) =>
        new(g.Id, g.UserId, g.VmId == Guid.Empty ? null : g.VmId, g.Level.ToString().ToLowerInvariant(), g.GrantedBy, g.GrantedAt);

    public static readonly System.Text.RegularExpressions.Regex UserNamePattern = new("^[a-z0-9][a-z0-9._-]{1,63}$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);
}

internal sealed class CreateUserValidator(PortalDbContext db, ITenantContext tenant) : IValidator<CreateUser>
{
    public async ValueTask<IReadOnlyList<FieldError>> ValidateAsync(CreateUser request, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        var userName = request.UserName?.Trim().ToLowerInvariant() ?? "";
        if (!UserManagement.UserNamePattern.IsMatch(userName))
        {
            errors.Add(new("userName", "Use 2 to 64 lower-case letters, digits, dots, hyphens or underscores, starting with a letter or digit."));
        }
        else if (await db.Set<UserAccount>().IgnoreQueryFilters().AnyAsync(u => u.ResellerId == tenant.ResellerId && u.UserName == userName, cancellationToken))
        {
            errors.Add(new("userName", $"The user name '{userName}' is taken in this portal."));
        }

        if (string.IsNullOrWhiteSpace(request.DisplayName) || request.DisplayName.Length > 100)
        {
            errors.Add(new("displayName", "Enter a display name (at most 100 characters)."));
        }

        if (UserManagement.PasswordProblem(request.Password) is { } problem)
        {
            errors.Add(new("password", problem));
        }

        var allowed = tenant.Role is TenantClaims.OperatorRole or TenantClaims.ResellerAdminRole
            ? new[] { TenantClaims.CustomerAdminRole, TenantClaims.CustomerUserRole, TenantClaims.ResellerAdminRole }
            : [TenantClaims.CustomerAdminRole, TenantClaims.CustomerUserRole];
        if (request.Role is null || !allowed.Contains(request.Role))
        {
            errors.Add(new("role", $"Choose one of: {string.Join(", ", allowed)}."));
        }

        return errors;
    }
}

internal sealed class UserHandlers(
    PortalDbContext db,
    ITenantContext tenant,
    ISender sender,
    IPasswordHasher<UserAccount> hasher,
    ISecurityAudit audit,
    UserSessions sessions,
    TimeProvider clock) :
    IQueryHandler<ListUsers, IReadOnlyList<UserView>>,
    IQueryHandler<GetUser, UserView>,
    IQueryHandler<GetMyAccount, UserView>,
    ICommandHandler<CreateUser, UserView>,
    ICommandHandler<SetUserDisabled, UserView>,
    IQueryHandler<ListGrants, IReadOnlyList<GrantView>>,
    ICommandHandler<GrantAccess, GrantView>,
    ICommandHandler<RevokeGrant, bool>,
    IQueryHandler<ListVmViewers, IReadOnlyList<Guid>>
{
    public async ValueTask<IReadOnlyList<UserView>> Handle(ListUsers query, CancellationToken cancellationToken)
    {
        var users = await UserManagement.ManageableUsers(db, tenant).AsNoTracking().OrderBy(u => u.UserName).ToListAsync(cancellationToken);
        var locked = await UserManagement.LockedAsync(db, users.Select(u => u.Id).ToArray(), clock.GetUtcNow(), cancellationToken);
        return users.Select(u => UserManagement.View(u, locked.Contains(u.Id))).ToArray();
    }

    public async ValueTask<UserView> Handle(GetUser query, CancellationToken cancellationToken) =>
        await ViewAsync(await FindAsync(query.UserId, cancellationToken), cancellationToken);

    public async ValueTask<UserView> Handle(GetMyAccount query, CancellationToken cancellationToken) =>
        await ViewAsync(
            await db.Set<UserAccount>().AsNoTracking().SingleOrDefaultAsync(u => u.Id == tenant.UserId, cancellationToken) ?? throw new NotFoundException("Your account"),
            cancellationToken);

    private async Task<UserView> ViewAsync(UserAccount user, CancellationToken cancellationToken) =>
        UserManagement.View(user, (await UserManagement.LockedAsync(db, [user.Id], clock.GetUtcNow(), cancellationToken)).Count > 0);

    public async ValueTask<UserView> Handle(CreateUser command, CancellationToken cancellationToken)
    {
        var role = command.Role switch
        {
            TenantClaims.ResellerAdminRole => UserRole.ResellerAdmin,
            TenantClaims.CustomerAdminRole => UserRole.CustomerAdmin,
            _ => UserRole.CustomerUser,
        };
        var customerId = Guid.Empty;
        if (role != UserRole.ResellerAdmin)
        {
            customerId = tenant.Role == TenantClaims.CustomerAdminRole ? tenant.CustomerId!.Value : command.CustomerId ?? Guid.Empty;
            if (tenant.Role == TenantClaims.CustomerAdminRole && command.CustomerId is { } asked && asked != customerId)
            {
                throw new NotFoundException("The customer");
            }

            if (customerId == Guid.Empty)
            {
                throw new RequestValidationException("customerId", "Choose the customer the user belongs to.");
            }

            // Only a customer the caller administers: a reseller's own, any for the operator. A customer admin's
            // is its own, and looking it up would need the customer-management right it does not have.
            if (tenant.Role != TenantClaims.CustomerAdminRole)
            {
                var customer = await sender.Send(new GetCustomer(customerId), cancellationToken);
                if (customer.ResellerId != tenant.ResellerId && !tenant.IsOperator)
                {
                    throw new NotFoundException("The customer");
                }
            }
        }

        var user = new UserAccount
        {
            Id = Guid.NewGuid(),
            ResellerId = tenant.ResellerId!.Value,
            CustomerId = customerId,
            UserName = command.UserName!.Trim().ToLowerInvariant(),
            DisplayName = command.DisplayName!.Trim(),
            PasswordHash = "",
            Role = role,
            CreatedAt = clock.GetUtcNow(),
        };
        user.PasswordHash = hasher.HashPassword(user, command.Password!);
        db.Add(user);
        audit.Record("user.created", user.UserName, $"role {user.RoleName}", user.ResellerId, user.CustomerId);
        return UserManagement.View(user, locked: false);
    }

    public async ValueTask<UserView> Handle(SetUserDisabled command, CancellationToken cancellationToken)
    {
        var user = await FindAsync(command.UserId, cancellationToken);
        if (user.Id == tenant.UserId)
        {
            throw new ConflictException("You cannot disable your own account.");
        }

        user.Disabled = command.Disabled;
        if (command.Disabled)
        {
            // Every session, cached sign-in and live connection of the user ends within seconds.
            await sessions.EndAllAsync(user, keep: null, cancellationToken);
        }

        audit.Record(command.Disabled ? "user.disabled" : "user.enabled", user.UserName, null, user.ResellerId, user.CustomerId);
        return await ViewAsync(user, cancellationToken);
    }

    public async ValueTask<IReadOnlyList<GrantView>> Handle(ListGrants query, CancellationToken cancellationToken)
    {
        var user = await FindAsync(query.UserId, cancellationToken);
        return (await db.Set<AccessGrant>().AsNoTracking().Where(g => g.UserId == user.Id).OrderBy(g => g.GrantedAt).ToListAsync(cancellationToken))
            .Select(UserManagement.View).ToArray();
    }

    public async ValueTask<GrantView> Handle(GrantAccess command, CancellationToken cancellationToken)
    {
        var user = await FindAsync(command.UserId, cancellationToken);
        if (user.Role != UserRole.CustomerUser)
        {
            throw new RequestValidationException("userId", "Only customer users get grants; admins manage everything of their customer.");
        }

        if (!Enum.TryParse<AccessLevel>(command.Level, ignoreCase: true, out var level) || level == AccessLevel.None || !Enum.IsDefined(level))
        {
            throw new RequestValidationException("level", "Choose view, operate or manage.");
        }

        var vmId = command.VmId ?? Guid.Empty;
        var existing = await db.Set<AccessGrant>().SingleOrDefaultAsync(g => g.UserId == user.Id && g.VmId == vmId, cancellationToken);
        var grant = existing ?? new AccessGrant { Id = Guid.NewGuid(), ResellerId = user.ResellerId, CustomerId = user.CustomerId, UserId = user.Id, VmId = vmId, GrantedBy = tenant.UserName };
        grant.Level = level;
        grant.GrantedBy = tenant.UserName;
        grant.GrantedAt = clock.GetUtcNow();
        if (existing is null)
        {
            db.Add(grant);
        }

        audit.Record("grant.given", user.UserName, $"{level.ToString().ToLowerInvariant()} on {(vmId == Guid.Empty ? "the whole account" : $"VM {vmId}")}", user.ResellerId, user.CustomerId);
        return UserManagement.View(grant);
    }

    public async ValueTask<bool> Handle(RevokeGrant command, CancellationToken cancellationToken)
    {
        var grant = await db.Set<AccessGrant>().SingleOrDefaultAsync(g => g.Id == command.GrantId, cancellationToken)
            ?? throw new NotFoundException("The grant");
        var user = await FindAsync(grant.UserId, cancellationToken);
        db.Remove(grant);
        audit.Record("grant.revoked", user.UserName, $"{grant.Level.ToString().ToLowerInvariant()} on {(grant.VmId == Guid.Empty ? "the whole account" : $"VM {grant.VmId}")}", user.ResellerId, user.CustomerId);
        return true;
    }

    public async ValueTask<IReadOnlyList<Guid>> Handle(ListVmViewers query, CancellationToken cancellationToken) =>
        await db.Set<AccessGrant>().IgnoreQueryFilters().AsNoTracking()
            .Where(g => g.CustomerId == query.CustomerId && (g.VmId == query.VmId || g.VmId == Guid.Empty) && g.Level != AccessLevel.None)
            .Select(g => g.UserId).Distinct().ToListAsync(cancellationToken);

    private async Task<UserAccount> FindAsync(Guid userId, CancellationToken cancellationToken) =>
        await UserManagement.ManageableUsers(db, tenant).SingleOrDefaultAsync(u => u.Id == userId, cancellationToken)
        ?? throw new NotFoundException("The user");
}
