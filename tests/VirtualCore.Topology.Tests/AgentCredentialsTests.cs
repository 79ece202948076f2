using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace VirtualCore.Topology.Tests;

/// <summary>
/// A node agent's RabbitMQ user (scripts/servers/rabbitmq-agent-user.sh) is all a compromised rack server holds: with it,
/// node-1 can neither take node-2's commands nor command node-2 or itself, by any route the broker offers.
/// </summary>
[Collection(TopologyCollection.Name)]
public sealed class AgentCredentialsTests(TopologyFixture topology)
{
    private const ushort AccessRefused = 403;

    [Fact]
    public async Task Node_1s_agent_cannot_consume_node_2s_queue()
    {
        await using var connection = await ConnectAsNode1Async();
        var refused = await RefusedAsync(connection, channel =>
            channel.BasicConsumeAsync("vcore-node-node-2", autoAck: false, new AsyncEventingBasicConsumer(channel)));
        Assert.Equal(AccessRefused, refused);
        Assert.Equal(AccessRefused, await RefusedAsync(connection, channel => channel.BasicGetAsync("vcore-node-node-2", autoAck: false)));
    }

    [Fact]
    public async Task Node_1s_agent_cannot_route_node_2s_commands_to_its_own_queue()
    {
        await using var connection = await ConnectAsNode1Async();
        Assert.Equal(AccessRefused, await RefusedAsync(connection, channel => channel.QueueBindAsync("vcore-node-node-1", "vcore-node-node-2", "")));
        Assert.Equal(AccessRefused, await RefusedAsync(connection, channel => channel.ExchangeBindAsync("vcore-node-node-1", "vcore-node-node-2", "")));
    }

    [Theory]
    [InlineData("vcore-node-node-2", "")]
    [InlineData("", "vcore-node-node-2")]
    [InlineData("vcore.node.v1.start-domain", "")]
    [InlineData("vcore.node.v1.delete-domain", "")]
    public async Task Node_1s_agent_cannot_send_commands(string exchange, string routingKey)
    {
        await using var connection = await ConnectAsNode1Async();
        var refused = await RefusedAsync(connection, async channel =>
        {
            await channel.BasicPublishAsync(exchange, routingKey, "{}"u8.ToArray());
            // A refused publish closes the channel asynchronously; a round trip makes the broker's answer arrive.
            await channel.QueueDeclarePassiveAsync("vcore-node-node-1");
        });
        Assert.Equal(AccessRefused, refused);
    }

    private async Task<IConnection> ConnectAsNode1Async()
    {
        var factory = new ConnectionFactory
        {
            HostName = "127.0.0.1",
            Port = topology.RabbitMqPort,
            VirtualHost = TopologyFixture.Vhost,
            UserName = "agent-node-1",
            Password = topology.AgentPasswords["node-1"],
        };
        return await factory.CreateConnectionAsync();
    }

    /// <summary>Runs the operation on a fresh channel and answers the reply code the broker closed the channel with.</summary>
    private static async Task<ushort> RefusedAsync(IConnection connection, Func<IChannel, Task> operation)
    {
        await using var channel = await connection.CreateChannelAsync();
        var exception = await Assert.ThrowsAnyAsync<OperationInterruptedException>(() => operation(channel));
        return exception.ShutdownReason?.ReplyCode ?? 0;
    }
}
