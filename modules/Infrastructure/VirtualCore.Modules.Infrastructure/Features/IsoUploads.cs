using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Framework.Web.Pages;
using VirtualCore.Modules.Infrastructure.Contracts;
using VirtualCore.Modules.Infrastructure.Domain;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Modules.Infrastructure.Features;

/// <summary>Begins an upload of an ISO image (tus "creation"): into the caller's customer, or the operator's library.</summary>
/// <param name="Length">The file's size in bytes (tus Upload-Length).</param>
/// <param name="FileName">The file's name on the uploader's computer.</param>
/// <param name="Title">What users see; the file name without ".iso" when not given.</param>
/// <param name="Sha256">The SHA-256 the uploader expects (hex); the finished file must have it.</param>
public sealed record StartIsoUpload(long? Length, string? FileName, string? Title, string? Sha256) : ICommand<IsoUploadView>;

/// <summary>One of the caller's own uploads (tus HEAD): another user's is not found.</summary>
public sealed record GetIsoUpload(Guid Id) : IQuery<IsoUploadView>;

/// <summary>
/// Takes note that bytes <paramref name="From"/> to <paramref name="To"/> of an upload lie in its file. With the last
/// byte the image is checked (ISO 9660 or UDF, the SHA-256 the uploader gave) and becomes ready — or is refused and
/// removed, and the answer's <see cref="IsoUploadView.Refusal"/> says why.
/// </summary>
public sealed record RecordIsoUpload(Guid Id, long From, long To, string? Sha256, string? FormatProblem) : ICommand<IsoUploadView>;

/// <summary>Ends an upload and removes what arrived of it (tus "termination").</summary>
public sealed record CancelIsoUpload(Guid Id) : ICommand;

/// <summary>
/// Removes an uploaded or fetched image from the library (a fetch in progress or failed, too); refused while a VM has it
/// in its drive.
/// </summary>
public sealed record DeleteIsoImage(string Name) : ICommand;

/// <summary>An upload as its uploader sees it.</summary>
/// <param name="Id">The upload; also its tus URL's last part.</param>
/// <param name="Length">The file's size in bytes.</param>
/// <param name="Offset">How many bytes arrived.</param>
/// <param name="State">"uploading", "ready", or "refused".</param>
/// <param name="Name">The image's short name, for <c>isoName</c> when it is ready.</param>
/// <param name="Title">What users see.</param>
/// <param name="Sha256">The file's SHA-256 (hex) once it is ready.</param>
/// <param name="Refusal">Why the finished file was refused; null otherwise.</param>
public sealed record IsoUploadView(Guid Id, long Length, long Offset, string State, string Name, string Title, string? Sha256, string? Refusal = null, string? RefusalField = null)
{
    internal const string Refused = "refused";
}

/// <summary>The field an invalid upload request is reported under, as tus names the headers.</summary>
internal static class IsoUploadFields
{
    public const string Length = "uploadLength";
    public const string FileName = "filename";
    public const string Title = "title";
    public const string Sha256 = "sha256";
    public const string File = "file";
}

/// <summary>Who sees which images: everyone the library's, a customer its own, the operator all.</summary>
internal static partial class IsoVisibility
{
    public static IQueryable<IsoImage> VisibleTo(this IQueryable<IsoImage> images, ITenantContext tenant) =>
        tenant.IsOperator || tenant.IsSystem
            ? images
            : tenant.CustomerId is { } customerId
                ? images.Where(i => i.CustomerId == null || i.CustomerId == customerId)
                : images.Where(i => i.CustomerId == null);

    /// <summary>An upload is its uploader's alone until it is ready.</summary>
    public static IQueryable<IsoImage> UploadsOf(this IQueryable<IsoImage> images, ITenantContext tenant) =>
        images.Where(i => i.State == IsoStates.Uploading && i.CreatedByUserId == tenant.UserId && tenant.UserId != null);

    [GeneratedRegex("^[0-9a-fA-F]{64}\\z", RegexOptions.CultureInvariant)]
    public static partial Regex Sha256Hex();

