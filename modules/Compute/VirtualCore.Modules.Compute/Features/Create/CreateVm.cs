using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Domain;
using VirtualCore.Modules.Compute.Features.Actions;
using VirtualCore.Modules.Compute.Features.CloudInit;
using VirtualCore.Modules.Compute.Jobs;
using VirtualCore.Modules.Infrastructure.Contracts;
using VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Modules.Compute.Features.Create;

internal static partial class CreateVmRules
{
    public const int MaxNameLength = 63;
    public const int MinVCpus = 1;
    public const int MaxVCpus = 8;
    public const int MinMemoryGiB = 1;
    public const int MaxMemoryGiB = 16;
    public const int MinDiskGiB = 10;
    public const int MaxDiskGiB = 2048;

    /// <summary>Adds a field error for each size outside the plan's range; a null size is not being set.</summary>
    public static void CheckSizes(List<FieldError> errors, int? vcpus, int? memoryGiB, int? diskGiB)
    {
        if (vcpus is < MinVCpus or > MaxVCpus)
        {
            errors.Add(new("vcpus", $"Choose {MinVCpus} to {MaxVCpus} vCPUs."));
        }

        if (memoryGiB is < MinMemoryGiB or > MaxMemoryGiB)
        {
            errors.Add(new("memoryGiB", $"Choose {MinMemoryGiB} to {MaxMemoryGiB} GiB of RAM."));
        }

        if (diskGiB is < MinDiskGiB or > MaxDiskGiB)
        {
            errors.Add(new("diskGiB", $"Choose a disk of {MinDiskGiB} to {MaxDiskGiB} GiB."));
        }
    }

    /// <summary>A DNS label: lower-case letters, digits and inner hyphens.</summary>
    [GeneratedRegex("^[a-z0-9]([a-z0-9-]*[a-z0-9])?\\z", RegexOptions.CultureInvariant)]
    public static partial Regex DnsLabel();
}

/// <summary>
/// A VM made from a disk image takes what the caller left at 0 from the image: an appliance's vCPUs and memory as its OVF
/// descriptor asked (rounded up to whole GiB), and a disk of the image's virtual size. The plan's limits still apply.
/// </summary>
internal static class CreateVmDefaults
{
    public static async Task<CreateVm> ApplyAsync(CreateVm command, ISender sender, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(command.ImageName) || (command.VCpus != 0 && command.MemoryGiB != 0 && command.DiskGiB != 0)
            || await sender.Send(new GetIsoImageFile(command.ImageName), cancellationToken) is not { } image)
        {
            return command;
        }

        return command with
        {
            VCpus = command.VCpus != 0 ? command.VCpus : image.ApplianceVCpus ?? command.VCpus,
            MemoryGiB = command.MemoryGiB != 0 ? command.MemoryGiB : image.ApplianceMemoryMiB is { } mib ? (int)Math.Max(1, (mib + 1023) / 1024) : command.MemoryGiB,
            DiskGiB = command.DiskGiB != 0 ? command.DiskGiB
                : image.VirtualSizeBytes is { } bytes ? (int)Math.Max(CreateVmRules.MinDiskGiB, (bytes + Placement.Gib - 1) / Placement.Gib) : command.DiskGiB,
        };
    }
}

