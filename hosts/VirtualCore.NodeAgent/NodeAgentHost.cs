using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace VirtualCore.NodeAgent;

/// <summary>The agents this process runs: one per rack server (several in the embedded default, one in production).</summary>
public sealed class NodeAgentHost(IEnumerable<NodeAgentOptions> nodes, AdapterPlugins plugins, IBus bus, ILoggerFactory loggers, IConsoleUplink? consoleUplink = null)
    : IHostedService, IAsyncDisposable
{
    private readonly Dictionary<string, NodeAgent> _agents = new(StringComparer.Ordinal);

    public IReadOnlyCollection<NodeAgent> Agents => _agents.Values;

    public NodeAgent this[string nodeName] => _agents[nodeName];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var node in nodes)
        {
            var agent = new NodeAgent(node, plugins.Get(node.Adapter), bus, loggers.CreateLogger($"VirtualCore.NodeAgent.{node.NodeName}"), consoleUplink);
            _agents.Add(node.NodeName, agent);
            await agent.StartAsync(cancellationToken);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var agent in _agents.Values)
        {
            await agent.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var agent in _agents.Values)
        {
            await agent.DisposeAsync();
        }

        _agents.Clear();
    }
}

public static class NodeAgentServiceCollectionExtensions
{
    /// <summary>Runs agents for the given nodes inside this process. Call after the bus is registered.</summary>
    public static IServiceCollection AddNodeAgents(this IServiceCollection services, IReadOnlyList<NodeAgentOptions> nodes, string? pluginsPath = null)
    {
        services.AddSingleton(pluginsPath is null ? AdapterPlugins.FromAppDirectory() : new AdapterPlugins(pluginsPath));
        services.AddSingleton(sp => new NodeAgentHost(nodes, sp.GetRequiredService<AdapterPlugins>(), sp.GetRequiredService<IBus>(), sp.GetRequiredService<ILoggerFactory>(), sp.GetService<IConsoleUplink>()));
        services.AddHostedService(sp => sp.GetRequiredService<NodeAgentHost>());
        return services;
    }
}