    [GeneratedRegex("[^a-z0-9.]+")]
    public static partial Regex NotInName();
}

internal sealed class StartIsoUploadHandler(PortalDbContext db, ITenantContext tenant, IOptions<InfrastructureOptions> options, TimeProvider clock, ISender sender)
    : ICommandHandler<StartIsoUpload, IsoUploadView>
{
    /// <summary>System area (16 sectors), a primary volume descriptor and a terminator, 2,048 bytes each.</summary>
    public const long MinimumLength = 18 * IsoFormat.SectorSize;

    public const int MaxFileNameLength = 255;

    public const int MaxTitleLength = 200;

    public async ValueTask<IsoUploadView> Handle(StartIsoUpload command, CancellationToken cancellationToken)
    {
        var library = options.Value.IsoLibrary;
        if (!tenant.IsOperator && tenant.CustomerId is null)
        {
            throw new ForbiddenException("Images are uploaded by a customer's administrators for their VMs, or by the provider into the library.");
        }

        // A suspended customer keeps its images but adds none.
        if (tenant.CustomerId is { } uploader && await sender.Send(new GetCustomerSuspension(uploader), cancellationToken) is { } suspension)
        {
            throw new ForbiddenException($"This account is suspended: {suspension.Reason} Its images are kept; none can be uploaded until the suspension is lifted.");
        }

        var errors = new List<FieldError>();
        if (command.Length is not { } length)
        {
            errors.Add(new(IsoUploadFields.Length, "Give the file's size in bytes (Upload-Length); a deferred length is not supported."));
        }
        else if (length < MinimumLength)
        {
            errors.Add(new(IsoUploadFields.Length, $"An image has at least {MinimumLength:N0} bytes; this file has {length:N0}."));
        }
        else if (length > library.MaxImageBytes)
        {
            throw new PayloadTooLargeException(
                IsoUploadFields.Length, $"An image may have at most {Size(library.MaxImageBytes)} ({library.MaxImageBytes:N0} bytes); this file has {length:N0} bytes.");
        }

        var fileName = command.FileName?.Trim() ?? "";
        if (fileName.Length == 0)
        {
            errors.Add(new(IsoUploadFields.FileName, "Give the file's name (Upload-Metadata filename)."));
        }
        else if (fileName.Length > MaxFileNameLength || fileName.Any(char.IsControl))
        {
            errors.Add(new(IsoUploadFields.FileName, $"A file name has at most {MaxFileNameLength} characters and no control characters."));
        }

        var title = string.IsNullOrWhiteSpace(command.Title) ? TitleOf(fileName) : command.Title.Trim();
        if (title.Length > MaxTitleLength || title.Any(char.IsControl))
        {
            errors.Add(new(IsoUploadFields.Title, $"A title has at most {MaxTitleLength} characters and no control characters."));
        }

        if (command.Sha256 is { Length: > 0 } sha && !IsoVisibility.Sha256Hex().IsMatch(sha))
        {
            errors.Add(new(IsoUploadFields.Sha256, "A SHA-256 is 64 hexadecimal digits, as sha256sum prints it."));
        }

        if (errors.Count > 0)
        {
            throw new RequestValidationException(errors);
        }

        var now = clock.GetUtcNow();
        await RemoveAbandonedAsync(now - library.AbandonedAfter, cancellationToken);

        if (tenant.CustomerId is { } customerId)
        {
            var used = await db.Set<IsoImage>().Where(i => i.CustomerId == customerId).SumAsync(i => i.SizeBytes, cancellationToken);
            if (used + command.Length!.Value > library.CustomerQuotaBytes)
            {
                throw new PayloadTooLargeException(
                    IsoUploadFields.Length,
                    $"Your images may take {Size(library.CustomerQuotaBytes)} together; {Size(used)} are taken and this file has {Size(command.Length.Value)}. Delete images you no longer need.");
            }
        }

        var id = Guid.NewGuid();
        var image = new IsoImage
        {
            Id = id,
            Name = NameOf(fileName, id),
            Title = title,
            Path = System.IO.Path.Combine(library.Path!, $"{id:N}.iso.part"),
            SizeBytes = command.Length!.Value,
            ResellerId = tenant.CustomerId is null ? null : tenant.ResellerId,
            CustomerId = tenant.CustomerId,
            State = IsoStates.Uploading,
            ExpectedSha256 = string.IsNullOrEmpty(command.Sha256) ? null : command.Sha256.ToLowerInvariant(),
            CreatedBy = tenant.UserName,
            CreatedByUserId = tenant.UserId,
            CreatedAt = now,
        };
        Directory.CreateDirectory(library.Path!);
        await using (File.Create(image.Path))
        {
        }

        db.Add(image);
        return IsoUploadMapping.View(image);
    }

    /// <summary>Uploads that nobody continued for a day leave with what arrived of them.</summary>
    private async Task RemoveAbandonedAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        var abandoned = await db.Set<IsoImage>().Where(i => i.State == IsoStates.Uploading && i.CreatedAt < before).Take(20).ToListAsync(cancellationToken);
        foreach (var upload in abandoned)
        {
            IsoFiles.Delete(upload.Path);
            db.Remove(upload);
        }
    }

    private static string TitleOf(string fileName)
    {
        var title = System.IO.Path.GetFileName(fileName.Replace('\\', '/'));
        return title.EndsWith(".iso", StringComparison.OrdinalIgnoreCase) ? title[..^4] : title;
    }

    /// <summary>A short name from the file's, made unique with the upload's first hex digits: "debian-12.8-netinst-3f2a1c".</summary>
    internal static string NameOf(string fileName, Guid id)
    {
        var stem = IsoVisibility.NotInName().Replace(TitleOf(fileName).ToLowerInvariant(), "-").Trim('-', '.');
        if (stem.Length > 80)
        {
            stem = stem[..80].Trim('-', '.');
        }

        return (stem.Length == 0 ? "image" : stem) + "-" + id.ToString("N")[..6];
    }

    internal static string Size(long bytes) => PageFormat.Bytes(bytes);
}

