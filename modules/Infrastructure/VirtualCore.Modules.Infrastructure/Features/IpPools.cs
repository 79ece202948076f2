using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Numerics;
using System.Text;
using System.Text.RegularExpressions;
using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Infrastructure.Contracts;
using VirtualCore.Modules.Infrastructure.Domain;

namespace VirtualCore.Modules.Infrastructure.Features;

/// <summary>A new pool of addresses (the provider's).</summary>
/// <param name="Name">What it is called, e.g. "public-v4".</param>
/// <param name="Subnet">The subnet in CIDR notation.</param>
/// <param name="FirstAddress">The first address handed out; the subnet's first host when not given.</param>
/// <param name="LastAddress">The last; the subnet's last host (IPv6: the first 65,535) when not given.</param>
/// <param name="Gateway">The subnet's gateway; never handed out.</param>
/// <param name="DnsServers">DNS servers the VMs are to use.</param>
/// <param name="NodeNames">The rack servers whose VMs draw from it; none: all.</param>
/// <param name="CustomerId">The customer whose vDataCenter it is; none: every customer's.</param>
public sealed record CreateIpPool(
    string? Name, string? Subnet, string? FirstAddress, string? LastAddress, string? Gateway, IReadOnlyList<string>? DnsServers, IReadOnlyList<string>? NodeNames, Guid? CustomerId)
    : ICommand<IpPoolView>;

/// <summary>The pools with how many of their addresses are held (the provider's).</summary>
public sealed record ListIpPools : IQuery<IReadOnlyList<IpPoolView>>;

/// <summary>Removes a pool none of whose addresses is held.</summary>
public sealed record DeleteIpPool(Guid PoolId) : ICommand;

/// <summary>The pool's reverse DNS as a zone file snippet: a PTR record for each held address that has a name.</summary>
public sealed record GetReverseZone(Guid PoolId) : IQuery<string>;

/// <summary>What a VM's addresses are (its customer's view).</summary>
public sealed record ListVmAddresses(Guid VmId) : IQuery<IReadOnlyList<VmAddressView>>;

/// <summary>Sets or clears (null or empty) the reverse DNS name of one of a VM's addresses.</summary>
public sealed record SetReverseName(Guid VmId, string Address, string? ReverseName) : ICommand<VmAddressView>;

/// <param name="Size">How many addresses the range has (capped at 2^63 for IPv6).</param>
/// <param name="Used">How many are held.</param>
public sealed record IpPoolView(
    Guid Id, string Name, string Subnet, string FirstAddress, string LastAddress, string? Gateway, IReadOnlyList<string> DnsServers, IReadOnlyList<string> NodeNames, Guid? CustomerId, long Size, int Used);

internal static partial class IpRules
{
    public const int MaxNameLength = 60;

    public const int DefaultIpv6Hosts = 65535;

    [GeneratedRegex("^(?=.{1,253}\\z)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+\\z", RegexOptions.CultureInvariant)]
    public static partial Regex HostName();

    public static BigInteger ToNumber(IPAddress address) => new(address.GetAddressBytes(), isUnsigned: true, isBigEndian: true);

    public static IPAddress ToAddress(BigInteger number, AddressFamily family)
    {
        var length = family == AddressFamily.InterNetwork ? 4 : 16;
        var bytes = number.ToByteArray(isUnsigned: true, isBigEndian: true);
        var padded = new byte[length];
        bytes.CopyTo(padded, length - bytes.Length);
        return new IPAddress(padded);
    }

    public static bool TryParseAddress(string? text, out IPAddress address)
    {
        address = IPAddress.None;
        return text is not null && !text.Contains('%', StringComparison.Ordinal) && IPAddress.TryParse(text.Trim(), out address!)
            && address.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6
            && address.ToString().Length > 0;
    }

    public static int PrefixOf(string subnet) => int.Parse(subnet[(subnet.IndexOf('/', StringComparison.Ordinal) + 1)..], CultureInfo.InvariantCulture);