internal sealed class CreateVmValidator(PortalDbContext db, ISender sender) : IValidator<CreateVm>
{
    public async ValueTask<IReadOnlyList<FieldError>> ValidateAsync(CreateVm request, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        if (request.RequestId is { } requestId && await db.Set<VirtualMachine>().AnyAsync(v => v.RequestId == requestId, cancellationToken))
        {
            // A retry of a request that already succeeded: the handler answers with the first outcome.
            return errors;
        }

        var name = request.Name ?? "";
        if (string.IsNullOrWhiteSpace(name))
        {
            errors.Add(new("name", "Enter a name."));
        }
        else if (name.Length > CreateVmRules.MaxNameLength)
        {
            errors.Add(new("name", $"A name has at most {CreateVmRules.MaxNameLength} characters."));
        }
        else if (!CreateVmRules.DnsLabel().IsMatch(name))
        {
            errors.Add(new("name", "Use lower-case letters, digits and hyphens only, starting and ending with a letter or digit (a DNS name)."));
        }
        else if (await db.Set<VirtualMachine>().AnyAsync(v => v.Name == name && v.State != VmStates.Failed, cancellationToken))
        {
            errors.Add(new("name", $"A VM named '{name}' already exists in this account."));
        }

        CreateVmRules.CheckSizes(errors, request.VCpus, request.MemoryGiB, request.DiskGiB);
        CloudInitRules.Check(errors, request.CloudInit);

        if (!string.IsNullOrEmpty(request.IsoName) || !string.IsNullOrEmpty(request.ImageName))
        {
            var images = await sender.Send(new ListIsoImages(), cancellationToken);
            if (!string.IsNullOrEmpty(request.IsoName) && !images.Any(i => i.Name == request.IsoName && i.Format == IsoImageFormats.Iso))
            {
                errors.Add(new("isoName", "Choose an image from the ISO library."));
            }

            if (!string.IsNullOrEmpty(request.ImageName))
            {
                var image = images.SingleOrDefault(i => i.Name == request.ImageName && IsoImageFormats.IsDisk(i.Format));
                if (image is null)
                {
                    errors.Add(new("imageName", "Choose a disk image (a cloud image: qcow2, vmdk or raw) from the library."));
                }
                else if (image.VirtualSizeBytes is { } needed && (long)request.DiskGiB * Placement.Gib < needed)
                {
                    errors.Add(new("diskGiB", $"The cloud image '{image.Name}' needs a disk of at least {(needed + Placement.Gib - 1) / Placement.Gib} GiB."));
                }
            }
        }

        return errors;
    }
}

