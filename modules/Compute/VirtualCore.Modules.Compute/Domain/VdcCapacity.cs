using System.Globalization;
using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Modules.Compute.Domain;

/// <summary>
/// A customer's vDataCenter: the capacity its reseller set (Tenancy) against what the customer's VMs hold. Every VM
/// holds its vCPUs, RAM and disk from its creation until it is deleted, parked or not; a VM whose creation failed
/// holds nothing.
/// </summary>
internal sealed class VdcCapacity(PortalDbContext db, ISender sender)
{
    public async Task<VdcCapacityView> ReadAsync(Guid customerId, CancellationToken cancellationToken)
    {
        var limits = await sender.Send(new GetCustomerCapacity(customerId), cancellationToken);

        // Every VM of the customer, whoever asks: a customer user sees only the VMs granted to them, yet the
        // vDataCenter is the whole account's.
        var held = await db.Set<VirtualMachine>().IgnoreQueryFilters().AsNoTracking()
            .Where(v => v.CustomerId == customerId && v.State != VmStates.Failed && v.State != VmStates.Deleted)
            .Select(v => new { v.VCpus, v.MemoryGiB, v.DiskGiB })
            .ToListAsync(cancellationToken);
        return new VdcCapacityView(
            Item(limits.Cores, held.Sum(v => v.VCpus)),
            Item(limits.MemoryGiB, held.Sum(v => v.MemoryGiB)),
            Item(limits.DiskGiB, held.Sum(v => v.DiskGiB)));
    }

    /// <summary>
    /// Refuses, before anything is created or changed, when the customer's VMs would need more than its vDataCenter
    /// has: <paramref name="extraCores"/>, <paramref name="extraMemoryGiB"/> and <paramref name="extraDiskGiB"/> are
    /// what a new VM or a hardware change adds (zero or less adds nothing).
    /// </summary>
    /// <exception cref="RequestValidationException">On "vcpus", "memoryGiB" and/or "diskGiB", with the limit, the use and what is left.</exception>
    public async Task EnsureRoomAsync(Guid customerId, int extraCores, int extraMemoryGiB, int extraDiskGiB, CancellationToken cancellationToken)
    {
        if (extraCores <= 0 && extraMemoryGiB <= 0 && extraDiskGiB <= 0)
        {
            return;
        }

        var capacity = await ReadAsync(customerId, cancellationToken);
        var errors = new List<FieldError>();
        if (extraCores > 0 && capacity.Cores.Left < extraCores)
        {
            errors.Add(new("vcpus", $"Your vDataCenter has {Count(capacity.Cores.Limit!.Value, "core", "cores")}; {InUse(capacity.Cores.Used, "")}, {Left(capacity.Cores.Left.Value, "")}."));
        }

        if (extraMemoryGiB > 0 && capacity.MemoryGiB.Left < extraMemoryGiB)
        {
            errors.Add(new("memoryGiB", $"Your vDataCenter has {capacity.MemoryGiB.Limit} GiB of RAM; {InUse(capacity.MemoryGiB.Used, " GiB")}, {Left(capacity.MemoryGiB.Left.Value, " GiB")}."));
        }

        if (extraDiskGiB > 0 && capacity.DiskGiB.Left < extraDiskGiB)
        {
            errors.Add(new("diskGiB", $"Your vDataCenter has {capacity.DiskGiB.Limit} GiB of disk storage; {InUse(capacity.DiskGiB.Used, " GiB")}, {Left(capacity.DiskGiB.Left.Value, " GiB")}."));
        }

        if (errors.Count > 0)
        {
            throw new RequestValidationException(errors);
        }
    }

    // A limit set below the use (the reseller shrank it) leaves nothing, never a negative amount.
    private static CapacityItem Item(int? limit, int used) => new(limit, used, limit is { } l ? Math.Max(0, l - used) : null);

    private static string Count(int n, string one, string many) => n.ToString(CultureInfo.InvariantCulture) + " " + (n == 1 ? one : many);

    private static string InUse(int n, string unit) => $"{n.ToString(CultureInfo.InvariantCulture)}{unit} {(n == 1 ? "is" : "are")} in use";

    private static string Left(int n, string unit) => $"{n.ToString(CultureInfo.InvariantCulture)}{unit} {(n == 1 ? "is" : "are")} left";
}
