using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using VirtualCore.Modules.Infrastructure.Contracts;

namespace VirtualCore.Modules.Infrastructure.Features;

/// <summary>What an appliance's OVF descriptor asks for: the hardware a VM made from its disk gets.</summary>
/// <param name="VCpus">Virtual CPUs (OVF resource type 3).</param>
/// <param name="MemoryMiB">Memory in MiB (resource type 4).</param>
/// <param name="Nics">Network adapters (resource type 10); the VM gets one.</param>
internal sealed record ApplianceHardware(int VCpus, long MemoryMiB, int Nics);

/// <summary>
/// An appliance archive taken apart: an OVA (a tar archive whose first member is an OVF descriptor, DMTF DSP0243) or a
/// VMware virtual machine packed as a tar archive (its .vmx beside its disk, e.g. <c>tar cf vm.tar -C myvm .</c>). Its one
/// disk becomes a library disk image; the CPUs and memory its descriptor (or .vmx) asks for, the hardware VMs made from
/// it get. The archive is read as untrusted input: only plain files with plain names (no paths, no "..", no links, no
/// devices), a descriptor without DTDs or entities, of bounded size, and one disk — a VMDK checked like any uploaded one
/// (so a disk split into extents, or one that names a parent, is refused).
/// </summary>
internal static class OvaImport
{
    public const int MaxDescriptorBytes = 1024 * 1024;

    private const int Block = 512;

    private static readonly XNamespace Ovf = "http://schemas.dmtf.org/ovf/envelope/1";
    private static readonly XNamespace Rasd = "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData";

    /// <summary>True when the file is a tar archive (ustar magic at byte 257).</summary>
    public static bool Has(FileStream file)
    {
        if (file.Length < Block)
        {
            return false;
        }

        var header = new byte[Block];
        file.Position = 0;
        file.ReadExactly(header);
        return Encoding.ASCII.GetString(header, 257, 5) == "ustar";
    }

    /// <summary>The early check, on the bytes there are: the first member must be a plain file with a plain name (an OVA's an .ovf descriptor of bounded size).</summary>
    public static string? CheckStart(FileStream file)
    {
        var header = new byte[Block];
        file.Position = 0;
        file.ReadExactly(header);
        var (name, size, type, problem) = Member(header);
        if (problem is not null)
        {
            return problem;
        }

        if (type is not ('0' or '\0' or '5'))
        {
            return $"The archive's member '{name}' is not a plain file (a link or a device): an appliance archive holds files only.";
        }

        return name.EndsWith(".ovf", StringComparison.OrdinalIgnoreCase) && size > MaxDescriptorBytes
            ? $"The OVF descriptor has more than {MaxDescriptorBytes / 1024} KiB."
            : null;
    }

