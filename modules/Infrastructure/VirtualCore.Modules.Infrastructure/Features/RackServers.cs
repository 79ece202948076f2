using MassTransit;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Modules;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Identity.Contracts;
using VirtualCore.Modules.Infrastructure.Contracts;
using VirtualCore.Modules.Infrastructure.Domain;
using VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Modules.Infrastructure.Features;

internal sealed class ListRackServersHandler(PortalDbContext db, IOptions<InfrastructureOptions> options, TimeProvider clock)
    : IQueryHandler<ListRackServers, IReadOnlyList<RackServerView>>
{
    public async ValueTask<IReadOnlyList<RackServerView>> Handle(ListRackServers query, CancellationToken cancellationToken)
    {
        var onlineSince = clock.GetUtcNow() - options.Value.OfflineAfter;
        var servers = await db.Set<RackServer>().AsNoTracking().OrderBy(r => r.Name).ToListAsync(cancellationToken);
        return servers.Select(r => new RackServerView(
            r.Name,
            r.Role,
            r.Sockets * r.CoresPerSocket,
            r.ReservedHostCores,
            r.MemoryBytes,
            r.ReservedMemoryBytes,
            r.CpuModel,
            r.LastHeartbeatAt >= onlineSince,
            r.LastHeartbeatAt,
            r.Capabilities.Split(',', StringSplitOptions.RemoveEmptyEntries),
            r.MigrationUri,
            r.SharedStorage)).ToArray();
    }
}

internal sealed class ListIsoImagesHandler(PortalDbContext db, ITenantContext tenant, IPermissionChecker permissions) : IQueryHandler<ListIsoImages, IReadOnlyList<IsoImageView>>
{
    public async ValueTask<IReadOnlyList<IsoImageView>> Handle(ListIsoImages query, CancellationToken cancellationToken)
    {
        var images = await db.Set<IsoImage>().AsNoTracking().VisibleTo(tenant).Where(i => i.State == IsoStates.Ready)
            .OrderBy(i => i.Title).ToListAsync(cancellationToken);
        return images.Select(i => new IsoImageView(
            i.Name,
            i.Title,
            SizeOf(i),
            i.Sha256,
            i.CustomerId is null ? IsoOwners.Library : IsoOwners.Customer,
            i.CreatedBy,
            i.CreatedAt,
            i.CreatedByUserId is not null && (tenant.IsOperator || (i.CustomerId is not null && i.CustomerId == tenant.CustomerId && CanUpload())),
            i.Format,
            i.VirtualSizeBytes,
            i.ApplianceVCpus,
            i.ApplianceMemoryMiB)).ToArray();
    }

    private bool CanUpload() => permissions.Has(Permissions.ImageUpload);

    /// <summary>The file's size where the portal shares the nodes' image storage, else what the operator registered.</summary>
    private static long? SizeOf(IsoImage image)
    {
        if (image.Sha256 is not null)
        {
            return image.SizeBytes;
        }

        try
        {
            var file = new FileInfo(image.Path);
            if (file.Exists)
            {
                return file.Length;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            // Not readable from here: the registration is all there is.
        }

        return image.SizeBytes > 0 ? image.SizeBytes : null;
    }
}

/// <summary>Only an image the caller may see can go into its VM's drive: another customer's upload is not found.</summary>
internal sealed class GetIsoImageFileHandler(PortalDbContext db, ITenantContext tenant) : IQueryHandler<GetIsoImageFile, IsoImageFile?>
{
    public async ValueTask<IsoImageFile?> Handle(GetIsoImageFile query, CancellationToken cancellationToken) =>
        await db.Set<IsoImage>().AsNoTracking().VisibleTo(tenant).Where(i => i.Name == query.Name && i.State == IsoStates.Ready)
            .Select(i => new IsoImageFile(i.Name, i.Path, i.Format, i.VirtualSizeBytes, i.ApplianceVCpus, i.ApplianceMemoryMiB)).SingleOrDefaultAsync(cancellationToken);
}

/// <summary>
/// Keeps each rack server's capacity as its agent reports it. Reports from unregistered nodes are ignored. Beats are
/// taken in batches (<see cref="BatchSize"/>): at 500 rack servers beating every 2 s, one read and one write per beat
/// was a database transaction every 4 ms; a batch is one read and one write for all of them.
/// </summary>
internal sealed class NodeHeartbeatConsumer(PortalDbContext db, ILogger<NodeHeartbeatConsumer> logger) : IConsumer<Batch<NodeHeartbeat>>
{
    public const int BatchSize = 100;

