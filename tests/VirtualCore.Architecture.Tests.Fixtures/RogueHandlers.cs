using Mediator;
using VirtualCore.Modules.Compute.Contracts;

namespace VirtualCore.Architecture.Tests.Fixtures;

public sealed record RogueCommand : ICommand<int>;

public sealed record RogueRequest : IRequest<int>;

/// <summary>Public: part of the assembly's surface, which a handler must never be.</summary>
public sealed class PublicHandler : ICommandHandler<RogueCommand, int>
{
    public ValueTask<int> Handle(RogueCommand command, CancellationToken cancellationToken) => ValueTask.FromResult(0);
}

/// <summary>Internal but open for inheritance.</summary>
internal class UnsealedHandler : IRequestHandler<RogueRequest, int>
{
    public ValueTask<int> Handle(RogueRequest request, CancellationToken cancellationToken) => ValueTask.FromResult(0);
}

/// <summary>
/// Follows the rule, so the handler rule must not name it; it also handles another module's contract,
/// which the module rule must allow.
/// </summary>
internal sealed class CompliantHandler : IQueryHandler<ListNodeUsage, IReadOnlyList<NodeUsageView>>
{
    public ValueTask<IReadOnlyList<NodeUsageView>> Handle(ListNodeUsage query, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<NodeUsageView>>([]);
}