    /// <summary>The PTR record's owner: "10.2.0.192.in-addr.arpa." or the IPv6 nibbles under ip6.arpa.</summary>
    public static string ReverseOwner(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return string.Join('.', bytes.Reverse().Select(b => b.ToString(CultureInfo.InvariantCulture))) + ".in-addr.arpa.";
        }

        var nibbles = new StringBuilder();
        foreach (var b in bytes.Reverse())
        {
            nibbles.Append(CultureInfo.InvariantCulture, $"{b & 0xf:x}.{b >> 4:x}.");
        }

        return nibbles + "ip6.arpa.";
    }
}

internal sealed class CreateIpPoolHandler(PortalDbContext db, TimeProvider clock, ISecurityAudit audit) : ICommandHandler<CreateIpPool, IpPoolView>
{
    public async ValueTask<IpPoolView> Handle(CreateIpPool command, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        var name = command.Name?.Trim() ?? "";
        if (name.Length is 0 or > IpRules.MaxNameLength || name.Any(char.IsControl))
        {
            errors.Add(new("name", $"Give the pool a name of at most {IpRules.MaxNameLength} characters."));
        }
        else if (await db.Set<IpPool>().AnyAsync(p => p.Name == name, cancellationToken))
        {
            errors.Add(new("name", $"A pool named '{name}' exists."));
        }

        if (command.Subnet is null || !IPNetwork.TryParse(command.Subnet.Trim(), out var subnet) || command.Subnet.Contains('%', StringComparison.Ordinal))
        {
            errors.Add(new("subnet", "Give the subnet in CIDR notation, e.g. 192.0.2.0/24 or 2001:db8:1::/64."));
            throw new RequestValidationException(errors);
        }

        var family = subnet.BaseAddress.AddressFamily;
        var bits = family == AddressFamily.InterNetwork ? 32 : 128;
        var network = IpRules.ToNumber(subnet.BaseAddress);
        var hostBits = bits - subnet.PrefixLength;
        var broadcast = network + (BigInteger.One << hostBits) - 1;
        if (IPAddress.TryParse(command.Subnet.Trim().Split('/')[0], out var given) && !given.Equals(subnet.BaseAddress))
        {
            errors.Add(new("subnet", $"{command.Subnet.Trim()} has host bits set: the subnet is {subnet}."));
        }

        if (hostBits < 2)
        {
            errors.Add(new("subnet", "A pool's subnet has room for at least two hosts (IPv4 /30, IPv6 /126 or larger)."));
        }

        var firstHost = network + 1;
        var lastHost = family == AddressFamily.InterNetwork ? broadcast - 1 : BigInteger.Min(broadcast, network + IpRules.DefaultIpv6Hosts);
        var first = Within(command.FirstAddress, "firstAddress", firstHost);
        var last = Within(command.LastAddress, "lastAddress", lastHost);
        if (first > last)
        {
            errors.Add(new("lastAddress", "The last address comes before the first."));
        }

        string? gateway = null;
        if (!string.IsNullOrWhiteSpace(command.Gateway))
        {
            var number = Within(command.Gateway, "gateway", firstHost);
            gateway = IpRules.ToAddress(number, family).ToString();
        }

        var dns = new List<string>();
        foreach (var server in command.DnsServers ?? [])
        {
            if (!IpRules.TryParseAddress(server, out var address))
            {
                errors.Add(new("dnsServers", $"'{server}' is not an IP address."));
                continue;
            }

            dns.Add(address.ToString());
        }

        var nodes = (command.NodeNames ?? []).Select(n => n?.Trim() ?? "").Where(n => n.Length > 0).Distinct(StringComparer.Ordinal).ToArray();
        var known = await db.Set<RackServer>().Select(r => r.Name).ToListAsync(cancellationToken);
        if (nodes.FirstOrDefault(n => !known.Contains(n)) is { } unknown)
        {
            errors.Add(new("nodeNames", $"There is no rack server '{unknown}'."));
        }

        // Ranges of one family never overlap: an address belongs to one pool at most.
        foreach (var other in await db.Set<IpPool>().AsNoTracking().ToListAsync(cancellationToken))
        {
            if (IpRules.TryParseAddress(other.FirstAddress, out var otherFirst) && otherFirst.AddressFamily == family
                && IpRules.ToNumber(otherFirst) <= last && first <= IpRules.ToNumber(IPAddress.Parse(other.LastAddress)))
            {
                errors.Add(new("firstAddress", $"The range overlaps pool '{other.Name}' ({other.FirstAddress}–{other.LastAddress})."));
            }
        }

        if (errors.Count > 0)
        {
            throw new RequestValidationException(errors);
        }

        var pool = new IpPool
        {
            Id = Guid.NewGuid(),
            Name = name,
            Subnet = subnet.ToString(),
            FirstAddress = IpRules.ToAddress(first, family).ToString(),
            LastAddress = IpRules.ToAddress(last, family).ToString(),
            Gateway = gateway,
            DnsServers = string.Join(',', dns),
            NodeNames = string.Join(',', nodes),
            CustomerId = command.CustomerId,
            ResellerId = null,
            CreatedAt = clock.GetUtcNow(),
        };
        db.Add(pool);
        audit.Record("ip-pool.created", pool.Name, $"{pool.FirstAddress}–{pool.LastAddress} of {pool.Subnet}");
        return IpPoolMapping.View(pool, 0);

        BigInteger Within(string? text, string field, BigInteger fallback)
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                return fallback;
            }