internal sealed class GetIsoUploadHandler(PortalDbContext db, ITenantContext tenant) : IQueryHandler<GetIsoUpload, IsoUploadView>
{
    public async ValueTask<IsoUploadView> Handle(GetIsoUpload query, CancellationToken cancellationToken)
    {
        var upload = await db.Set<IsoImage>().AsNoTracking().UploadsOf(tenant).SingleOrDefaultAsync(i => i.Id == query.Id, cancellationToken)
            ?? throw new NotFoundException("The upload");
        return IsoUploadMapping.View(upload);
    }
}

internal sealed class RecordIsoUploadHandler(PortalDbContext db, ITenantContext tenant, ISecurityAudit audit)
    : ICommandHandler<RecordIsoUpload, IsoUploadView>
{
    public async ValueTask<IsoUploadView> Handle(RecordIsoUpload command, CancellationToken cancellationToken)
    {
        var upload = await db.Set<IsoImage>().UploadsOf(tenant).SingleOrDefaultAsync(i => i.Id == command.Id, cancellationToken)
            ?? throw new NotFoundException("The upload");
        if (upload.UploadOffset != command.From)
        {
            throw new ConflictException($"The upload is at byte {upload.UploadOffset:N0}, not {command.From:N0}: another request wrote to it. Ask where it is (HEAD) and go on from there.");
        }

        upload.UploadOffset = command.To;
        var refusal = command.FormatProblem;
        var refusalField = IsoUploadFields.File;
        if (refusal is null && command.To == upload.SizeBytes)
        {
            if (command.Sha256 is null)
            {
                throw new InvalidOperationException("A finished upload needs its SHA-256.");
            }

            if (upload.ExpectedSha256 is { } expected && expected != command.Sha256)
            {
                refusal = $"The file's SHA-256 is {command.Sha256}, not the {expected} given: it was damaged on the way or is another file. Upload it again.";
                refusalField = IsoUploadFields.Sha256;
            }
            else
            {
                var finished = LibraryFiles.Finish(upload.Path);
                upload.Path = finished.Path;
                if (finished.Problem is not null)
                {
                    refusal = finished.Problem;
                }
                else
                {
                    upload.State = IsoStates.Ready;
                    upload.Sha256 = command.Sha256;
                    upload.Format = finished.Format;
                    upload.VirtualSizeBytes = finished.VirtualSizeBytes;
                    upload.ApplianceVCpus = finished.Hardware?.VCpus;
                    upload.ApplianceMemoryMiB = finished.Hardware?.MemoryMiB;
                }
                if (refusal is null)
                {
                    audit.Record("iso.uploaded", upload.Name, $"{upload.Title}, {upload.SizeBytes:N0} bytes, SHA-256 {upload.Sha256}");
                }
            }
        }

        if (refusal is not null)
        {
            IsoFiles.Delete(upload.Path);
            db.Remove(upload);
            return IsoUploadMapping.View(upload) with { State = IsoUploadView.Refused, Refusal = refusal, RefusalField = refusalField };
        }

        return IsoUploadMapping.View(upload);
    }
}

