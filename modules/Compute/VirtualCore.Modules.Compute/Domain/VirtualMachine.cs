using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;

namespace VirtualCore.Modules.Compute.Domain;

/// <summary>A vServer of a customer, on one rack server, with dedicated cores.</summary>
internal sealed class VirtualMachine : ITenantOwned, IVersioned
{
    public int Version { get; set; }

    public Guid Id { get; set; }

    public Guid ResellerId { get; set; }

    public Guid CustomerId { get; set; }

    public required string Name { get; set; }

    public int VCpus { get; set; }

    public int MemoryGiB { get; set; }

    public int DiskGiB { get; set; }

    public string? IsoName { get; set; }

    /// <summary>The library's disk image its disk was made from, or null for an empty disk.</summary>
    public string? ImageName { get; set; }

    public required string NodeName { get; set; }

    public required string MacAddress { get; set; }

    /// <summary>The guest's IP addresses as its rack server last saw them, comma-separated ("192.0.2.10/24").</summary>
    public string Addresses { get; set; } = "";

    /// <summary>
    /// The physical cores this VM's vCPUs are pinned to, one per vCPU, on <see cref="NodeName"/>; while it moves, also
    /// the cores it will have on the target.
    /// </summary>
    public List<CoreAllocation> Cores { get; set; } = [];

    /// <remarks>A VM that is shut off has nothing waiting for its next boot: it starts from its definition.</remarks>
    public required string State
    {
        get => _state;
        set
        {
            _state = value;
            if (value == Contracts.VmStates.ShutOff)
            {
                NextBootChanges = "";
            }
        }
    }

    private string _state = "";

    /// <summary>Devices the firmware boots from, in order, comma-separated ("disk,cdrom").</summary>
    public string BootOrder { get; set; } = "disk,cdrom";

    /// <summary>"virtio" or "sata", for every disk.</summary>
    public string DiskBus { get; set; } = "virtio";

    /// <summary>"virtio" or "e1000", for every network interface.</summary>
    public string NicModel { get; set; } = "virtio";

    /// <summary>
    /// Hardware changes the running guest gets only when it next boots, comma-separated ("vcpus,boot-order");
    /// empty when it runs with what the portal shows.
    /// </summary>
    public string NextBootChanges { get; set; } = "";

    /// <summary>The VM's disk image on its rack server.</summary>
    public string DiskPath => $"/var/lib/virtualcore/images/{Id:N}.qcow2";

    public DateTimeOffset StateChangedAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public required string CreatedBy { get; set; }

    /// <summary>The customer's suspension powered it off; lifting the suspension starts it again.</summary>
    public bool StoppedBySuspension { get; set; }

    /// <summary>The client's idempotency key of the create request.</summary>
    public Guid? RequestId { get; set; }

    /// <summary>
    /// Takes the state its rack server reports. Parked, a VM holds no cores there: it gives them back for other VMs
    /// and gets free ones again when it is unparked (<see cref="Cores"/> must be loaded).
    /// </summary>
    public void MoveTo(string state, DateTimeOffset at)
    {
        State = state;
        StateChangedAt = at;
        if (state == Contracts.VmStates.Parked)
        {
            Cores.Clear();
        }
    }
}

/// <summary>One physical core given to one VM. Unique per node and core: the database itself forbids sharing a core.</summary>
internal sealed class CoreAllocation
{
    public Guid VmId { get; set; }

    public required string NodeName { get; set; }

    public int Core { get; set; }
}
