using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Identity.Domain;

namespace VirtualCore.Modules.Identity.Features.Login;

public static class Login
{
    /// <summary>Checks a user name and password and returns the identity to sign in with.</summary>
    public sealed record Command(string UserName, string Password) : ICommand<ClaimsPrincipal>;

    internal sealed class Validator : IValidator<Command>
    {
        public ValueTask<IReadOnlyList<FieldError>> ValidateAsync(Command request, CancellationToken cancellationToken)
        {
            var errors = new List<FieldError>();
            if (string.IsNullOrWhiteSpace(request.UserName))
            {
                errors.Add(new FieldError("userName", "Enter your user name."));
            }
            else if (request.UserName.Length > 64)
            {
                errors.Add(new FieldError("userName", "A user name has at most 64 characters."));
            }

            if (string.IsNullOrEmpty(request.Password))
            {
                errors.Add(new FieldError("password", "Enter your password."));
            }
            else if (request.Password.Length > 256)
            {
                errors.Add(new FieldError("password", "A password has at most 256 characters."));
            }

            return ValueTask.FromResult<IReadOnlyList<FieldError>>(errors);
        }
    }

    internal sealed class Handler(PortalDbContext db, IPasswordHasher<UserAccount> hasher, TimeProvider clock) : ICommandHandler<Command, ClaimsPrincipal>
    {
        // Verifying against this when the user does not exist keeps the answer's timing the same either way.
        private static readonly Lazy<string> UnknownUserHash = new(() => new PasswordHasher<UserAccount>().HashPassword(null!, Guid.NewGuid().ToString()));

        public const string WrongCredentials = "The user name or password is wrong.";

        public async ValueTask<ClaimsPrincipal> Handle(Command command, CancellationToken cancellationToken)
        {
            var userName = command.UserName.Trim().ToLowerInvariant();
            var user = await db.Set<UserAccount>().IgnoreQueryFilters()
                .SingleOrDefaultAsync(u => u.UserName == userName, cancellationToken);
            var verdict = hasher.VerifyHashedPassword(user!, user?.PasswordHash ?? UnknownUserHash.Value, command.Password);
            if (user is null || user.Disabled || verdict == PasswordVerificationResult.Failed)
            {
                throw new RequestValidationException("password", WrongCredentials);
            }

            if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
            {
                user.PasswordHash = hasher.HashPassword(user, command.Password);
            }

            user.LastLoginAt = clock.GetUtcNow();
            return ToPrincipal(user);
        }
    }

    internal static ClaimsPrincipal ToPrincipal(UserAccount user)
    {
        var role = user.Role switch
        {
            UserRole.Operator => TenantClaims.OperatorRole,
            UserRole.CustomerAdmin => TenantClaims.CustomerAdminRole,
            _ => TenantClaims.CustomerUserRole,
        };
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()),
                new Claim(ClaimTypes.Name, user.UserName),
                new Claim("vcore:display-name", user.DisplayName),
                new Claim(TenantClaims.ResellerId, user.ResellerId.ToString()),
                new Claim(TenantClaims.CustomerId, user.CustomerId.ToString()),
                new Claim(ClaimTypes.Role, role),
            ],
            "password");
        return new ClaimsPrincipal(identity);
    }
}