internal sealed class CancelIsoUploadHandler(PortalDbContext db, ITenantContext tenant) : ICommandHandler<CancelIsoUpload>
{
    public async ValueTask<Unit> Handle(CancelIsoUpload command, CancellationToken cancellationToken)
    {
        var upload = await db.Set<IsoImage>().UploadsOf(tenant).SingleOrDefaultAsync(i => i.Id == command.Id, cancellationToken)
            ?? throw new NotFoundException("The upload");
        IsoFiles.Delete(upload.Path);
        db.Remove(upload);
        return Unit.Value;
    }
}

internal sealed class DeleteIsoImageHandler(PortalDbContext db, ITenantContext tenant, IEnumerable<IIsoImageUsage> usages, ISecurityAudit audit)
    : ICommandHandler<DeleteIsoImage>
{
    public async ValueTask<Unit> Handle(DeleteIsoImage command, CancellationToken cancellationToken)
    {
        var image = await db.Set<IsoImage>().VisibleTo(tenant).SingleOrDefaultAsync(i => i.Name == command.Name && i.State != IsoStates.Uploading, cancellationToken)
            ?? throw new NotFoundException($"The image '{command.Name}'");
        if (image.CustomerId != tenant.CustomerId && !tenant.IsOperator)
        {
            throw new ForbiddenException("The images of the provider's library are removed by the provider.");
        }

        if (image.CreatedByUserId is null)
        {
            throw new ConflictException($"'{image.Name}' is registered in the portal's configuration (Infrastructure:IsoImages); remove it there.");
        }

        foreach (var usage in usages)
        {
            var vms = await usage.VmsUsingAsync(image.Name, cancellationToken);
            if (vms.Count > 0)
            {
                var names = $"{string.Join(", ", vms.Take(5))}{(vms.Count > 5 ? $" and {vms.Count - 5} more" : "")}";
                throw new ConflictException(IsoImageFormats.IsDisk(image.Format)
                    ? $"The disks of {names} are still being made from '{image.Title}'; delete it once they are created."
                    : $"'{image.Title}' is in the drive of {names}; take it out of their drives first.");
            }
        }

        IsoFiles.Delete(image.Path);
        db.Remove(image);
        audit.Record("iso.deleted", image.Name, image.Title);
        return Unit.Value;
    }
}

internal static class IsoUploadMapping
{
    public static IsoUploadView View(IsoImage image) =>
        new(image.Id, image.SizeBytes, image.State == IsoStates.Ready ? image.SizeBytes : image.UploadOffset, image.State, image.Name, image.Title, image.Sha256);
}

internal static class IsoFiles
{
    public static void Delete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left behind: the file is named by its upload's id and nothing refers to it any more.
        }
    }
}

/// <summary>
/// Recognises what the library takes: ISO 9660 and UDF images by their volume recognition sequence, which starts at
/// sector 16, and qcow2 disk images (cloud images) by their header, which must describe a self-contained image.
/// </summary>
internal static class IsoFormat
{
    public const int SectorSize = 2048;

    public const long FirstDescriptor = 16 * SectorSize;

