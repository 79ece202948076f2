using VirtualCore.Framework.Tenancy;

namespace VirtualCore.Modules.Infrastructure.Domain;

/// <summary>
/// Addresses the provider hands to VMs: one IPv4 or IPv6 range of a subnet, with its gateway and DNS servers, for one
/// customer's vDataCenter or (without a customer) for every customer's VMs on its rack servers.
/// </summary>
internal sealed class IpPool
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    /// <summary>The subnet in CIDR notation, e.g. "192.0.2.0/24" or "2001:db8:1::/64".</summary>
    public required string Subnet { get; set; }

    public required string FirstAddress { get; set; }

    public required string LastAddress { get; set; }

    public string? Gateway { get; set; }

    /// <summary>Comma-separated.</summary>
    public string DnsServers { get; set; } = "";

    /// <summary>The rack servers whose VMs draw from it, comma-separated; empty: all.</summary>
    public string NodeNames { get; set; } = "";

    /// <summary>The customer whose vDataCenter it is (with its reseller); null: shared by every customer.</summary>
    public Guid? CustomerId { get; set; }

    public Guid? ResellerId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>An address of a pool held by a VM, with the reverse DNS name its customer gave it.</summary>
internal sealed class IpAssignment : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid PoolId { get; set; }

    /// <summary>The address as <see cref="System.Net.IPAddress.ToString"/> writes it.</summary>
    public required string Address { get; set; }

    public Guid VmId { get; set; }

    public Guid ResellerId { get; set; }

    public Guid CustomerId { get; set; }

    /// <summary>The PTR name, without the trailing dot; null: none.</summary>
    public string? ReverseName { get; set; }

    public DateTimeOffset AssignedAt { get; set; }
}