    /// <summary>
    /// Takes the complete archive apart: writes its disk to <paramref name="diskPath"/> and answers the descriptor's
    /// hardware, or why the archive is refused (nothing is left at <paramref name="diskPath"/> then).
    /// </summary>
    public static (ApplianceHardware? Hardware, string? Problem) Extract(string ovaPath, string diskPath)
    {
        try
        {
            using var file = new FileStream(ovaPath, FileMode.Open, FileAccess.Read, FileShare.Read);
            var members = new Dictionary<string, (long Offset, long Size)>(StringComparer.Ordinal);
            string? descriptorName = null;
            var header = new byte[Block];
            long position = 0;
            while (position + Block <= file.Length)
            {
                file.Position = position;
                file.ReadExactly(header);
                if (header.All(b => b == 0))
                {
                    break;
                }

                var (name, size, type, problem) = Member(header);
                if (problem is not null)
                {
                    return (null, problem);
                }

                if (type == '5' && name == "." && size == 0)
                {
                    // The folder entry of "tar cf vm.tar -C myvm .": its files follow as ./name.
                    position += Block;
                    continue;
                }

                if (type is not ('0' or '\0'))
                {
                    return (null, $"The archive's member '{name}' is not a plain file (a link, a folder or a device): an appliance archive holds files only.");
                }

                var dataOffset = position + Block;
                if (dataOffset + size > file.Length)
                {
                    return (null, $"The archive's member '{name}' runs past the end of the file: it is cut short.");
                }

                if (!members.TryAdd(name, (dataOffset, size)))
                {
                    return (null, $"The archive holds '{name}' twice.");
                }

                descriptorName ??= name;
                position = dataOffset + ((size + Block - 1) / Block * Block);
            }

            var vmx = members.Keys.Where(n => n.EndsWith(".vmx", StringComparison.OrdinalIgnoreCase)).ToList();
            var ovf = descriptorName?.EndsWith(".ovf", StringComparison.OrdinalIgnoreCase) == true;
            if (!ovf && vmx.Count != 1)
            {
                return (null, vmx.Count > 1
                    ? $"The archive holds {vmx.Count} .vmx files: a VMware virtual machine has one."
                    : "The archive is neither an OVA (its OVF descriptor (.ovf) first) nor a VMware virtual machine (its .vmx beside its disk).");
            }

            var (descriptorOffset, descriptorSize) = members[ovf ? descriptorName! : vmx[0]];
            if (descriptorSize > MaxDescriptorBytes)
            {
                return (null, $"The {(ovf ? "OVF descriptor" : ".vmx file")} has more than {MaxDescriptorBytes / 1024} KiB.");
            }

            var descriptor = new byte[descriptorSize];
            file.Position = descriptorOffset;
            file.ReadExactly(descriptor);
            var (hardware, diskFile, descriptorProblem) = ovf ? ReadDescriptor(descriptor) : VmxFile.Read(descriptor);
            if (descriptorProblem is not null)
            {
                return (null, descriptorProblem);
            }

            if (!members.TryGetValue(diskFile!, out var disk))
            {
                return (null, $"The {(ovf ? "OVF descriptor" : ".vmx file")}'s disk '{diskFile}' is not in the archive.");
            }

            using (var output = new FileStream(diskPath, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                file.Position = disk.Offset;
                CopyExactly(file, output, disk.Size);
            }

            using (var written = new FileStream(diskPath, FileMode.Open, FileAccess.Read, FileShare.Read))
            {
                var diskProblem = VmdkFormat.Has(written) ? VmdkFormat.Check(written).Problem
                    : IsoFormat.StartsWith(written, "# Disk DescriptorFile"u8.ToArray())
                        ? "a VMDK descriptor whose data lies in separate extent files; make it one file first (qemu-img convert -O vmdk -o subformat=streamOptimized)."
                        : "The appliance's disk is not a VMDK.";
                if (diskProblem is not null)
                {
                    written.Dispose();
                    File.Delete(diskPath);
                    return (null, $"The appliance's disk '{diskFile}': {diskProblem}");
                }
            }

            return (hardware, null);
        }
        catch (IOException e)
        {
            File.Delete(diskPath);
            return (null, $"The archive could not be read: {e.Message}");
        }
    }

    /// <summary>A tar header's member: its name, size and type, or why it cannot be taken.</summary>
    private static (string Name, long Size, char Type, string? Problem) Member(byte[] header)
    {
        if (Encoding.ASCII.GetString(header, 257, 5) != "ustar")
        {
            return ("", 0, '\0', "The archive is not a ustar tar file, as an OVA must be.");
        }

        var prefix = Text(header, 345, 155);
        var name = (prefix.Length > 0 ? prefix + "/" : "") + Text(header, 0, 100);

        // "tar -C folder ." names its files ./name and the folder itself ./ (or .).
        name = name is "./" ? "." : name.StartsWith("./", StringComparison.Ordinal) && name.Length > 2 ? name[2..] : name;
        var type = (char)header[156];
        long size;
        if ((header[124] & 0x80) != 0)
        {
            // GNU's base-256 size, for members of 8 GiB and more: big-endian in the field's last 8 bytes.
            size = System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(header.AsSpan(128, 8));
        }
        else
        {
            var sizeText = Text(header, 124, 12).Trim();
            if (sizeText.Length == 0 || sizeText.Any(c => c is < '0' or > '7'))
            {
                return (name, 0, type, $"The archive's member '{name}' has no readable size.");
            }

            size = Convert.ToInt64(sizeText, 8);
        }

        if (size < 0)
        {
            return (name, 0, type, $"The archive's member '{name}' has no readable size.");
        }

        if (name == "." && type == '5')
        {
            return (name, size, type, null);
        }

        if (name.Length == 0 || name.Contains('/') || name.Contains('\\') || name is "." or ".." || name.Any(char.IsControl))
        {
            return (name, size, type, $"The archive's member '{name}' has a path, not a plain file name: an appliance archive holds its files side by side.");
        }

        return (name, size, type, null);
    }

    private static string Text(byte[] header, int offset, int length)
    {
        var end = Array.IndexOf(header, (byte)0, offset, length);
        return Encoding.ASCII.GetString(header, offset, (end < 0 ? offset + length : end) - offset);
    }

    /// <summary>The descriptor's hardware and its one disk's file name, read without DTDs, entities or outside resources.</summary>
    private static (ApplianceHardware? Hardware, string? DiskFile, string? Problem) ReadDescriptor(byte[] descriptor)
    {
        XDocument document;
        try
        {
            var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, MaxCharactersInDocument = MaxDescriptorBytes };
            using var reader = XmlReader.Create(new MemoryStream(descriptor), settings);
            document = XDocument.Load(reader);
        }
        catch (XmlException e)
        {
            return (null, null, $"The OVF descriptor is not well-formed XML without a DTD: {e.Message}");
        }

        var envelope = document.Root;
        if (envelope?.Name != Ovf + "Envelope")
        {
            return (null, null, "The descriptor is not an OVF 1.x or 2.x envelope.");
        }

        var files = envelope.Element(Ovf + "References")?.Elements(Ovf + "File").ToList() ?? [];
        var disks = envelope.Element(Ovf + "DiskSection")?.Elements(Ovf + "Disk").ToList() ?? [];
        if (disks.Count != 1)
        {
            return (null, null, $"The appliance has {disks.Count} disks: one is taken (add further disks to the VM afterwards).");
        }

        var fileRef = (string?)disks[0].Attribute(Ovf + "fileRef");
        var href = files.SingleOrDefault(f => (string?)f.Attribute(Ovf + "id") == fileRef)?.Attribute(Ovf + "href")?.Value;
        if (href is null)
        {
            return (null, null, "The OVF descriptor's disk names no file of the archive.");
        }

        var items = envelope.Descendants(Ovf + "VirtualHardwareSection").Take(1).Elements(Ovf + "Item").ToList();
        int Count(int resourceType) => items.Count(i => (int?)i.Element(Rasd + "ResourceType") == resourceType);
        long? Quantity(int resourceType) =>
            items.Where(i => (int?)i.Element(Rasd + "ResourceType") == resourceType)
                .Select(i => long.TryParse((string?)i.Element(Rasd + "VirtualQuantity"), NumberStyles.None, CultureInfo.InvariantCulture, out var q) ? q : (long?)null)
                .FirstOrDefault();

        var cpus = Quantity(3) ?? 1;
        var memory = items.FirstOrDefault(i => (int?)i.Element(Rasd + "ResourceType") == 4);
        var memoryQuantity = Quantity(4);
        if (memory is null || memoryQuantity is not > 0)
        {
            return (null, null, "The OVF descriptor gives the appliance no memory (resource type 4).");
        }

        var unit = ((string?)memory.Element(Rasd + "AllocationUnits"))?.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant() ?? "byte*2^20";
        long? memoryMiB = unit switch
        {
            "byte*2^20" or "mebibytes" or "mb" => memoryQuantity,
            "byte*2^30" or "gibibytes" or "gb" => memoryQuantity * 1024,
            "byte*2^10" or "kilobytes" or "kb" => memoryQuantity / 1024,
            "byte" or "bytes" => memoryQuantity / (1024 * 1024),
            _ => null,
        };
        if (memoryMiB is not > 0 || cpus is < 1 or > 1024)
        {
            return (null, null, $"The OVF descriptor's CPUs ({cpus}) or memory ({memoryQuantity} {unit}) cannot be read.");
        }

        return (new ApplianceHardware((int)cpus, memoryMiB.Value, Count(10)), href, null);
    }