    /// <summary>How far into the file the descriptors are looked for.</summary>
    public const int DescriptorsRead = 8;

    /// <summary>How many bytes must have arrived before the format can be judged.</summary>
    public static long BytesNeeded(long length) => Math.Min(length, FirstDescriptor + (DescriptorsRead * SectorSize));

    /// <summary>Null when the file is an ISO 9660 or UDF image, or a self-contained qcow2 image, else why not.</summary>
    public static string? Check(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        if (Qcow2Format.Has(file))
        {
            return Qcow2Format.Check(file).Problem;
        }

        if (VmdkFormat.Has(file))
        {
            return VmdkFormat.Check(file).Problem;
        }

        if (OvaImport.Has(file))
        {
            return OvaImport.CheckStart(file);
        }

        if (!IsIso(file))
        {
            return RawDiskFormat.Check(file).Problem is { } rawProblem
                ? "The file is not an ISO 9660 or UDF image (no volume descriptor at sector 16), nor a disk image (qcow2, vmdk, or raw with a partition table): " + rawProblem
                : null;
        }

        return null;
    }

    private static bool IsIso(FileStream file)
    {
        if (file.Length < FirstDescriptor + SectorSize)
        {
            return false;
        }

        file.Position = FirstDescriptor;
        var sector = new byte[SectorSize];
        for (var i = 0; i < DescriptorsRead && file.Position + SectorSize <= file.Length; i++)
        {
            file.ReadExactly(sector);
            var id = Encoding.ASCII.GetString(sector, 1, 5);
            if ((id == "CD001" && sector[0] == 1 && sector[6] == 1) || id is "NSR02" or "NSR03")
            {
                return true;
            }

            if (id == "CD001" && sector[0] == 255)
            {
                break;
            }

            if (id is not ("CD001" or "BEA01" or "TEA01" or "BOOT2" or "CDW02"))
            {
                break;
            }
        }

        return false;
    }

    /// <summary>True when the file begins with <paramref name="magic"/>.</summary>
    public static bool StartsWith(FileStream file, byte[] magic)
    {
        Span<byte> head = stackalloc byte[magic.Length];
        file.Position = 0;
        return file.Length >= magic.Length && file.Read(head) == magic.Length && head.SequenceEqual(magic);
    }

    /// <summary>What a checked, complete file is: <see cref="IsoImageFormats.Qcow2"/> with its virtual size, or <see cref="IsoImageFormats.Iso"/>.</summary>
    public static (string Format, long? VirtualSizeBytes) Describe(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return Qcow2Format.Has(file) ? (IsoImageFormats.Qcow2, Qcow2Format.Check(file).VirtualSizeBytes)
            : VmdkFormat.Has(file) ? (IsoImageFormats.Vmdk, VmdkFormat.Check(file).VirtualSizeBytes)
            : OvaImport.Has(file) ? (IsoFormatNames.Ova, null)
            : IsIso(file) ? (IsoImageFormats.Iso, null)
            : (IsoImageFormats.Raw, file.Length);
    }
}

/// <summary>Formats a file arrives in that the library keeps as another: an OVA becomes its disk.</summary>
internal static class IsoFormatNames
{
    public const string Ova = "ova";
}

/// <summary>
/// A VMware sparse disk (VMware's Virtual Disk Format 5.0: the "KDMV" header and its embedded descriptor), as OVAs carry
/// it. Only a disk that is its own single extent is taken: a descriptor that names other extent files or a parent disk
/// would make the rack server read those files, whatever they are, into the VM's disk.
/// </summary>
internal static class VmdkFormat
{
    /// <summary>How far into the file the embedded descriptor must end: it is read from the bytes the format check has.</summary>
    public const int DescriptorLimit = 48 * 1024;

    private static readonly byte[] Magic = "KDMV"u8.ToArray();

    public static bool Has(FileStream file) => IsoFormat.StartsWith(file, Magic);

