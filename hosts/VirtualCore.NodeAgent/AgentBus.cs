using MassTransit;
using Microsoft.Extensions.Configuration;

namespace VirtualCore.NodeAgent;

/// <summary>
/// The agent's RabbitMQ connection: its own account (<c>agent-&lt;node&gt;</c> by convention, allowed only its own command
/// queue and the report exchanges), publisher confirms, and every message stamped with the account as its user id, which
/// RabbitMQ validates and the portal checks against the node the report is about.
/// </summary>
internal static class AgentBus
{
    public static void UseRabbitMq(IBusRegistrationConfigurator bus, IConfiguration configuration)
    {
        var rabbit = configuration.GetSection("Bus");
        var username = rabbit["Username"] ?? "guest";
        var heartbeat = TimeSpan.TryParse(rabbit["Heartbeat"], System.Globalization.CultureInfo.InvariantCulture, out var configured) ? configured : TimeSpan.FromSeconds(10);
        bus.UsingRabbitMq((context, cfg) =>
        {
            cfg.Host(rabbit["Host"] ?? "127.0.0.1", ushort.Parse(rabbit["Port"] ?? "5672", System.Globalization.CultureInfo.InvariantCulture), rabbit["VirtualHost"] ?? "/", h =>
            {
                h.Username(username);
                h.Password(rabbit["Password"] ?? "guest");
                h.Heartbeat(heartbeat);
                h.PublisherConfirmation = true;
            });
            cfg.ConfigureSend(send => send.UseSendExecute(ctx => Stamp(ctx, username)));
            cfg.ConfigurePublish(publish => publish.UseExecute(ctx => Stamp(ctx, username)));
            cfg.ConfigureEndpoints(context);
        });
    }

    private static void Stamp(SendContext context, string username)
    {
        if (context.TryGetPayload<RabbitMqSendContext>(out var rabbit))
        {
            rabbit.BasicProperties.UserId = username;
        }
    }
}
