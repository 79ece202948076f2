using Mediator;

namespace VirtualCore.Modules.Infrastructure.Contracts;

/// <summary>The rack servers and what they offer to VMs. Usage by VMs is the Compute module's to add.</summary>
public sealed record ListRackServers : IQuery<IReadOnlyList<RackServerView>>;

/// <param name="Name">The rack server's name, e.g. "rack-1".</param>
/// <param name="Role">"compute" or "reserve" (failover spare).</param>
/// <param name="PhysicalCores">Cores of the host.</param>
/// <param name="ReservedHostCores">Cores kept for the host itself; the lowest-numbered ones.</param>
/// <param name="MemoryBytes">Physical memory.</param>
/// <param name="ReservedMemoryBytes">Memory kept for the host itself.</param>
/// <param name="CpuModel">As the hypervisor reports it.</param>
/// <param name="Online">The node agent reported recently.</param>
/// <param name="LastHeartbeatAt">When the agent last reported.</param>
/// <param name="Capabilities">What its adapter can do (the SDK's capability names), as last reported.</param>
/// <param name="MigrationUri">Where other nodes send a VM that moves here; null if its agent gave none.</param>
/// <param name="SharedStorage">Nodes with the same value reach the same disk images.</param>
public sealed record RackServerView(
    string Name,
    string Role,
    int PhysicalCores,
    int ReservedHostCores,
    long MemoryBytes,
    long ReservedMemoryBytes,
    string CpuModel,
    bool Online,
    DateTimeOffset? LastHeartbeatAt,
    IReadOnlyList<string>? Capabilities = null,
    string? MigrationUri = null,
    string? SharedStorage = null)
{
    public bool Can(string capability) => Capabilities?.Contains(capability, StringComparer.Ordinal) == true;

    public int CoresForVms => Math.Max(0, PhysicalCores - ReservedHostCores);

    public long MemoryForVmsBytes => Math.Max(0, MemoryBytes - ReservedMemoryBytes);
}

/// <summary>
/// The ISO images the caller can attach to a VM, as it may see them (never where the files lie): the provider's
/// library and the customer's own uploads; the operator sees every customer's too.
/// </summary>
public sealed record ListIsoImages : IQuery<IReadOnlyList<IsoImageView>>;

/// <param name="Name">Short name, e.g. "debian-12.8-amd64-netinst".</param>
/// <param name="Title">What users see, e.g. "Debian 12.8 (netinst)".</param>
/// <param name="SizeBytes">File size: read from the file where the portal can read it, else as registered; null when
/// neither is known.</param>
/// <param name="Sha256">The file's SHA-256 (hex) as the portal computed it on upload; null for registered images.</param>
/// <param name="Owner">"library" (the provider's, for every customer) or "customer" (uploaded by the customer's users).</param>
/// <param name="UploadedBy">Who uploaded it; null for registered images.</param>
/// <param name="UploadedAt">When its upload began; null for registered images.</param>
/// <param name="Deletable">True when the caller may remove it.</param>
/// <param name="Format">"iso" (boots from the CD-ROM drive: isoName), or "qcow2", "vmdk" or "raw" (a disk image — a cloud image or
/// an appliance's disk — a new VM's disk is made from: imageName).</param>
/// <param name="VirtualSizeBytes">A disk image's virtual size: the smallest disk a VM made from it can have.</param>
/// <param name="ApplianceVCpus">For an appliance's disk (from an OVA): the vCPUs its descriptor asks for, taken when a VM is created without any.</param>
/// <param name="ApplianceMemoryMiB">For an appliance's disk: the memory its descriptor asks for, in MiB.</param>
public sealed record IsoImageView(
    string Name,
    string Title,
    long? SizeBytes,
    string? Sha256 = null,
    string Owner = IsoOwners.Library,
    string? UploadedBy = null,
    DateTimeOffset? UploadedAt = null,
    bool Deletable = false,
    string Format = IsoImageFormats.Iso,
    long? VirtualSizeBytes = null,
    int? ApplianceVCpus = null,
    long? ApplianceMemoryMiB = null);

public static class IsoImageFormats
{
    public const string Iso = "iso";
    public const string Qcow2 = "qcow2";

    /// <summary>A VMware disk (monolithic sparse or stream-optimised, as in an OVA), converted on the rack server.</summary>
    public const string Vmdk = "vmdk";

    /// <summary>A raw disk with a partition table (MBR or GPT).</summary>
    public const string Raw = "raw";

    /// <summary>True for the formats a new VM's disk is made from (all but ISO).</summary>
    public static bool IsDisk(string format) => format is Qcow2 or Vmdk or Raw;
}

public static class IsoOwners
{
    public const string Library = "library";
    public const string Customer = "customer";
}

/// <summary>Tells which VMs have an ISO image in their drive; implemented by the module that owns VMs.</summary>
public interface IIsoImageUsage
{
    /// <summary>
    /// The names of the VMs (of any tenant) whose drive holds the image <paramref name="isoName"/>, or whose disk is still
    /// being made from it.
    /// </summary>
    ValueTask<IReadOnlyList<string>> VmsUsingAsync(string isoName, CancellationToken cancellationToken);
}

/// <summary>
/// Where the library's image <paramref name="Name"/> lies on the nodes, for the commands that attach it to a VM; null
/// for a name the library lacks. A path on the operator's hosts: it goes to rack servers, never to users.
/// </summary>
public sealed record GetIsoImageFile(string Name) : IQuery<IsoImageFile?>;

/// <param name="Name">The image's short name.</param>
/// <param name="Path">Where the image lies on the nodes' image storage.</param>
/// <param name="Format">"iso" or "qcow2".</param>
/// <param name="VirtualSizeBytes">A disk image's virtual size.</param>
public sealed record IsoImageFile(string Name, string Path, string Format = IsoImageFormats.Iso, long? VirtualSizeBytes = null, int? ApplianceVCpus = null, long? ApplianceMemoryMiB = null);

/// <summary>
/// Addresses of the provider's IP pools for VMs; implemented by the module that keeps the pools. Its changes join the
/// caller's unit of work, so a VM and its addresses are saved (or not) together.
/// </summary>
public interface IVmAddresses
{
    /// <summary>
    /// Gives a new VM one free address from each address family that has a pool for it: the customer's own pools first,
    /// then the shared ones of its rack server. Null when that worked (or no pool applies); else why not.
    /// </summary>
    Task<string?> AssignAsync(Guid vmId, Guid resellerId, Guid customerId, string nodeName, CancellationToken cancellationToken);

    /// <summary>Frees what the VM holds: it was deleted or never came to be.</summary>
    Task ReleaseAsync(Guid vmId, CancellationToken cancellationToken);

    /// <summary>What the VM holds, as its customer may see it.</summary>
    Task<IReadOnlyList<VmAddressView>> ListAsync(Guid vmId, CancellationToken cancellationToken);
}

/// <param name="Address">The address, e.g. "192.0.2.10" or "2001:db8:1::a".</param>
/// <param name="PrefixLength">Its subnet's prefix length.</param>
/// <param name="Gateway">The subnet's gateway, if any.</param>
/// <param name="DnsServers">The DNS servers to configure.</param>
/// <param name="ReverseName">Its PTR name, or null.</param>
/// <param name="Pool">The pool's name.</param>
public sealed record VmAddressView(string Address, int PrefixLength, string? Gateway, IReadOnlyList<string> DnsServers, string? ReverseName, string Pool);
