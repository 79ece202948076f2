using System.Diagnostics;
using System.Text.RegularExpressions;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt.QemuTests;

/// <summary>IP discovery against a real guest: its NIC joins the node's NAT network "default" and asks libvirt's dnsmasq for an address.</summary>
[Collection(QemuNodeCollection.Name)]
public sealed partial class QemuNetworkTests
{
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan LeaseTimeout = TimeSpan.FromSeconds(60);

    private readonly QemuNodeFixture node;
    private readonly ITestOutputHelper output;

    public QemuNetworkTests(QemuNodeFixture node, ITestOutputHelper output)
    {
        this.node = node;
        this.output = output;
    }

    [Fact]
    public async Task The_address_the_guest_leased_by_dhcp_is_reported_from_the_lease()
    {
        var spec = TinyGuest.SpecFor("lease");
        var mac = "52:54:00:" + string.Join(':', spec.Id.ToByteArray()[..3].Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
        var guest = await TinyGuest.DefineAsync(node, spec with { Nics = [new NicSpec("default", mac)] });
        await using (guest)
        {
            Assert.Empty(await node.Adapter.GetInterfaceAddressesAsync(guest.Id, CancellationToken.None));
            var watch = Stopwatch.StartNew();
            await node.Adapter.StartDomainAsync(guest.Id, CancellationToken.None);

            // The guest's DHCP client prints the address it configured before the guest reports ready.
            await guest.WaitForSerialAsync(TinyGuest.ReadyMarker, BootTimeout);
            var configured = GuestAddress().Match(guest.SerialLog);
            Assert.True(configured.Success, $"The guest got no address by DHCP. Console:\n{guest.SerialLog}");

            IReadOnlyList<InterfaceAddress> addresses;
            while ((addresses = await node.Adapter.GetInterfaceAddressesAsync(guest.Id, CancellationToken.None)).Count == 0)
            {
                Assert.True(watch.Elapsed < LeaseTimeout, $"No address reported within {LeaseTimeout.TotalSeconds:F0} s of the start; the guest has {configured.Groups[1].Value}.");
                await Task.Delay(200);
            }

            output.WriteLine($"[qemu] address reported {watch.Elapsed.TotalSeconds:F1} s after the start: {string.Join(", ", addresses)}");
            var address = Assert.Single(addresses);
            Assert.Equal(new InterfaceAddress(mac, configured.Groups[1].Value, 24, AddressSource.Lease), address);

            await node.Adapter.PowerOffDomainAsync(guest.Id, CancellationToken.None);
            Assert.Empty(await node.Adapter.GetInterfaceAddressesAsync(guest.Id, CancellationToken.None));
        }
    }

    [GeneratedRegex(@"vcore-guest: eth0 has (\d+\.\d+\.\d+\.\d+)")]
    private static partial Regex GuestAddress();
}