    public static (string? Problem, long VirtualSizeBytes) Check(FileStream file)
    {
        var header = new byte[512];
        file.Position = 0;
        if (file.Length < 512)
        {
            return ("The VMDK header is cut short.", 0);
        }

        file.ReadExactly(header);
        var version = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4));
        var capacitySectors = BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(12));
        var descriptorOffset = BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(28));
        var descriptorSectors = BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(36));
        if (version is < 1 or > 3)
        {
            return ($"VMDK version {version} is not one QEMU reads (1 to 3).", 0);
        }

        if (capacitySectors == 0 || capacitySectors > (ulong)(Qcow2Format.MaxVirtualBytes / 512))
        {
            return ($"A disk image may have a virtual size of at most {Qcow2Format.MaxVirtualBytes >> 30} GiB; this one has {capacitySectors:N0} sectors.", 0);
        }

        if (descriptorOffset == 0 || descriptorSectors == 0 || (descriptorOffset + descriptorSectors) * 512 > DescriptorLimit
            || (long)((descriptorOffset + descriptorSectors) * 512) > file.Length)
        {
            return ("The VMDK has no embedded descriptor in its first 48 KiB: upload a monolithic sparse or stream-optimised disk (as in an OVA), not a descriptor file with separate extents.", 0);
        }

        var descriptor = new byte[(int)(descriptorSectors * 512)];
        file.Position = (long)descriptorOffset * 512;
        file.ReadExactly(descriptor);
        var text = Encoding.ASCII.GetString(descriptor).TrimEnd('\0');
        string? createType = null;
        var extents = 0;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (line.StartsWith("RW ", StringComparison.Ordinal) || line.StartsWith("RDONLY ", StringComparison.Ordinal) || line.StartsWith("NOACCESS ", StringComparison.Ordinal))
            {
                extents++;
                if (!line.Contains(" SPARSE ", StringComparison.Ordinal))
                {
                    return ("The VMDK's extent is not the sparse file itself: only self-contained disks are taken.", 0);
                }

                continue;
            }

            var pair = line.Split('=', 2);
            var key = pair[0].Trim();
            var value = pair.Length == 2 ? pair[1].Trim().Trim('"') : "";
            if (key.Equals("createType", StringComparison.OrdinalIgnoreCase))
            {
                createType = value;
            }
            else if (key.Equals("parentFileNameHint", StringComparison.OrdinalIgnoreCase)
                || (key.Equals("parentCID", StringComparison.OrdinalIgnoreCase) && !value.Equals("ffffffff", StringComparison.OrdinalIgnoreCase)))
            {
                return ("The VMDK names a parent disk: convert it to a self-contained disk first.", 0);
            }
        }

        if (createType is not ("monolithicSparse" or "streamOptimized"))
        {
            return ($"The VMDK is of type '{createType}': only monolithicSparse and streamOptimized disks (one file, as in an OVA) are taken.", 0);
        }

        if (extents != 1)
        {
            return ($"The VMDK names {extents} extents: only a disk that is its own single extent is taken.", 0);
        }

        return (null, (long)capacitySectors * 512);
    }
}

/// <summary>
/// A raw disk: taken when it carries a partition table (MBR or GPT signature) and none of the headers of the formats the
/// rack server would recognise first — a file that looks raw here but is read as qcow2, QED, VMDK, VHD, VDI or a
/// LUKS volume there could name other files. Its virtual size is its length.
/// </summary>
internal static class RawDiskFormat
{
    private static readonly byte[][] HeadMagics =
    [
        [(byte)'Q', (byte)'F', (byte)'I', 0xFB], "QED\0"u8.ToArray(), "KDMV"u8.ToArray(), "COWD"u8.ToArray(), "OOOM"u8.ToArray(),
        "conectix"u8.ToArray(), "vhdxfile"u8.ToArray(), "# Disk DescriptorFile"u8.ToArray(), "<<< "u8.ToArray(),
        [(byte)'L', (byte)'U', (byte)'K', (byte)'S', 0xBA, 0xBE], "Bochs Virtual HD Image"u8.ToArray(), "cxsparse"u8.ToArray(),
    ];