            if (!IpRules.TryParseAddress(text, out var address) || address.AddressFamily != family)
            {
                errors.Add(new(field, $"'{text}' is not an {(family == AddressFamily.InterNetwork ? "IPv4" : "IPv6")} address."));
                return fallback;
            }

            var number = IpRules.ToNumber(address);
            if (number <= network || number > broadcast || (family == AddressFamily.InterNetwork && number == broadcast))
            {
                errors.Add(new(field, $"{address} is not a host address of {subnet}."));
                return fallback;
            }

            return number;
        }
    }
}

internal sealed class ListIpPoolsHandler(PortalDbContext db) : IQueryHandler<ListIpPools, IReadOnlyList<IpPoolView>>
{
    public async ValueTask<IReadOnlyList<IpPoolView>> Handle(ListIpPools query, CancellationToken cancellationToken)
    {
        var pools = await db.Set<IpPool>().AsNoTracking().OrderBy(p => p.Name).ToListAsync(cancellationToken);
        var used = await db.Set<IpAssignment>().IgnoreQueryFilters().GroupBy(a => a.PoolId).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
        return pools.Select(p => IpPoolMapping.View(p, used.GetValueOrDefault(p.Id))).ToArray();
    }
}

internal sealed class DeleteIpPoolHandler(PortalDbContext db, ISecurityAudit audit) : ICommandHandler<DeleteIpPool>
{
    public async ValueTask<Unit> Handle(DeleteIpPool command, CancellationToken cancellationToken)
    {
        var pool = await db.Set<IpPool>().SingleOrDefaultAsync(p => p.Id == command.PoolId, cancellationToken) ?? throw new NotFoundException("The pool");
        var held = await db.Set<IpAssignment>().IgnoreQueryFilters().CountAsync(a => a.PoolId == pool.Id, cancellationToken);
        if (held > 0)
        {
            throw new ConflictException($"{held} of the pool's addresses are held by VMs; it can be removed once they are free.");
        }

        db.Remove(pool);
        audit.Record("ip-pool.deleted", pool.Name);
        return Unit.Value;
    }
}

