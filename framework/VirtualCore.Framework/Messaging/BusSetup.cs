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

    public bool IsRabbitMq => string.Equals(Transport, "RabbitMQ", StringComparison.OrdinalIgnoreCase);
}

public static class BusSetup
{
    /// <summary>Registers MassTransit with the configured transport; <paramref name="configure"/> adds consumers.</summary>
    public static IServiceCollection AddVirtualCoreBus(this IServiceCollection services, IConfiguration configuration, Action<IBusRegistrationConfigurator> configure)
    {
        var options = configuration.GetSection(BusOptions.Section).Get<BusOptions>() ?? new BusOptions();
        if (!options.IsRabbitMq && !string.Equals(options.Transport, "InMemory", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"Bus:Transport '{options.Transport}' is unknown; use 'InMemory' or 'RabbitMQ'.");
        }

        services.AddSingleton(options);
        services.AddMassTransit(bus =>
        {
            bus.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter("vcore", false));
            configure(bus);
            if (options.IsRabbitMq)
            {
                bus.UsingRabbitMq((context, cfg) =>
                {
                    cfg.Host(options.Host, options.Port, options.VirtualHost, h =>
                    {
                        h.Username(options.Username);
                        h.Password(options.Password);
                    });
                    cfg.ConfigureEndpoints(context);
                });
            }
            else
            {
                bus.UsingInMemory((context, cfg) => cfg.ConfigureEndpoints(context));
            }
        });
        return services;
    }
}
