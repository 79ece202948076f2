using VirtualCore.Framework.Tenancy;

namespace VirtualCore.Modules.Compute.Domain;

/// <summary>A vServer of a customer, on one rack server, with dedicated cores.</summary>
internal sealed class VirtualMachine : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid ResellerId { get; set; }

    public Guid CustomerId { get; set; }

    public required string Name { get; set; }

    public int VCpus { get; set; }

    public int MemoryGiB { get; set; }

    public int DiskGiB { get; set; }

    public string? IsoName { get; set; }

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

/// <summary>An action on a VM, carried out by a node agent: a row first, a bus message second.</summary>
internal sealed class Job : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid ResellerId { get; set; }

    public Guid CustomerId { get; set; }

    public string TargetType { get; set; } = "vServer";

    public Guid TargetId { get; set; }

    public required string TargetName { get; set; }

    public required string Action { get; set; }

    public required string UserName { get; set; }

    public required string NodeName { get; set; }

    public required string Status { get; set; }

    public int Progress { get; set; }

    public string Info { get; set; } = "";

    public DateTimeOffset QueuedAt { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    /// <summary>The node command's message name; the outbox sends it until the agent answers.</summary>
    public required string CommandName { get; set; }

    public required string CommandJson { get; set; }

    public DateTimeOffset? DispatchedAt { get; set; }

    public int DispatchAttempts { get; set; }

    /// <summary>What the job is about besides its VM, e.g. a recovery point.</summary>
    public Guid? SubjectId { get; set; }

    /// <summary>For a live migration: how long the guest was paused for the switch-over, as its hypervisor measured it.</summary>
    public long? DowntimeMs { get; set; }

    /// <summary>When the agent last said anything about this job.</summary>
    public DateTimeOffset? LastSignalAt { get; set; }

    public bool IsOpen => Status is Contracts.JobStatuses.Queued or Contracts.JobStatuses.Running;
}

/// <summary>A recovery point of a VM as the portal knows it.</summary>
internal sealed class RecoveryPointRecord : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid ResellerId { get; set; }

    public Guid CustomerId { get; set; }

    public Guid VmId { get; set; }

    /// <summary>The name on the rack server.</summary>
    public required string Name { get; set; }

    public string? Note { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>"creating" or "ready".</summary>
    public required string Status { get; set; }
}

/// <summary>
/// A hardware change of a VM while its job runs. Extra cores are held from the start; the VM takes the new values
/// when the job completes, and a failed job gives back what was held. Removed once its job has ended.
/// </summary>
internal sealed class HardwareEdit : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid ResellerId { get; set; }

    public Guid CustomerId { get; set; }

    public Guid VmId { get; set; }

    public int? VCpus { get; set; }

    /// <summary>The cores the VM keeps after the change, comma-separated; set with <see cref="VCpus"/>.</summary>
    public string? CoresAfter { get; set; }

    /// <summary>The cores held for the change that the VM did not have before, comma-separated.</summary>
    public string CoresAdded { get; set; } = "";

    public int? MemoryGiB { get; set; }

    public int? DiskGiB { get; set; }

    /// <summary>True when the ISO changes: to <see cref="IsoName"/>, or detached when that is null.</summary>
    public bool ChangesIso { get; set; }

    public string? IsoName { get; set; }

    public string? BootOrder { get; set; }

    public string? DiskBus { get; set; }

    public string? NicModel { get; set; }
}
