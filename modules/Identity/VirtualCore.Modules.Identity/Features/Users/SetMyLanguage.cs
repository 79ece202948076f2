using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Localisation;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Identity.Domain;
using VirtualCore.Modules.Identity.Web;

namespace VirtualCore.Modules.Identity.Features.Users;

/// <summary>The caller's own language for the portal; null or empty follows the reseller's default again.</summary>
public sealed record SetMyLanguage(string? Language) : ICommand;

internal sealed class SetMyLanguageValidator : IValidator<SetMyLanguage>
{
    public ValueTask<IReadOnlyList<FieldError>> ValidateAsync(SetMyLanguage request, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<FieldError>>(
            string.IsNullOrEmpty(request.Language) || PortalLanguages.IsSupported(request.Language)
                ? []
                : [new FieldError("language", $"Choose one of: {string.Join(", ", PortalLanguages.All)} (or nothing for the portal's default).")]);
}

internal sealed class SetMyLanguageHandler(PortalDbContext db, ITenantContext tenant, SessionValidator sessions, AfterCommitActions afterCommit) : ICommandHandler<SetMyLanguage>
{
    public async ValueTask<Unit> Handle(SetMyLanguage command, CancellationToken cancellationToken)
    {
        var user = await db.Set<UserAccount>().SingleOrDefaultAsync(u => u.Id == tenant.UserId, cancellationToken) ?? throw new NotFoundException("Your account");
        user.Language = string.IsNullOrEmpty(command.Language) ? null : command.Language;

        // The language is read with the account's cached standing: the next request must see the change.
        afterCommit.Add(_ =>
        {
            sessions.ForgetAccount(user.Id);
            return Task.CompletedTask;
        });
        return Unit.Value;
    }
}
