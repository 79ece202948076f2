using System.Data;
using System.Diagnostics;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Security;
using VirtualCore.Framework.Tenancy;

namespace VirtualCore.Framework.Mediation;

// The pipeline, in this order: logging → authorisation → unit of work → validation → handler. Validation runs inside
// the transaction, so what a validator checked (a name is free) still holds when the handler's writes commit.

public sealed class LoggingBehaviour<TMessage, TResponse>(ILogger<LoggingBehaviour<TMessage, TResponse>> logger, ITenantContext tenant)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        // The message itself is not logged: it may carry secrets such as passwords.
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await next(message, cancellationToken);
            if (logger.IsEnabled(LogLevel.Debug))
            {
                logger.LogDebug("{Request} by {User} handled in {Elapsed} ms", typeof(TMessage).Name, tenant.UserName, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            return response;
        }
        catch (Exception ex) when (ex is RequestValidationException or NotFoundException or ForbiddenException or ConflictException)
        {
            if (logger.IsEnabled(LogLevel.Information))
            {
                logger.LogInformation("{Request} by {User} refused: {Reason}", typeof(TMessage).Name, tenant.UserName, ex.Message);
            }

            throw;
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "{Request} by {User} failed", typeof(TMessage).Name, tenant.UserName);
            throw;
        }
    }
}

public sealed class ValidationBehaviour<TMessage, TResponse>(IServiceProvider services) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        foreach (var validator in services.GetServices<IValidator<TMessage>>())
        {
            errors.AddRange(await validator.ValidateAsync(message, cancellationToken));
        }

        if (errors.Count > 0)
        {
            throw new RequestValidationException(errors);
        }

        return await next(message, cancellationToken);
    }
}

/// <summary>
/// Who may send the request, before anything looks at its content: the permission it declares, a fresh proof where
/// it needs one, and the caller's access to the VM it is about. Validation comes after, so a refusal never tells a
/// caller without rights whether a name exists.
/// </summary>
public sealed class AuthorisationBehaviour<TMessage, TResponse>(
    ITenantContext tenant,
    IPermissionChecker permissions,
    RequestPermissions declared,
    IServiceProvider services)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        if (tenant.IsSystem)
        {
            return await next(message, cancellationToken);
        }

        if (!declared.TryGet(typeof(TMessage), out var declaration))
        {
            throw new ForbiddenException($"'{typeof(TMessage).Name}' declares no permission and is refused.");
        }

        if (declaration.Permission is { } permission)
        {
            if (!tenant.IsAuthenticated)
            {
                throw new ForbiddenException("Sign in first.");
            }

            if (!permissions.Has(permission))
            {
                throw new ForbiddenException($"You lack the permission '{permission}'.");
            }
        }

        if (message is IRequiresFreshProof && services.GetService<IFreshProof>() is not { IsFresh: true })
        {
            throw new FreshProofRequiredException();
        }

        if (declared.TryGetVm(message, out var vmId, out var level))
        {
            var guard = services.GetService<IVmGuard>()
                ?? throw new ForbiddenException($"'{typeof(TMessage).Name}' is about a VM, and no module guards VMs.");
            await guard.EnsureAsync(vmId, level, cancellationToken);
        }

        return await next(message, cancellationToken);
    }
}

/// <summary>
/// Commands run in one serialisable transaction, their validation included; what they wrote is saved only if the
/// handler succeeds. Two commands racing for the same thing (the last free core, a name, a one-time password) cannot
/// both succeed: SQLite runs one writer at a time (BEGIN IMMEDIATE), PostgreSQL fails the later commit; the loser
/// runs again on the winner's outcome (up to three tries) and is refused for its reason, or gets a conflict — never a
/// server error.
/// </summary>
public sealed class UnitOfWorkBehaviour<TMessage, TResponse>(PortalDbContext db, AfterCommitActions afterCommit)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    /// <summary>How often a command is tried when other transactions keep changing what it reads.</summary>
    private const int Attempts = 3;

    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        if (message is not IBaseCommand || db.Database.CurrentTransaction is not null)
        {
            return await next(message, cancellationToken);
        }

        // A command that lost a race with another transaction (a report from a node, another user) runs again on what
        // that transaction committed: its checks then see the other's outcome, so a retry refuses what has become wrong
        // and carries out what is still right. Only after the last try does the caller hear of the conflict.
        TResponse response;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.Serializable, cancellationToken);
                response = await next(message, cancellationToken);
                await db.SaveChangesAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                break;
            }
            catch (Exception ex) when (ConcurrentChange.IsConcurrentChange(ex))
            {
                if (attempt == Attempts)
                {
                    throw new ConflictException(ConcurrentChange.Message, ex);
                }

                db.ChangeTracker.Clear();
                afterCommit.Clear();
            }
        }

        await afterCommit.RunAsync(cancellationToken);
        return response;
    }
}

/// <summary>Work that must happen only once a command's transaction has committed (waking the job dispatcher, live pushes).</summary>
public sealed class AfterCommitActions
{
    private readonly List<Func<CancellationToken, Task>> _actions = [];

    public void Add(Func<CancellationToken, Task> action) => _actions.Add(action);

    /// <summary>Forgets the work of a transaction that did not commit.</summary>
    public void Clear() => _actions.Clear();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var actions = _actions.ToArray();
        _actions.Clear();
        foreach (var action in actions)
        {
            await action(cancellationToken);
        }
    }
}
