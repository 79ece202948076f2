using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace VirtualCore.NodeAgent;

/// <summary>A node agent on its own: one per KVM host, talking to the local hypervisor and to the portal through RabbitMQ.</summary>
internal static class AgentProgram
{
    public static async Task Main(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        var node = builder.Configuration.GetSection("NodeAgent").Get<NodeAgentOptions>()
            ?? throw new InvalidOperationException("Configure the section 'NodeAgent' (NodeName, Adapter, Uri).");
        if (string.IsNullOrWhiteSpace(node.NodeName) || string.IsNullOrWhiteSpace(node.Uri))
        {
            throw new InvalidOperationException("NodeAgent:NodeName and NodeAgent:Uri are required.");
        }

        builder.Services.AddMassTransit(bus =>
        {
            // A rack server's agent reports to its portal only: MassTransit's usage report is off.
            bus.DisableUsageTelemetry();
            AgentBus.UseRabbitMq(bus, builder.Configuration);
        });
        builder.Services.AddNodeAgents([node]);
        await builder.Build().RunAsync();
    }
}