/// <summary>Places a new VM on a rack server with enough free dedicated cores and RAM, and queues its definition there.</summary>
internal sealed class CreateVmHandler(
    PortalDbContext db,
    ISender sender,
    ITenantContext tenant,
    JobFactory jobs,
    NodeUsageReader usage,
    VdcCapacity capacity,
    IVmAddresses addresses,
    TimeProvider clock) : ICommandHandler<CreateVm, JobAccepted>
{
    /// <summary>Creation has no VM to check a state of yet; its repeat key lives on the VM.</summary>
    public static readonly VmAction Action = new("create", "Create", [], "", AccessLevel.Manage)
    {
        Summary = "Creates a vServer with dedicated cores; answers with the job that defines it on a rack server.",
    };

    public async ValueTask<JobAccepted> Handle(CreateVm command, CancellationToken cancellationToken)
    {
        if (tenant.ResellerId is not { } resellerId || tenant.CustomerId is not { } customerId)
        {
            throw new ForbiddenException("VMs belong to a customer: sign in as one of the customer's users.");
        }

        if (command.RequestId is { } requestId)
        {
            var earlier = await db.Set<VirtualMachine>().Where(v => v.RequestId == requestId).Select(v => v.Id).SingleOrDefaultAsync(cancellationToken);
            if (earlier != Guid.Empty)
            {
                var firstJob = await db.Set<Job>().Where(j => j.TargetId == earlier && j.Action == Action.Name).SingleAsync(cancellationToken);
                return new JobAccepted(firstJob.Id, earlier, firstJob.Status);
            }
        }

        await Actions.VmGuard.EnsureNotSuspendedAsync(sender, customerId, cancellationToken);

        // The customer's own vDataCenter first: its limits hold whatever room the rack servers have.
        await capacity.EnsureRoomAsync(customerId, command.VCpus, command.MemoryGiB, command.DiskGiB, cancellationToken);

        var memoryBytes = command.MemoryGiB * Placement.Gib;
        var (decision, reason) = Placement.Choose(await usage.ReadAsync(cancellationToken), command.VCpus, memoryBytes);
        if (decision is null)
        {
            throw new RequestValidationException("vcpus", reason!);
        }

        var iso = string.IsNullOrEmpty(command.IsoName)
            ? null
            : await sender.Send(new GetIsoImageFile(command.IsoName), cancellationToken) is { Format: IsoImageFormats.Iso } found
                ? found
                : throw new RequestValidationException("isoName", "Choose an image from the ISO library.");
        var image = string.IsNullOrEmpty(command.ImageName)
            ? null
            : await sender.Send(new GetIsoImageFile(command.ImageName), cancellationToken) is { } cloudImage && IsoImageFormats.IsDisk(cloudImage.Format)
                ? cloudImage
                : throw new RequestValidationException("imageName", "Choose a disk image (a cloud image: qcow2, vmdk or raw) from the library.");
        var vm = new VirtualMachine
        {
            Id = Guid.NewGuid(),
            ResellerId = resellerId,
            CustomerId = customerId,
            Name = command.Name!,
            VCpus = command.VCpus,
            MemoryGiB = command.MemoryGiB,
            DiskGiB = command.DiskGiB,
            IsoName = iso?.Name,
            ImageName = image?.Name,
            NodeName = decision.NodeName,
            MacAddress = NewMacAddress(),
            State = VmStates.Pending,
            CreatedAt = clock.GetUtcNow(),
            StateChangedAt = clock.GetUtcNow(),
            CreatedBy = tenant.UserName,
            RequestId = command.RequestId,
        };
        vm.Cores.AddRange(decision.Cores.Select(core => new CoreAllocation { VmId = vm.Id, NodeName = vm.NodeName, Core = core }));

        // An address from each pool family that serves the customer or the rack server; none free refuses the VM.
        if (await addresses.AssignAsync(vm.Id, resellerId, customerId, vm.NodeName, cancellationToken) is { } noAddress)
        {
            throw new ConflictException(noAddress);
        }

        var spec = new DomainSpecV1(
            vm.Id,
            vm.Name,
            vm.VCpus,
            memoryBytes,
            decision.Cores,
            [new DiskSpecV1(vm.DiskPath, command.DiskGiB * Placement.Gib, "Virtio") { SourcePath = image?.Path }],
            iso?.Path,
            [new NicSpecV1("default", vm.MacAddress, "Virtio")])
        {
            CloudInit = command.CloudInit is { } options
                ? CloudInitSeeds.Compose(vm.Id, vm.Name, vm.MacAddress, options, await addresses.ListAsync(vm.Id, cancellationToken))
                : null,
        };
        var job = jobs.Create(vm, Action.Name, jobId => new DefineDomain(jobId, vm.NodeName, vm.Id, spec));
        db.Add(vm);
        db.Add(job);
        return new JobAccepted(job.Id, vm.Id, job.Status);
    }

    /// <summary>A random locally administered address in QEMU's 52:54:00 range.</summary>
    private static string NewMacAddress()
    {
        Span<byte> tail = stackalloc byte[3];
        RandomNumberGenerator.Fill(tail);
        return $"52:54:00:{tail[0]:x2}:{tail[1]:x2}:{tail[2]:x2}";
    }
}

/// <summary>A VM whose creation failed holds no cores, memory or addresses; it stays listed as failed.</summary>
internal sealed class CreateVmCompletion(IVmAddresses addresses) : IJobCompletion
{
    public IReadOnlyCollection<string> Actions { get; } = [CreateVmHandler.Action.Name];

    public async Task<bool> SettleAsync(JobEnd end, CancellationToken cancellationToken)
    {
        ForgetCloudInit(end.Job);
        if (end.Vm is not { } vm || end.Job.Status != JobStatuses.Failed)
        {
            return false;
        }

        vm.State = VmStates.Failed;
        vm.StateChangedAt = end.At;
        vm.Cores.Clear();
        await addresses.ReleaseAsync(vm.Id, cancellationToken);
        return true;
    }

    /// <summary>
    /// The seed's user data may hold secrets and its password hash can be attacked offline: once the job is over, the
    /// command that carried them is never sent again, so the record keeps the command without them.
    /// </summary>
    internal static void ForgetCloudInit(Job job)
    {
        if (!NodeQueues.CommandTypes.TryGetValue(job.CommandName, out var type) || type != typeof(DefineDomain)
            || System.Text.Json.JsonSerializer.Deserialize<DefineDomain>(job.CommandJson) is not { Spec.CloudInit: not null } command)
        {
            return;
        }

        job.CommandJson = System.Text.Json.JsonSerializer.Serialize(command with { Spec = command.Spec with { CloudInit = null } });
    }
}
