using MassTransit;
using VirtualCore.Framework.Messaging;
using VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Portal.Hosting;

/// <summary>
/// Accepts a node's report only from that node's own bus account. RabbitMQ refuses a message whose user id is not the
/// publishing connection's account, so the user id names the sender for certain; an agent's account may only write
/// reports, and this filter holds it to reports about its own node. A refused report goes to the error queue, where
/// the operator sees it among the dead letters.
/// </summary>
internal sealed class NodeReportIdentityFilter<T>(BusOptions options) : IFilter<ConsumeContext<T>>
    where T : class
{
    public async Task Send(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next)
    {
        if (options.VerifiesAgentIdentity && context.Message is INodeReport report)
        {
            var sender = context.TryGetPayload<RabbitMqBasicConsumeContext>(out var rabbit) ? rabbit.Properties.UserId : null;
            var expected = options.AgentUserPrefix + report.NodeName;
            if (!string.Equals(sender, expected, StringComparison.Ordinal))
            {
                throw new RefusedMessageException(
                    $"A {typeof(T).Name} about node '{report.NodeName}' came from bus account '{sender ?? "(none)"}', not '{expected}'; refused.");
            }
        }

        await next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("nodeReportIdentity");
}
