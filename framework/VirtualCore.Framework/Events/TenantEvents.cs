using System.Security.Cryptography;
using System.Text;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace VirtualCore.Framework.Events;

/// <summary>
/// Something that happened to a tenant's resource, told to programs outside the portal (webhooks): a job ended, a VM's
/// state changed, an invoice was issued, an alert fired. The module that owns the resource recognises it in the changes
/// of a unit of work while they are being saved (<see cref="ITenantEventSource"/>), so whatever a listener writes for it
/// is saved in the same transaction as the change itself: neither is ever kept without the other.
/// </summary>
/// <param name="Id">The same for the same happening, however often it is recognised (see <see cref="IdOf"/>): receivers drop repeats by it.</param>
/// <param name="Type">"job.completed", "vm.state-changed" …; one of the registered <see cref="TenantEventType"/>s.</param>
/// <param name="ResellerId">The reseller the resource belongs to (or, for an invoice, its recipient reseller or issuing reseller).</param>
/// <param name="CustomerId">The customer it belongs to; empty for a reseller's or the provider's own.</param>
/// <param name="OccurredAt">When it happened.</param>
/// <param name="Data">What a receiver gets under "data": views as the API shows them, never entities.</param>
public sealed record TenantEvent(Guid Id, string Type, Guid ResellerId, Guid CustomerId, DateTimeOffset OccurredAt, object Data)
{
    /// <summary>A stable id from what identifies the happening ("job.completed:{job id}").</summary>
    public static Guid IdOf(string key)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        hash[6] = (byte)((hash[6] & 0x0f) | 0x80); // version 8: custom, name-based
        hash[8] = (byte)((hash[8] & 0x3f) | 0x80); // RFC 9562 variant
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}

/// <summary>An event type subscribers may choose, with what it means (shown on the webhooks page and in the API).</summary>
public sealed record TenantEventType(string Name, string Description);

/// <summary>Published while a unit of work is being saved, with the events its changes make; what handlers add to <paramref name="Context"/> is saved with it.</summary>
public sealed record TenantEventsSaving(DbContext Context, IReadOnlyList<TenantEvent> Events) : INotification;

/// <summary>A module's eye on its own entities: which of a unit of work's changes are events for outside programs.</summary>
public interface ITenantEventSource
{
    /// <summary>Adds the events the tracked changes make (changes are detected before this is called).</summary>
    void Collect(ChangeTracker changes, ICollection<TenantEvent> events);
}

public static class TenantEventRegistration
{
    /// <summary>Registers a module's event source and the event types it raises.</summary>
    public static IServiceCollection AddTenantEvents<TSource>(this IServiceCollection services, params TenantEventType[] types)
        where TSource : class, ITenantEventSource
    {
        services.AddSingleton<ITenantEventSource, TSource>();
        foreach (var type in types)
        {
            services.AddSingleton(type);
        }

        return services;
    }
}

/// <summary>
/// Asks every <see cref="ITenantEventSource"/> for the events in a unit of work just before it is written and publishes
/// them (<see cref="TenantEventsSaving"/>) in the request's scope, whose handlers add their rows to the same unit of work.
/// </summary>
public sealed class TenantEventInterceptor(IServiceProvider services) : SaveChangesInterceptor
{
    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        if (Collect(eventData.Context) is { } saving)
        {
            services.GetRequiredService<IPublisher>().Publish(saving).AsTask().GetAwaiter().GetResult();
        }

        return result;
    }

    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (Collect(eventData.Context) is { } saving)
        {
            await services.GetRequiredService<IPublisher>().Publish(saving, cancellationToken);
        }

        return result;
    }

    private TenantEventsSaving? Collect(DbContext? context)
    {
        var sources = services.GetServices<ITenantEventSource>().ToList();
        if (context is null || sources.Count == 0)
        {
            return null;
        }

        context.ChangeTracker.DetectChanges();
        var events = new List<TenantEvent>();
        foreach (var source in sources)
        {
            source.Collect(context.ChangeTracker, events);
        }

        return events.Count == 0 ? null : new TenantEventsSaving(context, events);
    }
}
