using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Modules.Identity.Domain;

namespace VirtualCore.Modules.Identity.Features.Audit;

public sealed record AuditEntryView(DateTimeOffset At, string Actor, string Action, string Target, string? Detail, string? IpAddress);

/// <summary>The security audit log of what the caller administers, newest first.</summary>
public sealed record ListAuditEntries(string? Actor = null, string? Action = null, DateTimeOffset? From = null, DateTimeOffset? To = null, int Limit = 200)
    : IQuery<IReadOnlyList<AuditEntryView>>;

internal sealed class ListAuditEntriesValidator : IValidator<ListAuditEntries>
{
    public ValueTask<IReadOnlyList<FieldError>> ValidateAsync(ListAuditEntries request, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        if (request.Limit is < 1 or > 1000)
        {
            errors.Add(new("limit", "Ask for 1 to 1000 entries."));
        }

        if (request.From > request.To)
        {
            errors.Add(new("from", "'from' must not be after 'to'."));
        }

        if (request.Actor is { Length: > 64 } || request.Action is { Length: > 64 })
        {
            errors.Add(new("actor", "Filter texts have at most 64 characters."));
        }

        return ValueTask.FromResult<IReadOnlyList<FieldError>>(errors);
    }
}

/// <summary>The audit entries the caller may see (the tenant filter), newest first, filtered and limited.</summary>
internal sealed class ListAuditEntriesHandler(PortalDbContext db) : IQueryHandler<ListAuditEntries, IReadOnlyList<AuditEntryView>>
{
    public async ValueTask<IReadOnlyList<AuditEntryView>> Handle(ListAuditEntries query, CancellationToken cancellationToken)
    {
        var entries = db.Set<AuditEntry>().AsNoTracking();
        if (!string.IsNullOrWhiteSpace(query.Actor))
        {
            var actor = query.Actor.Trim().ToLowerInvariant();
            entries = entries.Where(e => e.Actor.Contains(actor));
        }

        if (!string.IsNullOrWhiteSpace(query.Action))
        {
            var action = query.Action.Trim().ToLowerInvariant();
            entries = entries.Where(e => e.Action.StartsWith(action));
        }

        if (query.From is { } from)
        {
            entries = entries.Where(e => e.At >= from);
        }

        if (query.To is { } to)
        {
            entries = entries.Where(e => e.At <= to);
        }

        return await entries.OrderByDescending(e => e.At).Take(query.Limit)
            .Select(e => new AuditEntryView(e.At, e.Actor, e.Action, e.Target, e.Detail, e.IpAddress)).ToListAsync(cancellationToken);
    }
}
