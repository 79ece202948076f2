using Mediator;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Identity.Domain;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Modules.Identity.Features.Users;

/// <param name="UserName">Lower-case letters, digits, dots, hyphens and underscores; unique in the reseller's portal.</param>
/// <param name="DisplayName">How the user is shown.</param>
/// <param name="Password">The first password (at least 10 characters).</param>
/// <param name="Role">"customer-admin" or "customer-user"; resellers and the operator may also create "reseller-admin".</param>
/// <param name="CustomerId">The customer; a customer admin may leave it empty for its own.</param>
public sealed record CreateUser(string? UserName, string? DisplayName, string? Password, string? Role, Guid? CustomerId) : ICommand<UserView>;

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

/// <summary>Creates a user of a customer the caller administers, or a reseller admin.</summary>
internal sealed class CreateUserHandler(PortalDbContext db, ITenantContext tenant, ISender sender, IPasswordHasher<UserAccount> hasher, ISecurityAudit audit, TimeProvider clock) : ICommandHandler<CreateUser, UserView>
{
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
}
