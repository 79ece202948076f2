using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace VirtualCore.Framework.Messaging;

/// <summary>Where bus messages travel: in memory (one process, the default) or through RabbitMQ (production).</summary>
public sealed class BusOptions
{
    public const string Section = "Bus";

    /// <summary>"InMemory" or "RabbitMQ".</summary>
    public string Transport { get; set; } = "InMemory";

    public string Host { get; set; } = "127.0.0.1";

    public ushort Port { get; set; } = 5672;

    public string VirtualHost { get; set; } = "/";

    public string Username { get; set; } = "guest";

    public string Password { get; set; } = "guest";

    /// <summary>How often the connection to RabbitMQ is checked both ways, so a dead broker or portal is noticed soon.</summary>
    public TimeSpan Heartbeat { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Whether a node's reports are accepted only from the bus account <see cref="AgentUserPrefix"/> + node name, as
    /// RabbitMQ validated it (the message's user id). On by default with RabbitMQ; meaningless in memory.
    /// </summary>
    public bool? VerifyAgentIdentity { get; set; }

    /// <summary>The prefix of the node agents' bus accounts: the agent of rack-1 signs in as <c>agent-rack-1</c>.</summary>
    public string AgentUserPrefix { get; set; } = "agent-";

    /// <summary>How often a failing message is tried again before it goes to the error queue.</summary>
    public int RetryLimit { get; set; } = 8;

    /// <summary>The first pause between tries; each next one is longer, up to <see cref="RetryMaxInterval"/>.</summary>
    public TimeSpan RetryMinInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan RetryMaxInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long RabbitMQ keeps a portal instance's own queue (live updates) once no instance consumes it: long enough to
    /// bridge a broker restart or a reconnect without losing a message, short enough that a dead instance's queue goes.
    /// </summary>
    public TimeSpan InstanceQueueExpiry { get; set; } = TimeSpan.FromMinutes(10);

    public bool IsRabbitMq => string.Equals(Transport, "RabbitMQ", StringComparison.OrdinalIgnoreCase);

    public bool VerifiesAgentIdentity => IsRabbitMq && (VerifyAgentIdentity ?? true);
}

public static class BusSetup
{
    /// <summary>
    /// Registers MassTransit with the configured transport; <paramref name="configure"/> adds consumers and
    /// <paramref name="configureTransport"/> filters every endpoint. Queues are durable and RabbitMQ confirms every
    /// publish; a message whose consumer keeps failing is retried with growing pauses (the database may be restarting)
    /// and then moved to its queue's <c>_error</c> queue, where a <see cref="Fault{T}"/> tells the portal about it.
    /// </summary>
    public static IServiceCollection AddVirtualCoreBus(
        this IServiceCollection services,
        IConfiguration configuration,
        Action<IBusRegistrationConfigurator> configure,
        Action<IBusRegistrationContext, IBusFactoryConfigurator>? configureTransport = null)
    {
        var options = configuration.GetSection(BusOptions.Section).Get<BusOptions>() ?? new BusOptions();
        if (!options.IsRabbitMq && !string.Equals(options.Transport, "InMemory", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"Bus:Transport '{options.Transport}' is unknown; use 'InMemory' or 'RabbitMQ'.");
        }

        services.AddSingleton(options);
        if (!options.IsRabbitMq)
        {
            // The in-memory bus is up before the services after it start (the embedded agents' first heartbeats,
            // published as they start, found no queue bound yet and were lost: their rack servers looked offline for
            // a beat). A broker may be down at start; RabbitMQ's bus keeps starting in the background.
            services.Configure<MassTransitHostOptions>(o => o.WaitUntilStarted = true);
        }

        services.AddMassTransit(bus =>
        {
            bus.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter("vcore", false));
            // A self-hosted portal tells no one outside how it is run: MassTransit's usage report is off.
            bus.DisableUsageTelemetry();
            configure(bus);
            if (options.IsRabbitMq)
            {
                // An instance's own queue is durable with an expiry, not auto-deleted: messages published while the
                // instance reconnects (a broker restart drops every auto-deleted queue and its bindings) wait for it.
                bus.AddConfigureEndpointsCallback((name, endpoint) =>
                {
                    if (name.Contains(BusQueues.InstanceMarker, StringComparison.Ordinal) && endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
                    {
                        rabbit.Durable = true;
                        rabbit.AutoDelete = false;
                        rabbit.QueueExpiration = options.InstanceQueueExpiry;
                    }
                });
                bus.UsingRabbitMq((context, cfg) =>
                {
                    cfg.Host(options.Host, options.Port, options.VirtualHost, h =>
                    {
                        h.Username(options.Username);
                        h.Password(options.Password);
                        h.Heartbeat(options.Heartbeat);
                        h.PublisherConfirmation = true;
                    });
                    Common(context, cfg);
                    cfg.ConfigureEndpoints(context);
                });
            }
            else
            {
                bus.UsingInMemory((context, cfg) =>
                {
                    Common(context, cfg);
                    cfg.ConfigureEndpoints(context);
                });
            }
        });
        return services;

        void Common(IBusRegistrationContext context, IBusFactoryConfigurator cfg)
        {
            cfg.UseMessageRetry(r =>
            {
                r.Exponential(options.RetryLimit, options.RetryMinInterval, options.RetryMaxInterval, options.RetryMinInterval * 2);
                r.Ignore<RefusedMessageException>();
            });

            // Two reports about one VM or job that met in the database (a job's end and the domain's event) are read
            // again at once: the row is fine, only the other's change was newer. The pauses above are for what takes
            // time to come back (the database, the broker).
            cfg.UseMessageRetry(r =>
            {
                r.Immediate(5);
                r.Handle<Exception>(Persistence.ConcurrentChange.IsConcurrentChange);
            });
            configureTransport?.Invoke(context, cfg);
        }
    }
}

/// <summary>Names of queues with a meaning for the transport.</summary>
public static class BusQueues
{
    /// <summary>Marks a queue that belongs to one portal instance (each instance consumes every message of it).</summary>
    public const string InstanceMarker = "-instance-";

    /// <summary>The queue named <paramref name="name"/> of this process alone.</summary>
    public static string ForThisInstance(string name) => name + InstanceMarker + InstanceId;

    /// <summary>This process's part of its own queues' names.</summary>
    public static string InstanceId { get; } = Guid.NewGuid().ToString("N")[..12];
}

/// <summary>A message the portal refuses for good (wrong sender, for one): retrying cannot help, it goes to the error queue at once.</summary>
public sealed class RefusedMessageException(string message) : Exception(message);
