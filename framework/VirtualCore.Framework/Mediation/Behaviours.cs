using System.Data;
using System.Diagnostics;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Security;
using VirtualCore.Framework.Tenancy;

using VirtualCore.Framework.Web;

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
            await guard.EnsureAsync(vmId, level, acting: message is IBaseCommand, cancellationToken);
        }

        return await next(message, cancellationToken);
    }
}

/// <summary>
/// The commands a module has declared safe at read committed: each guards what it relies on with a row version (see
/// <see cref="IVersioned"/>), so it needs no serialisable transaction. On PostgreSQL a serialisable transaction that
/// read a small table (read whole, not through an index) conflicts with every other one writing to it: a hundred
/// clients pausing a hundred different VMs failed each other over and over.
/// </summary>
public sealed class CommandIsolation(IEnumerable<ReadCommittedCommand> declared, IEnumerable<ExclusiveCommand> exclusive, IEnumerable<SelfCommittingCommand> selfCommitting)
{
    private readonly HashSet<Type> _readCommitted = declared.Select(d => d.CommandType).ToHashSet();
    private readonly HashSet<Type> _exclusive = exclusive.Select(d => d.CommandType).ToHashSet();
    private readonly HashSet<Type> _selfCommitting = selfCommitting.Select(d => d.CommandType).ToHashSet();

    /// <summary>
    /// Batch work that commits in steps of its own (the monthly invoice run): one transaction around it would hold
    /// SQLite's single writer for the whole run and lose every step to an interruption. Its steps must be safe to repeat.
    /// </summary>
    public bool CommitsItself(Type commandType) => _selfCommitting.Contains(commandType);

    public IsolationLevel For(Type commandType) => _readCommitted.Contains(commandType) ? IsolationLevel.ReadCommitted : IsolationLevel.Serializable;

    /// <summary>
    /// Held by the commands that decide on shared capacity (placing a VM reads what every rack server holds) while they
    /// run, one at a time in this process: as serialisable transactions they would fail each other nearly every time
    /// they overlap. Across portal instances they still meet in the database, and the later one runs again.
    /// </summary>
    public SemaphoreSlim? GateFor(Type commandType) => _exclusive.Contains(commandType) ? _gate : null;

    private readonly SemaphoreSlim _gate = new(1, 1);
}

/// <summary>One command declared safe at read committed; registered by its module (<see cref="CommandIsolationExtensions"/>).</summary>
public sealed record ReadCommittedCommand(Type CommandType);

/// <summary>One command that runs alone in this process (see <see cref="CommandIsolation.GateFor"/>).</summary>
public sealed record ExclusiveCommand(Type CommandType);

/// <summary>One command that commits in steps of its own (see <see cref="CommandIsolation.CommitsItself"/>).</summary>
public sealed record SelfCommittingCommand(Type CommandType);

public static class CommandIsolationExtensions
{
    /// <summary>Declares commands that guard their own invariants with row versions and run at read committed.</summary>
    public static IServiceCollection AddReadCommittedCommands(this IServiceCollection services, params Type[] commandTypes)
    {
        services.TryAddSingleton<CommandIsolation>();
        foreach (var type in commandTypes)
        {
            services.AddSingleton(new ReadCommittedCommand(type));
        }

        return services;
    }

    /// <summary>Declares batch commands that commit in repeatable steps of their own, outside one transaction.</summary>
    public static IServiceCollection AddSelfCommittingCommands(this IServiceCollection services, params Type[] commandTypes)
    {
        services.TryAddSingleton<CommandIsolation>();
        foreach (var type in commandTypes)
        {
            services.AddSingleton(new SelfCommittingCommand(type));
        }

        return services;
    }

    /// <summary>Declares commands that decide on shared capacity and run one at a time in this process.</summary>
    public static IServiceCollection AddExclusiveCommands(this IServiceCollection services, params Type[] commandTypes)
    {
        services.TryAddSingleton<CommandIsolation>();
        foreach (var type in commandTypes)
        {
            services.AddSingleton(new ExclusiveCommand(type));
        }

        return services;
    }
}

/// <summary>
/// Commands run in one transaction, their validation included; what they wrote is saved only if the handler succeeds.
/// The transaction is serialisable unless the command's module declared it safe at read committed
/// (<see cref="CommandIsolation"/>). Two commands racing for the same thing (the last free core, a name, a one-time
/// password, a VM's one open job) cannot both succeed: SQLite runs one writer at a time (BEGIN IMMEDIATE), PostgreSQL
/// fails the later commit (or the later write of a versioned row); the loser runs again on the winner's outcome and
/// is refused for its reason, or gets a conflict — never a server error.
/// </summary>
public sealed class UnitOfWorkBehaviour<TMessage, TResponse>(PortalDbContext db, AfterCommitActions afterCommit, CommandIsolation isolation, RequestPreconditions preconditions)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    /// <summary>
    /// How often a command is tried when other transactions keep changing what it reads. PostgreSQL's serialisable
    /// transactions fail the later of two that read what the other wrote: with many clients creating VMs at once
    /// (each placement reads every rack server's use) a few tries were not enough.
    /// </summary>
    private const int Attempts = 10;

    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        if (message is not IBaseCommand || db.Database.CurrentTransaction is not null)
        {
            return await next(message, cancellationToken);
        }

        if (isolation.CommitsItself(typeof(TMessage)))
        {
            await preconditions.CheckAsync(cancellationToken);
            var done = await next(message, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            preconditions.Done();
            await afterCommit.RunAsync(cancellationToken);
            return done;
        }

        var gate = isolation.GateFor(typeof(TMessage));
        if (gate is not null)
        {
            await gate.WaitAsync(cancellationToken);
        }

        try
        {
            return await RunAsync(message, next, cancellationToken);
        }
        finally
        {
            gate?.Release();
        }
    }

    private async ValueTask<TResponse> RunAsync(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        // A command that lost a race with another transaction (a report from a node, another user) runs again on what
        // that transaction committed: its checks then see the other's outcome, so a retry refuses what has become wrong
        // and carries out what is still right. Only after the last try does the caller hear of the conflict.
        TResponse response;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var transaction = await db.Database.BeginTransactionAsync(isolation.For(typeof(TMessage)), cancellationToken);
                // The caller's If-Match, against the resource as this transaction reads it: what it checked is what it changes.
                await preconditions.CheckAsync(cancellationToken);
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

                // A random pause that grows with each try spreads the retries of transactions that met, so they do not
                // meet again in the same order.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 2 << Math.Min(attempt, 6))), cancellationToken);
            }
        }

        preconditions.Done();
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