    public static (string? Problem, long VirtualSizeBytes) Check(FileStream file)
    {
        var head = new byte[512];
        file.Position = 0;
        if (file.Length < 512)
        {
            return ("a raw disk has at least one 512-byte sector.", 0);
        }

        file.ReadExactly(head);
        if (HeadMagics.Any(m => head.AsSpan().StartsWith(m)) || BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(64)) == 0xBEDA107F)
        {
            return ("it starts with the header of another disk format that the rack server would read instead.", 0);
        }

        if (head[510] != 0x55 || head[511] != 0xAA)
        {
            return ("it has no partition table (MBR or GPT signature in its first sector).", 0);
        }

        // Judged from its first sector, as the rest may still be on its way; the library's size limit bounds the file.
        return (null, file.Length);
    }
}

/// <summary>
/// The qcow2 header (QEMU's docs/interop/qcow2.txt), read before an image goes into the library. An image must stand
/// alone: one that names a backing file or an external data file would make the rack server open another file — any
/// file, /etc/shadow too — when a VM's disk is made from it; an encrypted one cannot be read without its key.
/// </summary>
internal static class Qcow2Format
{
    /// <summary>The largest virtual size: the largest disk a VM may have (2 TiB).</summary>
    public const long MaxVirtualBytes = 2048L << 30;

    private const int HeaderBytes = 104;

    private static readonly byte[] Magic = [(byte)'Q', (byte)'F', (byte)'I', 0xFB];

    // Incompatible features: 0 dirty, 1 corrupt, 2 external data file, 3 compression type, 4 extended L2 entries.
    private const ulong AllowedIncompatible = (1UL << 3) | (1UL << 4);

    public static bool Has(FileStream file) => IsoFormat.StartsWith(file, Magic);

    public static (string? Problem, long VirtualSizeBytes) Check(FileStream file)
    {
        var header = new byte[HeaderBytes];
        file.Position = 0;
        if (file.Length < 72)
        {
            return ("The qcow2 header is cut short.", 0);
        }

        file.ReadAtLeast(header, 72, throwOnEndOfStream: false);
        var version = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4));
        var backingFileOffset = BinaryPrimitives.ReadUInt64BigEndian(header.AsSpan(8));
        var clusterBits = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(20));
        var size = BinaryPrimitives.ReadUInt64BigEndian(header.AsSpan(24));
        var cryptMethod = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(32));
        if (version is not (2 or 3))
        {
            return ($"qcow2 version {version} is not one QEMU writes (2 or 3).", 0);
        }

        if (clusterBits is < 9 or > 21)
        {
            return ("The qcow2 header's cluster size is out of range: the file is damaged.", 0);
        }

        if (backingFileOffset != 0)
        {
            return ("The qcow2 image names a backing file: convert it to a self-contained image first (qemu-img convert -O qcow2).", 0);
        }

        if (cryptMethod != 0)
        {
            return ("The qcow2 image is encrypted: convert it to an unencrypted image first.", 0);
        }

        if (size == 0 || size > MaxVirtualBytes)
        {
            return ($"A disk image may have a virtual size of at most {MaxVirtualBytes >> 30} GiB; this one has {size:N0} bytes.", 0);
        }

        if (version == 3)
        {
            if (file.Length < HeaderBytes)
            {
                return ("The qcow2 header is cut short.", 0);
            }

            file.Position = 72;
            file.ReadExactly(header.AsSpan(72, 8));
            var incompatible = BinaryPrimitives.ReadUInt64BigEndian(header.AsSpan(72));
            if ((incompatible & (1UL << 2)) != 0)
            {
                return ("The qcow2 image keeps its data in an external file: convert it to a self-contained image first.", 0);
            }

            if ((incompatible & ~AllowedIncompatible) != 0)
            {
                return ("The qcow2 image is marked dirty, corrupt or with features QEMU 7.2 cannot read: check it with qemu-img check, or convert it.", 0);
            }
        }

        return (null, (long)size);
    }
}

/// <summary>The request is larger than allowed (a quota, a size limit). Maps to 413 with the field.</summary>
internal sealed class PayloadTooLargeException(string field, string reason) : Exception(reason)
{
    public string Field { get; } = field;
}
