using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;
using VirtualCore.Modules.Compute.Contracts;

namespace VirtualCore.Topology.Tests;

/// <summary>
/// A node agent's RabbitMQ user (scripts/servers/rabbitmq-agent-user.sh) is all a compromised rack server holds: with it,
/// node-1 can neither take node-2's commands nor command node-2 or itself, by any route the broker offers, and what it
/// reports about another node is not believed.
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

    [Fact]
    public async Task A_report_one_nodes_agent_publishes_about_another_nodes_job_is_not_believed()
    {
        using var api = topology.Api(0);
        var created = await api.CreateVmAsync("forged-report");
        await api.CompletedAsync(created.JobId, LifecycleTests.JobTimeout, () => topology.Logs());
        var node = (await api.GetAsync<VmView>($"/api/v1/vms/{created.VmId}")).NodeName;
        var forger = TopologyFixture.Nodes.Single(n => n != node);
        JobAccepted start;
        topology.Agents[node].Kill();
        try
        {
            // While the VM's own agent is away, the other node's agent claims the start failed there.
            start = await api.ActAsync(created.VmId, "start");
            await using var connection = await ConnectAsync(forger);
            await using var channel = await connection.CreateChannelAsync();
            var envelope = new
            {
                messageId = Guid.NewGuid(),
                messageType = new[] { "vcore:node:v1:job-failed" },
                message = new { jobId = start.JobId, nodeName = node, error = "forged by another node", errorCode = "Forged", at = DateTimeOffset.UtcNow },
            };
            await channel.BasicPublishAsync(
                "vcore.node.v1.job-failed",
                "",
                mandatory: false,
                new BasicProperties { ContentType = "application/vnd.masstransit+json", Persistent = true },
                JsonSerializer.SerializeToUtf8Bytes(envelope));
        }
        finally
        {
            topology.StartAgent(node);
        }

        // A job ends once: had the forgery been taken, the real outcome would find it failed already.
        var job = await api.EndedAsync(start.JobId, LifecycleTests.JobTimeout, () => topology.Logs());
        Assert.True(job.Status == JobStatuses.Completed, $"start: {job.Status} — {job.Info}");
        Assert.Equal("running", await topology.DomainStateAsync(node, created.VmId));
        var vm = await api.GetAsync<VmView>($"/api/v1/vms/{created.VmId}");
        await api.CompletedAsync((await api.DeleteVmAsync(vm)).JobId, LifecycleTests.JobTimeout, () => topology.Logs());
    }

    private Task<IConnection> ConnectAsNode1Async() => ConnectAsync("node-1");

    private async Task<IConnection> ConnectAsync(string node)
    {
        var factory = new ConnectionFactory
        {
            HostName = "127.0.0.1",
            Port = topology.RabbitMqPort,
            VirtualHost = TopologyFixture.Vhost,
            UserName = $"agent-{node}",
            Password = topology.AgentPasswords[node],
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
