namespace VirtualCore.Plugins.Sdk;

/// <summary>Where the hypervisor learnt an address.</summary>
public enum AddressSource
{
    /// <summary>The node network's DHCP lease.</summary>
    Lease = 0,
    /// <summary>The node's ARP table.</summary>
    Arp = 1,
    /// <summary>The guest agent inside the VM.</summary>
    Agent = 2,
}

/// <summary>An IP address of a domain's network interface.</summary>
/// <param name="MacAddress">The interface's MAC address, lower case.</param>
/// <param name="Address">IPv4 or IPv6 address.</param>
/// <param name="PrefixLength">Network prefix length, e.g. 24.</param>
/// <param name="Source">Where it was learnt.</param>
public sealed record InterfaceAddress(string MacAddress, string Address, int PrefixLength, AddressSource Source);