    private static void CopyExactly(Stream from, Stream to, long count)
    {
        var buffer = new byte[1024 * 1024];
        while (count > 0)
        {
            var read = from.Read(buffer, 0, (int)Math.Min(buffer.Length, count));
            if (read == 0)
            {
                throw new IOException("The archive ended early.");
            }

            to.Write(buffer, 0, read);
            count -= read;
        }
    }

}

/// <summary>
/// Finishes a library file whose bytes have all arrived and been checked: names it after its format, and takes an OVA
/// apart into its disk (a VMDK) and the hardware its descriptor asks for.
/// </summary>
internal static class LibraryFiles
{
    public sealed record Finished(string Path, string Format, long? VirtualSizeBytes, ApplianceHardware? Hardware, string? Problem);

    public static Finished Finish(string partPath)
    {
        var final = partPath.EndsWith(".part", StringComparison.Ordinal) ? partPath[..^5] : partPath;
        var (format, virtualSize) = IsoFormat.Describe(partPath);
        if (format == IsoFormatNames.Ova)
        {
            var disk = Path.ChangeExtension(final, ".vmdk");
            var (hardware, problem) = OvaImport.Extract(partPath, disk);
            File.Delete(partPath);
            if (problem is not null)
            {
                return new(disk, format, null, null, problem);
            }

            using var written = new FileStream(disk, FileMode.Open, FileAccess.Read, FileShare.Read);
            return new(disk, IsoImageFormats.Vmdk, VmdkFormat.Check(written).VirtualSizeBytes, hardware, null);
        }

        var path = Path.ChangeExtension(final, "." + format);
        File.Move(partPath, path, overwrite: true);
        return new(path, format, virtualSize, null, null);
    }
}
