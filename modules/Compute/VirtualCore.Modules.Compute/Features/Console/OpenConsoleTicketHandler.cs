using System.Security.Cryptography;
using Mediator;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Domain;
using VirtualCore.Modules.Infrastructure.Contracts;

namespace VirtualCore.Modules.Compute.Features.Console;

/// <summary>
/// Issues a console ticket once the pipeline has checked that the caller may operate the VM: the VM must be running
/// or paused, on a rack server whose adapter offers a console.
/// </summary>
internal sealed class OpenConsoleTicketHandler(
    PortalDbContext db, ITenantContext tenant, IHttpContextAccessor http, ISender sender, TimeProvider clock, IOptions<ConsoleOptions> options, ISecurityAudit audit)
    : ICommandHandler<OpenConsoleTicket, ConsoleTicketView>
{
    /// <summary>The SDK's name of the capability a rack server needs for each kind of console.</summary>
    private static readonly Dictionary<string, string> Capabilities = new(StringComparer.Ordinal)
    {
        [ConsoleKinds.Screen] = "GraphicalConsole",
        [ConsoleKinds.Serial] = "SerialConsole",
    };

    public async ValueTask<ConsoleTicketView> Handle(OpenConsoleTicket command, CancellationToken cancellationToken)
    {
        if (!Capabilities.TryGetValue(command.Kind, out var capability))
        {
            throw new RequestValidationException("kind", $"Ask for \"{ConsoleKinds.Screen}\" (the screen) or \"{ConsoleKinds.Serial}\" (the serial port).");
        }

        var vm = await db.Set<VirtualMachine>().AsNoTracking().Where(v => v.Id == command.VmId)
            .Select(v => new { v.Name, v.State, v.NodeName }).SingleAsync(cancellationToken);
        if (vm.State is not (VmStates.Running or VmStates.Paused))
        {
            throw new ConflictException($"'{vm.Name}' is {vm.State.Replace('-', ' ')}: start it to {(command.Kind == ConsoleKinds.Serial ? "reach its serial console" : "see its screen")}.");
        }

        var server = (await sender.Send(new ListRackServers(), cancellationToken)).SingleOrDefault(s => s.Name == vm.NodeName);
        if (server is null || !server.Can(capability))
        {
            throw new ConflictException($"The rack server of '{vm.Name}' offers no {(command.Kind == ConsoleKinds.Serial ? "serial console" : "console")}.");
        }

        if (!server.Online)
        {
            throw new ConflictException($"The rack server of '{vm.Name}' is not reachable at the moment; try again shortly.");
        }

        var host = http.HttpContext?.Request.Host.Value
            ?? throw new ForbiddenException("A console ticket is issued only to a request on one of the portal's host names.");
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        var now = clock.GetUtcNow();
        var lifetime = options.Value.TicketLifetime <= TimeSpan.Zero || options.Value.TicketLifetime > TimeSpan.FromSeconds(30)
            ? TimeSpan.FromSeconds(30)
            : options.Value.TicketLifetime;
        var ticket = new ConsoleTicket
        {
            Id = Guid.NewGuid(),
            SecretHash = ConsoleTickets.Hash(secret),
            UserId = tenant.UserId ?? throw new ForbiddenException("Sign in first."),
            VmId = command.VmId,
            Kind = command.Kind,
            Host = host,
            IssuedAt = now,
            ExpiresAt = now + lifetime,
        };
        db.Add(ticket);

        // Who looked at which screen, and from where: a console reaches into the guest like a keyboard on the server.
        audit.Record("console.opened", vm.Name, $"{command.Kind} console, ticket for {host}, valid until {ticket.ExpiresAt:u}");

        // Old tickets are of no use to anyone: each issue clears the ones that lapsed a minute ago or more.
        var stale = now - TimeSpan.FromMinutes(1);
        await db.Set<ConsoleTicket>().Where(t => t.ExpiresAt < stale).ExecuteDeleteAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);

        var simulated = server.MigrationUri?.StartsWith("test:", StringComparison.Ordinal) == true;
        return new ConsoleTicketView(secret, $"/vms/{command.VmId}/console/socket?ticket={secret}", ticket.ExpiresAt, simulated);
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

internal static class ConsoleTickets
{
    public static string Hash(string secret) => Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret)));
}
