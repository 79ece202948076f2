using System.Security.Cryptography;
using System.Text;
using Mediator;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Identity.Domain;
using VirtualCore.Modules.Identity.Features.Users;

namespace VirtualCore.Modules.Identity.Features.Setup;

/// <summary>
/// The one-time token that creates the first operator of an installation without one. Only its SHA-256 hash is
/// kept, in this process's memory, and it is compared in constant time. With several portal instances each one
/// that starts without an operator prints its own token, good only on that instance: create the first operator
/// through that instance's own address (or start a single instance the first time).
/// </summary>
internal sealed class SetupToken
{
    private byte[]? _hash;

    /// <summary>While a token was issued and not spent.</summary>
    public bool IsOpen => Volatile.Read(ref _hash) is not null;

    /// <summary>A new random token (256 bits); any earlier one stops working.</summary>
    public string Issue()
    {
        var token = "vcs_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        Volatile.Write(ref _hash, Hash(token));
        return token;
    }

    public bool Matches(string? token) => Volatile.Read(ref _hash) is { } hash && CryptographicOperations.FixedTimeEquals(Hash(token), hash);

    /// <summary>Spends the token when it is this one: true for one caller only.</summary>
    public bool TrySpend(string? token) =>
        Volatile.Read(ref _hash) is { } hash && CryptographicOperations.FixedTimeEquals(Hash(token), hash)
        && ReferenceEquals(Interlocked.CompareExchange(ref _hash, null, hash), hash);

    private static byte[] Hash(string? token) => SHA256.HashData(Encoding.UTF8.GetBytes(token ?? ""));
}

/// <summary>At start, when no operator account exists, issues a setup token and prints it to the log.</summary>
internal sealed class SetupTokenAnnouncer(IServiceScopeFactory scopes, SetupToken token, ILogger<SetupTokenAnnouncer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<ScopedTenantContext>().Use(SystemTenantContext.Instance);
        if (await OperatorSetup.OperatorExistsAsync(scope.ServiceProvider.GetRequiredService<PortalDbContext>(), cancellationToken))
        {
            return;
        }

        logger.LogWarning(
            "No operator account exists yet. Create the first one on the provider's portal at /setup "
            + "(for example http://localhost:5080/setup) with this one-time setup token: {SetupToken} — it works once, until this portal stops.",
            token.Issue());
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>How creating the first operator ended. A wrong token is refused without saying more.</summary>
public sealed record SetupOutcome(bool Created, string? Message)
{
    public const string Refusal = "The setup token is not valid.";
}

/// <summary>Creates the first operator on the provider's portal, with the setup token from the portal's log.</summary>
/// <param name="ProviderId">The provider, whose portal the request reached.</param>
public sealed record CreateFirstOperator(Guid ProviderId, string? Token, string? UserName, string? DisplayName, string? Password) : ICommand<SetupOutcome>;

internal static class OperatorSetup
{
    public static Task<bool> OperatorExistsAsync(PortalDbContext db, CancellationToken cancellationToken) =>
        db.Set<UserAccount>().IgnoreQueryFilters().AnyAsync(u => u.Role == UserRole.Operator, cancellationToken);
}

/// <summary>A refusal is a result, not an exception: its audit entry must be saved.</summary>
internal sealed class CreateFirstOperatorHandler(
    PortalDbContext db,
    SetupToken token,
    IPasswordHasher<UserAccount> hasher,
    ISecurityAudit audit,
    TimeProvider clock) : ICommandHandler<CreateFirstOperator, SetupOutcome>
{
    public async ValueTask<SetupOutcome> Handle(CreateFirstOperator command, CancellationToken cancellationToken)
    {
        if (!token.Matches(command.Token) || await OperatorSetup.OperatorExistsAsync(db, cancellationToken))
        {
            audit.Record("setup.refused", "setup", "wrong or spent setup token", command.ProviderId, Guid.Empty);
            return new SetupOutcome(false, SetupOutcome.Refusal);
        }

        // The fields are checked before the token is spent: a too-short password costs no new start.
        var userName = command.UserName?.Trim().ToLowerInvariant() ?? "";
        var errors = new List<FieldError>();
        if (!UserManagement.UserNamePattern.IsMatch(userName))
        {
            errors.Add(new("userName", "Use 2 to 64 lower-case letters, digits, dots, hyphens or underscores, starting with a letter or digit."));
        }
        else if (await db.Set<UserAccount>().IgnoreQueryFilters().AnyAsync(u => u.ResellerId == command.ProviderId && u.UserName == userName, cancellationToken))
        {
            errors.Add(new("userName", $"The user name '{userName}' is taken in this portal."));
        }

        if (string.IsNullOrWhiteSpace(command.DisplayName) || command.DisplayName.Length > 100)
        {
            errors.Add(new("displayName", "Enter a display name (at most 100 characters)."));
        }

        if (UserManagement.PasswordProblem(command.Password) is { } problem)
        {
            errors.Add(new("password", problem));
        }

        if (errors.Count > 0)
        {
            throw new RequestValidationException(errors);
        }

        if (!token.TrySpend(command.Token))
        {
            audit.Record("setup.refused", "setup", "setup token spent meanwhile", command.ProviderId, Guid.Empty);
            return new SetupOutcome(false, SetupOutcome.Refusal);
        }

        var user = new UserAccount
        {
            Id = Guid.NewGuid(),
            ResellerId = command.ProviderId,
            CustomerId = Guid.Empty,
            UserName = userName,
            DisplayName = command.DisplayName!.Trim(),
            PasswordHash = "",
            Role = UserRole.Operator,
            CreatedAt = clock.GetUtcNow(),
        };
        user.PasswordHash = hasher.HashPassword(user, command.Password!);
        db.Add(user);
        audit.Record("setup.operator-created", userName, "first operator, with the setup token", command.ProviderId, Guid.Empty, actor: userName);
        return new SetupOutcome(true, null);
    }
}
