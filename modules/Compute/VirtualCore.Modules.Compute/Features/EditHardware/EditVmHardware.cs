using System.Globalization;
using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Domain;
using VirtualCore.Modules.Compute.Features.Actions;
using VirtualCore.Modules.Compute.Features.Create;
using VirtualCore.Modules.Infrastructure.Contracts;
using VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Modules.Compute.Features.EditHardware;

/// <summary>The values themselves: the same limits as for a new VM, known devices and images from the library.</summary>
internal sealed class EditVmHardwareValidator(ISender sender) : IValidator<EditVmHardware>
{
    public async ValueTask<IReadOnlyList<FieldError>> ValidateAsync(EditVmHardware request, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        CreateVmRules.CheckSizes(errors, request.VCpus, request.MemoryGiB, request.DiskGiB);

        if (request.IsoName is not null)
        {
            if (request.DetachIso)
            {
                errors.Add(new("isoName", "Either put an image in the CD-ROM drive or empty it, not both."));
            }
            else if (!(await sender.Send(new ListIsoImages(), cancellationToken)).Any(i => i.Name == request.IsoName && i.Format == IsoImageFormats.Iso))
            {
                errors.Add(new("isoName", "Choose an image from the ISO library."));
            }
        }

        if (request.BootOrder is { } order
            && (order.Count == 0 || order.Any(d => !HardwareChoices.BootDevices.Contains(d)) || order.Distinct().Count() != order.Count))
        {
            errors.Add(new("bootOrder", $"List the devices to boot from in order, each at most once: {string.Join(", ", HardwareChoices.BootDevices)}."));
        }

        if (request.DiskBus is not null && !HardwareChoices.DiskBuses.Contains(request.DiskBus))
        {
            errors.Add(new("diskBus", $"Use one of: {string.Join(", ", HardwareChoices.DiskBuses)}."));
        }

        if (request.NicModel is not null && !HardwareChoices.NicModels.Contains(request.NicModel))
        {
            errors.Add(new("nicModel", $"Use one of: {string.Join(", ", HardwareChoices.NicModels)}."));
        }

        return errors;
    }
}

/// <summary>
/// Changes a VM's hardware on its own rack server: more vCPUs get free dedicated cores there, more RAM must be
/// free there, a disk only grows and only where the rack server can grow disks. One job carries all of it.
/// </summary>
internal sealed class EditVmHardwareHandler(PortalDbContext db, ISender sender, VmActionQueue queue, NodeUsageReader usage, VdcCapacity capacity)
    : ICommandHandler<EditVmHardware, JobAccepted>
{
    /// <summary>
    /// The states in which the rack server can change the hardware: a parked VM's saved memory belongs to its present
    /// hardware, so it is unparked first.
    /// </summary>
    public static readonly VmAction Action = new(
        "hardware",
        "Change hardware",
        [VmStates.ShutOff, VmStates.Running, VmStates.Paused],
        "Its hardware can be changed when it is running, paused or shut off (if it is parked, unpark it first).",
        AccessLevel.Manage)
    {
        Summary = "Changes a vServer's hardware; only the values given change.",
    };

    public async ValueTask<JobAccepted> Handle(EditVmHardware command, CancellationToken cancellationToken)
    {
        var (prepared, earlier) = await queue.PrepareAsync(Action, command.VmId, command.RequestId, cancellationToken);
        if (earlier is not null)
        {
            return earlier;
        }

        var vm = prepared!;

        // Only what differs from now is a change.
        var vcpus = command.VCpus is { } v && v != vm.VCpus ? v : (int?)null;
        var memory = command.MemoryGiB is { } m && m != vm.MemoryGiB ? m : (int?)null;
        var disk = command.DiskGiB is { } d && d != vm.DiskGiB ? d : (int?)null;
        var changesIso = command.DetachIso ? vm.IsoName is not null : command.IsoName is not null && command.IsoName != vm.IsoName;
        var bootOrder = command.BootOrder is { } b && string.Join(',', b) != vm.BootOrder ? string.Join(',', b) : null;
        var bus = command.DiskBus is { } bs && bs != vm.DiskBus ? bs : null;
        var model = command.NicModel is { } nm && nm != vm.NicModel ? nm : null;
        if (vcpus is null && memory is null && disk is null && !changesIso && bootOrder is null && bus is null && model is null)
        {
            throw new RequestValidationException("hardware", $"Every value is what '{vm.Name}' has already; change at least one.");
        }

        // What it grows by must fit in the customer's vDataCenter first, whatever its rack server has free.
        await capacity.EnsureRoomAsync(
            vm.CustomerId, (vcpus ?? vm.VCpus) - vm.VCpus, (memory ?? vm.MemoryGiB) - vm.MemoryGiB, (disk ?? vm.DiskGiB) - vm.DiskGiB, cancellationToken);

        var node = (await usage.ReadAsync(cancellationToken)).SingleOrDefault(n => n.Server.Name == vm.NodeName)
            ?? throw new ConflictException($"'{vm.Name}' is on {vm.NodeName}, which the portal no longer knows.");
        var errors = new List<FieldError>();
        var held = vm.Cores.Select(c => c.Core).Order().ToList();
        List<int>? coresAfter = null;
        List<int> coresAdded = [];
        if (vcpus is { } wanted)
        {
            var free = node.FreeCores.ToList();
            if (wanted > held.Count && wanted - held.Count > free.Count)
            {
                errors.Add(new("vcpus", $"{vm.NodeName} has {Cores(free.Count)} free; '{vm.Name}' can have at most {held.Count + free.Count} vCPUs there."));
            }
            else
            {
                coresAdded = free.Take(Math.Max(0, wanted - held.Count)).ToList();
                coresAfter = held.Take(wanted).Concat(coresAdded).Order().ToList();
            }
        }

        if (memory is { } gib && gib > vm.MemoryGiB && (gib - vm.MemoryGiB) * Placement.Gib > node.FreeMemoryBytes)
        {
            var freeGib = Math.Max(0, node.FreeMemoryBytes / Placement.Gib);
            errors.Add(new("memoryGiB", $"{vm.NodeName} has {freeGib} GiB of RAM free; '{vm.Name}' can have at most {vm.MemoryGiB + freeGib} GiB there."));
        }

        if (disk is { } size)
        {
            if (size < vm.DiskGiB)
            {
                errors.Add(new("diskGiB", $"A disk only grows: '{vm.Name}' has {vm.DiskGiB} GiB, so choose {vm.DiskGiB} GiB or more."));
            }
            else if (!node.Server.Can("DiskGrow"))
            {
                errors.Add(new("diskGiB", $"{vm.NodeName} cannot grow disks: its hypervisor adapter does not offer it. The disk stays at {vm.DiskGiB} GiB."));
            }
        }

        if (changesIso && !node.Server.Can("CdromChange"))
        {
            errors.Add(new("isoName", $"{vm.NodeName} cannot change the CD-ROM: its hypervisor adapter does not offer it."));
        }

        if (errors.Count > 0)
        {
            throw new RequestValidationException(errors);
        }

        var iso = command.IsoName is null || !changesIso
            ? null
            : await sender.Send(new GetIsoImageFile(command.IsoName), cancellationToken) is { Format: IsoImageFormats.Iso } found
                ? found
                : throw new RequestValidationException("isoName", "Choose an image from the ISO library.");
        var edit = new HardwareEdit
        {
            Id = Guid.NewGuid(),
            ResellerId = vm.ResellerId,
            CustomerId = vm.CustomerId,
            VmId = vm.Id,
            VCpus = vcpus,
            CoresAfter = coresAfter is null ? null : string.Join(',', coresAfter),
            CoresAdded = string.Join(',', coresAdded),
            MemoryGiB = memory,
            DiskGiB = disk,
            ChangesIso = changesIso,
            IsoName = iso?.Name,
            BootOrder = bootOrder,
            DiskBus = bus,
            NicModel = model,
        };

        // The extra cores are the VM's from now on, so no other VM can take them while the job waits.
        vm.Cores.AddRange(coresAdded.Select(core => new CoreAllocation { VmId = vm.Id, NodeName = vm.NodeName, Core = core }));
        var job = queue.Queue(vm, Action, command.RequestId, jobId => new UpdateDomainHardware(
            jobId,
            vm.NodeName,
            vm.Id,
            vcpus,
            coresAfter,
            memory * Placement.Gib,
            disk is { } grown ? [new DiskGrowthV1(vm.DiskPath, grown * Placement.Gib)] : [],
            changesIso ? new CdromChangeV1(iso?.Path) : null,
            bootOrder?.Split(','),
            bus,
            model), JobSubjects.HardwareEdit, edit.Id);
        db.Add(edit);
        return new JobAccepted(job.Id, vm.Id, job.Status);
    }

    private static string Cores(int count) => count == 1 ? "1 dedicated core" : $"{count} dedicated cores";
}