internal sealed class GetReverseZoneHandler(PortalDbContext db, TimeProvider clock) : IQueryHandler<GetReverseZone, string>
{
    public async ValueTask<string> Handle(GetReverseZone query, CancellationToken cancellationToken)
    {
        var pool = await db.Set<IpPool>().AsNoTracking().SingleOrDefaultAsync(p => p.Id == query.PoolId, cancellationToken) ?? throw new NotFoundException("The pool");
        var named = await db.Set<IpAssignment>().IgnoreQueryFilters().AsNoTracking().Where(a => a.PoolId == pool.Id && a.ReverseName != null)
            .Select(a => new { a.Address, a.ReverseName }).ToListAsync(cancellationToken);
        var zone = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"; reverse DNS of pool {pool.Name} ({pool.Subnet}), {clock.GetUtcNow():yyyy-MM-dd'T'HH:mm:ss'Z'}\n");
        foreach (var entry in named.OrderBy(a => IpRules.ToNumber(IPAddress.Parse(a.Address))))
        {
            zone.Append(CultureInfo.InvariantCulture, $"{IpRules.ReverseOwner(IPAddress.Parse(entry.Address))}\t3600\tIN\tPTR\t{entry.ReverseName}.\n");
        }

        return zone.ToString();
    }
}

internal sealed class ListVmAddressesHandler(IVmAddresses addresses) : IQueryHandler<ListVmAddresses, IReadOnlyList<VmAddressView>>
{
    public async ValueTask<IReadOnlyList<VmAddressView>> Handle(ListVmAddresses query, CancellationToken cancellationToken) =>
        await addresses.ListAsync(query.VmId, cancellationToken);
}

internal sealed class SetReverseNameHandler(PortalDbContext db, IVmAddresses addresses, ISecurityAudit audit) : ICommandHandler<SetReverseName, VmAddressView>
{
    public async ValueTask<VmAddressView> Handle(SetReverseName command, CancellationToken cancellationToken)
    {
        var address = IpRules.TryParseAddress(command.Address, out var parsed) ? parsed.ToString() : "";
        var assignment = await db.Set<IpAssignment>().SingleOrDefaultAsync(a => a.VmId == command.VmId && a.Address == address, cancellationToken)
            ?? throw new NotFoundException($"The address '{command.Address}' of this VM");
        var name = command.ReverseName?.Trim().TrimEnd('.').ToLowerInvariant();
        if (string.IsNullOrEmpty(name))
        {
            assignment.ReverseName = null;
        }
        else if (!IpRules.HostName().IsMatch(name))
        {
            throw new RequestValidationException("reverseName", "Give a fully qualified host name, e.g. www.example.com (letters, digits, hyphens and dots).");
        }
        else
        {
            assignment.ReverseName = name;
        }

        audit.Record("address.reverse-name", assignment.Address, assignment.ReverseName ?? "(none)");
        await db.SaveChangesAsync(cancellationToken);
        return (await addresses.ListAsync(command.VmId, cancellationToken)).Single(a => a.Address == assignment.Address);
    }
}

internal static class IpPoolMapping
{
    public static IpPoolView View(IpPool pool, int used)
    {
        var size = IpRules.ToNumber(IPAddress.Parse(pool.LastAddress)) - IpRules.ToNumber(IPAddress.Parse(pool.FirstAddress)) + 1;
        return new IpPoolView(
            pool.Id,
            pool.Name,
            pool.Subnet,
            pool.FirstAddress,
            pool.LastAddress,
            pool.Gateway,
            Split(pool.DnsServers),
            Split(pool.NodeNames),
            pool.CustomerId,
            size > long.MaxValue ? long.MaxValue : (long)size,
            used);
    }

