using Mediator;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Modules.Infrastructure.Contracts;

namespace VirtualCore.Portal.Tests;

/// <summary>What a node agent reports about its rack server reaches the portal: capabilities and where VMs move to.</summary>
public sealed class RackServerReportTests
{
    [Fact]
    public async Task Heartbeats_carry_the_adapters_capabilities_and_migration_address_and_configured_images_join_the_library()
    {
        await using var portal = new PortalFixture(settings: new Dictionary<string, string>
        {
            ["EmbeddedRackServers:Servers:1:MigrationUri"] = "qemu+tls://rack-2.example/system",
            ["EmbeddedRackServers:Servers:1:SharedStorage"] = "san-1",
            ["Infrastructure:IsoImages:0:Name"] = "tiny-guest",
            ["Infrastructure:IsoImages:0:Title"] = "Tiny guest",
            ["Infrastructure:IsoImages:0:Path"] = "/srv/iso/tiny-guest.iso",
        });

        // Agents report when they start and then every second here; the bus delivers on its own time.
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(15);
        var servers = await ListAsync(portal);
        while (servers.Any(s => s.Role == "compute" && s.Capabilities is not { Count: > 0 }) && DateTimeOffset.UtcNow < deadline)
        {
            await portal.Agents["rack-1"].PublishHeartbeatAsync(CancellationToken.None);
            await portal.Agents["rack-2"].PublishHeartbeatAsync(CancellationToken.None);
            servers = await ListAsync(portal);
        }

        var first = servers.Single(s => s.Name == "rack-1");
        var second = servers.Single(s => s.Name == "rack-2");

        // The test driver can pin cores and save memory to disk, but not move a VM or grow its disk.
        Assert.True(first.Can("CpuPinning"));
        Assert.True(first.Can("ManagedSave"));
        Assert.False(first.Can("LiveMigration"));
        Assert.False(first.Can("DiskGrow"));

        // Without a migration address of its own, a node is reached where its agent reaches it.
        Assert.StartsWith("test://", first.MigrationUri, StringComparison.Ordinal);
        Assert.Equal("qemu+tls://rack-2.example/system", second.MigrationUri);
        Assert.Null(first.SharedStorage);
        Assert.Equal("san-1", second.SharedStorage);

        var isos = await portal.Demo().GetAsync<IsoImageView[]>("/api/v1/isos");
        var tiny = Assert.Single(isos, i => i.Name == "tiny-guest");
        Assert.Equal(("Tiny guest", null), (tiny.Title, tiny.SizeBytes));
        await using var scope = portal.Services.CreateAsyncScope();
        Assert.Equal("/srv/iso/tiny-guest.iso", (await scope.ServiceProvider.GetRequiredService<ISender>().Send(new GetIsoImageFile("tiny-guest")))!.Path);
        Assert.Contains(isos, i => i.Name == "debian-12.8.0-amd64-netinst");
    }

    private static async Task<IReadOnlyList<RackServerView>> ListAsync(PortalFixture portal)
    {
        // Outside a request the portal acts as the system.
        await using var scope = portal.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send(new ListRackServers());
    }
}