/// <summary>
/// The VM takes the new values once its rack server has them, and keeps a note of what its guest gets only at the
/// next boot; a failed change gives back the cores held for it and leaves the VM as it was.
/// </summary>
internal sealed class EditVmHardwareCompletion(PortalDbContext db) : IJobCompletion
{
    public IReadOnlyCollection<string> Actions { get; } = [EditVmHardwareHandler.Action.Name];

    public async Task<bool> SettleAsync(JobEnd end, CancellationToken cancellationToken)
    {
        var (job, vm) = (end.Job, end.Vm);
        if (job.SubjectKind != JobSubjects.HardwareEdit || job.SubjectId is not { } editId
            || await db.Set<HardwareEdit>().SingleOrDefaultAsync(e => e.Id == editId, cancellationToken) is not { } edit)
        {
            return false;
        }

        db.Remove(edit);
        if (vm is null)
        {
            return false;
        }

        if (job.Status != JobStatuses.Completed)
        {
            var added = CoreList(edit.CoresAdded);
            vm.Cores.RemoveAll(c => added.Contains(c.Core));
            return false;
        }

        if (edit.VCpus is { } vcpus && edit.CoresAfter is { } after)
        {
            var kept = CoreList(after);
            vm.VCpus = vcpus;
            vm.Cores.RemoveAll(c => !kept.Contains(c.Core));
        }

        vm.MemoryGiB = edit.MemoryGiB ?? vm.MemoryGiB;
        vm.DiskGiB = edit.DiskGiB ?? vm.DiskGiB;
        vm.IsoName = edit.ChangesIso ? edit.IsoName : vm.IsoName;
        vm.BootOrder = edit.BootOrder ?? vm.BootOrder;
        vm.DiskBus = edit.DiskBus ?? vm.DiskBus;
        vm.NicModel = edit.NicModel ?? vm.NicModel;

        // A VM that is off boots with all of it; a running one only after it was off once.
        if (end.NextBoot is { Count: > 0 } && end.DomainState is not null && end.DomainState != VmStates.ShutOff)
        {
            vm.NextBootChanges = string.Join(',', vm.NextBootChanges.Split(',', StringSplitOptions.RemoveEmptyEntries).Union(end.NextBoot, StringComparer.Ordinal));
        }

        return false;
    }

    private static HashSet<int> CoreList(string cores) =>
        cores.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToHashSet();
}