    public static string[] Split(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>Hands out and takes back the pools' addresses, in the caller's unit of work.</summary>
internal sealed class VmAddresses(PortalDbContext db, TimeProvider clock) : IVmAddresses
{
    public async Task<string?> AssignAsync(Guid vmId, Guid resellerId, Guid customerId, string nodeName, CancellationToken cancellationToken)
    {
        var pools = (await db.Set<IpPool>().AsNoTracking().Where(p => p.CustomerId == customerId || p.CustomerId == null).ToListAsync(cancellationToken))
            .Where(p => p.CustomerId == customerId || p.NodeNames.Length == 0 || IpPoolMapping.Split(p.NodeNames).Contains(nodeName))
            .OrderBy(p => p.CustomerId is null)
            .ThenBy(p => p.CreatedAt)
            .ToList();
        foreach (var family in pools.GroupBy(p => IPAddress.Parse(p.FirstAddress).AddressFamily))
        {
            var assigned = false;
            foreach (var pool in family)
            {
                if (await NextFreeAsync(pool, cancellationToken) is { } address)
                {
                    db.Add(new IpAssignment
                    {
                        Id = Guid.NewGuid(),
                        PoolId = pool.Id,
                        Address = address.ToString(),
                        VmId = vmId,
                        ResellerId = resellerId,
                        CustomerId = customerId,
                        AssignedAt = clock.GetUtcNow(),
                    });
                    assigned = true;
                    break;
                }
            }

            if (!assigned)
            {
                var which = family.Key == AddressFamily.InterNetwork ? "IPv4" : "IPv6";
                return $"No {which} address is free in {string.Join(", ", family.Select(p => $"pool '{p.Name}'"))}: ask your provider for more, or delete a VM you no longer need.";
            }
        }

        return null;
    }

    public async Task ReleaseAsync(Guid vmId, CancellationToken cancellationToken)
    {
        foreach (var assignment in await db.Set<IpAssignment>().IgnoreQueryFilters().Where(a => a.VmId == vmId).ToListAsync(cancellationToken))
        {
            db.Remove(assignment);
        }
    }

    public async Task<IReadOnlyList<VmAddressView>> ListAsync(Guid vmId, CancellationToken cancellationToken)
    {
        // Those assigned in this unit of work too: a VM being created holds them before they are saved.
        var held = (await db.Set<IpAssignment>().AsNoTracking().Where(a => a.VmId == vmId).ToListAsync(cancellationToken))
            .Concat(db.ChangeTracker.Entries<IpAssignment>().Where(e => e.State == EntityState.Added && e.Entity.VmId == vmId).Select(e => e.Entity))
            .ToList();
        var poolIds = held.Select(a => a.PoolId).ToList();
        var pools = await db.Set<IpPool>().AsNoTracking().Where(p => poolIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, cancellationToken);
        return held.OrderBy(a => a.Address.Contains(':', StringComparison.Ordinal)).ThenBy(a => a.Address, StringComparer.Ordinal)
            .Select(a => new VmAddressView(
                a.Address,
                IpRules.PrefixOf(pools[a.PoolId].Subnet),
                pools[a.PoolId].Gateway,
                IpPoolMapping.Split(pools[a.PoolId].DnsServers),
                a.ReverseName,
                pools[a.PoolId].Name)).ToArray();
    }

    /// <summary>The lowest address of the range that is neither held (also added in this unit of work) nor the gateway.</summary>
    private async Task<IPAddress?> NextFreeAsync(IpPool pool, CancellationToken cancellationToken)
    {
        var held = (await db.Set<IpAssignment>().IgnoreQueryFilters().AsNoTracking().Where(a => a.PoolId == pool.Id).Select(a => a.Address).ToListAsync(cancellationToken))
            .Concat(db.ChangeTracker.Entries<IpAssignment>().Where(e => e.State == EntityState.Added && e.Entity.PoolId == pool.Id).Select(e => e.Entity.Address))
            .ToHashSet(StringComparer.Ordinal);
        if (pool.Gateway is not null)
        {
            held.Add(pool.Gateway);
        }

        var first = IPAddress.Parse(pool.FirstAddress);
        var number = IpRules.ToNumber(first);
        var last = IpRules.ToNumber(IPAddress.Parse(pool.LastAddress));

        // Among held.Count + 1 addresses from the first one, one is free unless the range is full.
        for (var step = 0; step <= held.Count && number <= last; step++, number++)
        {
            var candidate = IpRules.ToAddress(number, first.AddressFamily);
            if (!held.Contains(candidate.ToString()))
            {
                return candidate;
            }
        }

        return null;
    }
}
