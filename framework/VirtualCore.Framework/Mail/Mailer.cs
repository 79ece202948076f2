using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MimeKit;

namespace VirtualCore.Framework.Mail;

/// <summary>
/// The SMTP server the portal mails through: <c>Smtp:Host</c> (none: no e-mail), <c>Smtp:Port</c> (25), <c>Smtp:Security</c>
/// (auto, none, starttls, tls), <c>Smtp:UserName</c> and <c>Smtp:Password</c> when it wants them, <c>Smtp:From</c>.
/// </summary>
public sealed class SmtpOptions
{
    public string? Host { get; set; }

    public int Port { get; set; } = 25;

    public string Security { get; set; } = "auto";

    public string? UserName { get; set; }

    public string? Password { get; set; }

    public string From { get; set; } = "VirtualCore <alerts@localhost>";
}

/// <summary>Sends one plain-text e-mail.</summary>
public interface IMailer
{
    /// <summary>An SMTP server is configured.</summary>
    bool Configured { get; }

    /// <summary>Sends the mail; null when the server took it, else why not. <paramref name="eventName"/> goes into X-VirtualCore-Event.</summary>
    Task<string?> SendAsync(string to, string subject, string text, string eventName, CancellationToken cancellationToken);
}

internal sealed class SmtpMailer(IOptions<SmtpOptions> smtp) : IMailer
{
    public bool Configured => !string.IsNullOrEmpty(smtp.Value.Host);

    public async Task<string?> SendAsync(string to, string subject, string text, string eventName, CancellationToken cancellationToken)
    {
        var options = smtp.Value;
        if (string.IsNullOrEmpty(options.Host))
        {
            return "No SMTP server is configured (Smtp:Host).";
        }

        using var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(options.From));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.Headers.Add("X-VirtualCore-Event", eventName);
        message.Body = new TextPart("plain") { Text = text };
        using var client = new SmtpClient { Timeout = 15_000 };
        var security = options.Security.ToLowerInvariant() switch
        {
            "none" => SecureSocketOptions.None,
            "starttls" => SecureSocketOptions.StartTls,
            "tls" => SecureSocketOptions.SslOnConnect,
            _ => SecureSocketOptions.Auto,
        };
        await client.ConnectAsync(options.Host, options.Port, security, cancellationToken);
        if (!string.IsNullOrEmpty(options.UserName))
        {
            await client.AuthenticateAsync(options.UserName, options.Password ?? "", cancellationToken);
        }

        await client.SendAsync(message, cancellationToken);
        await client.DisconnectAsync(true, cancellationToken);
        return null;
    }
}

public static class MailServiceCollectionExtensions
{
    /// <summary>The portal's mailer on the <c>Smtp</c> settings; registering it again changes nothing.</summary>
    public static IServiceCollection AddMailer(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<SmtpOptions>(configuration.GetSection("Smtp"));
        services.TryAddSingleton<IMailer, SmtpMailer>();
        return services;
    }
}