    /// <summary>How long a beat waits for others to share its write; far below any rack server's offline time.</summary>
    public static readonly TimeSpan BatchWait = TimeSpan.FromMilliseconds(50);

    public async Task Consume(ConsumeContext<Batch<NodeHeartbeat>> context)
    {
        // A rack server's newest beat in the batch tells all its earlier ones do.
        var beats = context.Message.Select(m => m.Message)
            .GroupBy(b => b.NodeName, StringComparer.Ordinal)
            .Select(g => g.MaxBy(b => b.At)!)
            .ToList();
        var names = beats.Select(b => b.NodeName).ToList();
        var servers = await db.Set<RackServer>().Where(r => names.Contains(r.Name)).ToDictionaryAsync(r => r.Name, StringComparer.Ordinal, context.CancellationToken);
        foreach (var beat in beats)
        {
            if (!servers.TryGetValue(beat.NodeName, out var server))
            {
                logger.LogWarning("Heartbeat from unregistered node {Node} ignored", beat.NodeName);
                continue;
            }

            if (server.LastHeartbeatAt >= beat.At)
            {
                continue;
            }

            server.Sockets = beat.Sockets;
            server.CoresPerSocket = beat.CoresPerSocket;
            server.ThreadsPerCore = beat.ThreadsPerCore;
            server.MemoryBytes = beat.MemoryBytes;
            server.CpuModel = beat.CpuModel;
            server.AgentVersion = beat.AgentVersion;
            server.LastHeartbeatAt = beat.At;
            if (beat.Capabilities is not null)
            {
                server.Capabilities = string.Join(',', beat.Capabilities);
            }

            server.MigrationUri = beat.MigrationUri;
        }

        await db.SaveChangesAsync(context.CancellationToken);
    }
}

/// <summary>Registers the configured rack servers and the operator's ISO images, at every start.</summary>
internal sealed class InfrastructureRegistrations(PortalDbContext db, IOptions<InfrastructureOptions> options) : IRequiredData
{
    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        foreach (var registration in options.Value.RackServers)
        {
            var server = await db.Set<RackServer>().SingleOrDefaultAsync(r => r.Name == registration.Name, cancellationToken);
            if (server is null)
            {
                server = new RackServer { Id = Guid.NewGuid(), Name = registration.Name };
                db.Add(server);
            }

            server.Role = registration.Role;
            server.ReservedHostCores = registration.ReservedHostCores;
            server.ReservedMemoryBytes = registration.ReservedMemoryBytes;
            server.SharedStorage = string.IsNullOrWhiteSpace(registration.SharedStorage) ? null : registration.SharedStorage.Trim();
        }

        foreach (var image in options.Value.IsoImages)
        {
            var known = await db.Set<IsoImage>().SingleOrDefaultAsync(i => i.Name == image.Name, cancellationToken);
            if (known is null)
            {
                known = new IsoImage { Id = Guid.NewGuid(), Name = image.Name, Title = image.Title, Path = image.Path };
                db.Add(known);
            }
            else if (known.CreatedByUserId is not null)
            {
                // An uploaded image has this name: a registration never takes over someone's upload.
                continue;
            }

            known.Title = string.IsNullOrWhiteSpace(image.Title) ? image.Name : image.Title;
            known.Path = image.Path;
            known.SizeBytes = image.SizeBytes;
        }

        await db.SaveChangesAsync(cancellationToken);
    }
}

/// <summary>The embedded default's demo ISO library, beside the images the operator configured.</summary>
internal sealed class InfrastructureDemoData(PortalDbContext db) : ISeedData
{
    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        var known = await db.Set<IsoImage>().Select(i => i.Name).ToListAsync(cancellationToken);
        foreach (var (name, title, size) in DemoIsos.Where(d => !known.Contains(d.Name)))
        {
            db.Add(new IsoImage { Id = Guid.NewGuid(), Name = name, Title = title, Path = $"/var/lib/virtualcore/iso/{name}.iso", SizeBytes = size });
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    private static readonly (string Name, string Title, long Size)[] DemoIsos =
    [
        ("debian-12.8.0-amd64-netinst", "Debian 12.8 (netinst)", 661_651_456),
        ("fedora-server-41-x86_64", "Fedora Server 41", 2_600_468_480),
        ("freebsd-14.2-amd64-disc1", "FreeBSD 14.2", 1_270_736_896),
        ("ubuntu-24.04.1-live-server-amd64", "Ubuntu Server 24.04.1 LTS", 2_773_874_688),
        ("almalinux-9.5-x86_64-minimal", "AlmaLinux 9.5 (minimal)", 1_858_076_672),
    ];
}
