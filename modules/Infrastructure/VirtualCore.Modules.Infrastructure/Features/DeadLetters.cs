using System.Text.Json;
using MassTransit;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Modules.Infrastructure.Domain;
using VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Modules.Infrastructure.Features;

/// <summary>The newest dead letters first.</summary>
public sealed record ListDeadLetters(int Limit = 100) : IQuery<IReadOnlyList<DeadLetterView>>;

/// <summary>A message that could not be handled.</summary>
/// <param name="Queue">The queue whose consumer gave up; the message itself lies in the queue of this name + "_error".</param>
/// <param name="Reason">The last exception's message.</param>
/// <param name="Host">The process that gave up (machine/process).</param>
/// <param name="Message">The message as JSON, cut at 4,000 characters.</param>
public sealed record DeadLetterView(Guid Id, DateTimeOffset At, string MessageType, string Queue, string ExceptionType, string Reason, string Host, string Message);

internal sealed class ListDeadLettersValidator : IValidator<ListDeadLetters>
{
    public ValueTask<IReadOnlyList<FieldError>> ValidateAsync(ListDeadLetters request, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<FieldError>>(request.Limit is < 1 or > 1000 ? [new("limit", "Ask for 1 to 1000 dead letters.")] : []);
}

internal sealed class ListDeadLettersHandler(PortalDbContext db) : IQueryHandler<ListDeadLetters, IReadOnlyList<DeadLetterView>>
{
    public async ValueTask<IReadOnlyList<DeadLetterView>> Handle(ListDeadLetters query, CancellationToken cancellationToken) =>
        await db.Set<DeadLetter>().AsNoTracking()
            .OrderByDescending(d => d.At)
            .Take(query.Limit)
            .Select(d => new DeadLetterView(d.Id, d.At, d.MessageType, d.Queue, d.ExceptionType, d.Reason, d.Host, d.Message))
            .ToListAsync(cancellationToken);
}

/// <summary>
/// Keeps a record of every node message that ended in an error queue: MassTransit publishes a <see cref="Fault{T}"/>
/// when a consumer — the portal's or an agent's — gives up on a message, and this consumer writes it down for the
/// operator, who otherwise would have to search the broker's queues.
/// </summary>
internal sealed class DeadLetterRecorder<T>(PortalDbContext db, ILogger<DeadLetterRecorder<T>> logger) : IConsumer<Fault<T>>
    where T : class
{
    private const int MessageLimit = 4000;

    public async Task Consume(ConsumeContext<Fault<T>> context)
    {
        var fault = context.Message;
        if (await db.Set<DeadLetter>().AnyAsync(d => d.FaultId == fault.FaultId, context.CancellationToken))
        {
            return;
        }

        var exception = fault.Exceptions.FirstOrDefault();
        var json = JsonSerializer.Serialize(fault.Message, JsonSerializerOptions.Web);
        var queue = context.SourceAddress?.AbsolutePath.Trim('/') ?? "";
        db.Add(new DeadLetter
        {
            Id = Guid.NewGuid(),
            FaultId = fault.FaultId,
            At = new DateTimeOffset(DateTime.SpecifyKind(fault.Timestamp, DateTimeKind.Utc)),
            MessageType = typeof(T).Name,
            Queue = Cut(queue[(queue.LastIndexOf('/') + 1)..], 200),
            ExceptionType = Cut(exception?.ExceptionType ?? "", 200),
            Reason = Cut(exception?.Message ?? "", 2000),
            Host = Cut($"{fault.Host?.MachineName}/{fault.Host?.ProcessName}", 200),
            Message = Cut(json, MessageLimit),
        });
        await db.SaveChangesAsync(context.CancellationToken);
        logger.LogError("Dead letter: a {Type} could not be handled on {Queue}: {Reason}", typeof(T).Name, queue, exception?.Message);
    }

    private static string Cut(string text, int length) => text.Length <= length ? text : text[..length];
}

/// <summary>The queue of the dead-letter recorders, and the messages whose faults they record.</summary>
internal static class DeadLetterRecording
{
    public const string Queue = "vcore-dead-letters";

    /// <summary>Every node command and every node report.</summary>
    public static IEnumerable<Type> MessageTypes =>
        typeof(INodeCommand).Assembly.GetExportedTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && (typeof(INodeCommand).IsAssignableFrom(t) || typeof(INodeReport).IsAssignableFrom(t)));
}
