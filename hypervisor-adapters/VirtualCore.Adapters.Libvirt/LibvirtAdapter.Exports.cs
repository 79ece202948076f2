using System.Buffers.Binary;
using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using VirtualCore.Adapters.Libvirt.Interop;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt;

/// <summary>
/// Disk exports, as volumes named <c>vm-&lt;id&gt;-export-&lt;export&gt;.qcow2|raw</c> in the pool of the domain's disk, read
/// and deleted through libvirtd. Where this process sees the node's images (an agent on its rack server), qemu-img
/// converts the disk (or a recovery point's disk state, which libvirt cannot read) beside it with progress, under a
/// temporary name until complete and outside the adapter's lock; elsewhere libvirtd copies the disk as it is
/// (<c>virStorageVolCreateXMLFrom</c>). The test driver's disks hold no data: its exports are simulated images of
/// <see cref="SimulatedExportBytes"/> bytes (or setting <c>simulatedExportMiB</c>) in a folder of their own, a raw one filled with a pattern that tells each
/// byte's offset, so a reader can check every piece it gets.
/// </summary>
public sealed partial class LibvirtAdapter
{
    /// <summary>The virtual size of the test driver's simulated exports, unless its settings say otherwise.</summary>
    public const long SimulatedExportBytes = 16L << 20;

    /// <summary>Setting <c>simulatedExportMiB</c>: the size of the test driver's simulated exports (for transfer benchmarks).</summary>
    public const string SimulatedExportMiBSetting = "simulatedExportMiB";

    public async Task<DiskExportInfo> ExportDiskAsync(Guid domainId, DiskExportRequest request, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.RecoveryPoint is { } name && !RecoveryPointName().IsMatch(name))
        {
            throw new HypervisorAdapterException(AdapterErrorCode.RecoveryPointNotFound, $"Domain {domainId} has no recovery point '{name}'.");
        }

        var fileName = ExportFileName(domainId, request.ExportId, request.Format);
        var source = await RunAsync(
            c =>
            {
                Require(AdapterCapabilities.DiskExport, "export disks");
                using var domain = c.GetDomain(domainId);
                if (request.RecoveryPoint is { } point)
                {
                    using var snapshot = LibvirtDomain.FindSnapshot(domain, point, domainId)
                        ?? throw new HypervisorAdapterException(AdapterErrorCode.RecoveryPointNotFound, $"Domain {domainId} has no recovery point '{point}'.");
                }
                else if (LibvirtDomain.GetState(domain) is var state and not DomainState.ShutOff)
                {
                    throw WrongState(domainId, state, "export its disk as it is now (shut it off, or export a recovery point)");
                }

                var disk = FirstDisk(domain, domainId);
                if (domainType == "test")
                {
                    var simulated = new FileInfo(Path.Combine(SimulatedExportDirectory(), fileName));
                    return disk with { Made = simulated.Exists ? simulated.Length : null };
                }

                using var made = FindDiskVolume(c, Path.Combine(Path.GetDirectoryName(disk.Path)!, fileName));
                return disk with { Made = made is null ? null : LibvirtConnection.FileBytes(made, fileName) };
            },
            mutates: false,
            cancellationToken).ConfigureAwait(false);
        if (source.Made is { } length)
        {
            return new DiskExportInfo(request.ExportId, length);
        }

        long size;
        if (domainType == "test")
        {
            size = await WriteSimulatedExportAsync(Path.Combine(SimulatedExportDirectory(), fileName), request.Format, SimulatedExportSize(), cancellationToken).ConfigureAwait(false);
        }
        else if (IsLocalUri(options.Uri) && File.Exists(source.Path))
        {
            var target = Path.Combine(Path.GetDirectoryName(source.Path)!, fileName);
            var partial = Path.Combine(Path.GetDirectoryName(source.Path)!, "." + fileName + ".part");
            try
            {
                await ConvertAsync(source.Path, source.Format, partial, request, progress, cancellationToken).ConfigureAwait(false);
                File.Move(partial, target, overwrite: true);
            }
            finally
            {
                File.Delete(partial);
            }

            size = await RunAsync(
                c =>
                {
                    using var volume = FindDiskVolume(c, target)
                        ?? throw new HypervisorAdapterException(AdapterErrorCode.OperationFailed, $"The export {target} is not in a storage pool of this node.");
                    return LibvirtConnection.FileBytes(volume, target);
                },
                mutates: false,
                cancellationToken).ConfigureAwait(false);
        }
        else if (request.RecoveryPoint is not null)
        {
            throw new HypervisorAdapterException(
                AdapterErrorCode.NotSupported, "A recovery point is exported only by a node agent that runs beside the node's disk images (libvirt cannot read one).");
        }
        else
        {
            size = await RunAsync(
                c =>
                {
                    var target = Path.Combine(Path.GetDirectoryName(source.Path)!, fileName);
                    using var disk = FindDiskVolume(c, source.Path)
                        ?? throw new HypervisorAdapterException(AdapterErrorCode.InvalidState, $"The disk {source.Path} of domain {domainId} is not in a storage pool.");
                    using var pool = OpenImagePool(c, Path.GetDirectoryName(source.Path)!);
                    using var volume = LibvirtConnection.CopyVolume(pool, VolumeXml(fileName, 0, ExportFormatName(request.Format)), disk, 0, target);
                    return LibvirtConnection.FileBytes(volume, target);
                },
                mutates: false,
                cancellationToken).ConfigureAwait(false);
        }

        progress?.Report(100);
        return new DiskExportInfo(request.ExportId, size);
    }

    public async Task<Stream> OpenDiskExportAsync(Guid domainId, Guid exportId, long offset, CancellationToken cancellationToken)
    {
        Require(AdapterCapabilities.DiskExport, "export disks");
        if (domainType == "test")
        {
            var path = SimulatedExportPath(domainId, exportId)
                ?? throw new HypervisorAdapterException(AdapterErrorCode.DiskExportNotFound, $"Domain {domainId} has no disk export {exportId}.");
            var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 0, FileOptions.Asynchronous);
            var length = file.Length;
            if (offset < 0 || offset > length)
            {
                await file.DisposeAsync().ConfigureAwait(false);
                throw OutsideExport(exportId, offset, length);
            }

            file.Position = offset;
            return file;
        }

        return await RunAsync<Stream>(
            c =>
            {
                using var volume = FindExportVolume(c, domainId, exportId)
                    ?? throw new HypervisorAdapterException(AdapterErrorCode.DiskExportNotFound, $"Domain {domainId} has no disk export {exportId}.");
                var length = LibvirtConnection.FileBytes(volume, exportId.ToString());
                return offset < 0 || offset > length ? throw OutsideExport(exportId, offset, length)
                    : offset == length ? new MemoryStream([], writable: false)
                    : c.OpenVolumeRead(volume, offset, $"disk export {exportId}");
            },
            mutates: false,
            cancellationToken).ConfigureAwait(false);
    }

    public Task DeleteDiskExportAsync(Guid domainId, Guid exportId, CancellationToken cancellationToken) =>
        RunAsync(
            c =>
            {
                Require(AdapterCapabilities.DiskExport, "export disks");
                if (domainType == "test")
                {
                    if (SimulatedExportPath(domainId, exportId) is { } path)
                    {
                        File.Delete(path);
                    }

                    return;
                }

                using var volume = FindExportVolume(c, domainId, exportId);
                if (volume is not null)
                {
                    LibvirtConnection.DeleteVolume(volume, $"disk export {exportId}");
                }
            },
            cancellationToken);

    /// <summary>The export's volume beside the domain's first disk, or null when it has none (or the domain is gone).</summary>
    private static StorageVolumeHandle? FindExportVolume(LibvirtConnection c, Guid domainId, Guid exportId)
    {
        using var domain = c.FindDomain(domainId);
        if (domain is null)
        {
            return null;
        }

        var directory = Path.GetDirectoryName(FirstDisk(domain, domainId).Path)!;
        foreach (var format in Enum.GetValues<DiskExportFormat>())
        {
            if (FindDiskVolume(c, Path.Combine(directory, ExportFileName(domainId, exportId, format))) is { } volume)
            {
                return volume;
            }
        }

        return null;
    }

    /// <summary>Deletes the domain's exports with its storage: the volumes named after it beside its first disk.</summary>
    private void DeleteExports(LibvirtConnection c, Guid domainId, string? firstDisk)
    {
        var prefix = $"vm-{domainId:N}-export-";
        if (domainType == "test")
        {
            var directory = SimulatedExportDirectory();
            foreach (var path in Directory.Exists(directory) ? Directory.EnumerateFiles(directory, prefix + "*") : [])
            {
                File.Delete(path);
            }

            return;
        }

        if (firstDisk is null || c.FindPoolByTargetPath(Path.GetDirectoryName(firstDisk)!) is not { } pool)
        {
            return;
        }

        using (pool)
        {
            var description = $"the storage pool of {Path.GetDirectoryName(firstDisk)}";
            LibvirtConnection.RefreshPool(pool, description);
            foreach (var name in LibvirtConnection.ListVolumeNames(pool, description).Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
            {
                var path = Path.Combine(Path.GetDirectoryName(firstDisk)!, name);
                using var volume = c.FindVolume(path);
                if (volume is not null)
                {
                    LibvirtConnection.DeleteVolume(volume, path);
                }
            }
        }
    }

    private static (string Path, string Format, long? Made) FirstDisk(DomainHandle domain, Guid domainId)
    {
        var definition = XElement.Parse(LibvirtDomain.GetXml(domain, LibvirtNative.DomainXmlInactive));
        var disk = DomainXmlEditor.Disks(definition).FirstOrDefault(d => d.Element("source")?.Attribute("file") is not null)
            ?? throw new HypervisorAdapterException(AdapterErrorCode.InvalidState, $"Domain {domainId} has no disk image to export.");
        return ((string)disk.Element("source")!.Attribute("file")!, (string?)disk.Element("driver")?.Attribute("type") ?? "raw", null);
    }

    private static HypervisorAdapterException OutsideExport(Guid exportId, long offset, long length) =>
        new(AdapterErrorCode.InvalidSpec, $"Offset {offset} is outside disk export {exportId} ({length} bytes).");

    internal static string ExportFileName(Guid domainId, Guid exportId, DiskExportFormat format) =>
        $"vm-{domainId:N}-export-{exportId:N}.{ExportFormatName(format)}";

    private static string ExportFormatName(DiskExportFormat format) => format == DiskExportFormat.Raw ? "raw" : "qcow2";

    /// <summary>The test driver's export folder: beside its node file, or in the temporary folder.</summary>
    private string SimulatedExportDirectory() =>
        nodeFile is not null
            ? nodeFile + ".exports"
            : Path.Combine(Path.GetTempPath(), "vcore-test-exports", SafeFolderName().Replace(options.NodeName, "_"));

    private string? SimulatedExportPath(Guid domainId, Guid exportId) =>
        Enum.GetValues<DiskExportFormat>().Select(f => Path.Combine(SimulatedExportDirectory(), ExportFileName(domainId, exportId, f))).FirstOrDefault(File.Exists);

    private static Task ConvertAsync(
        string source, string sourceFormat, string target, DiskExportRequest request, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        List<string> arguments = ["convert", "-p", "-f", sourceFormat, "-O", ExportFormatName(request.Format)];
        if (request.RecoveryPoint is { } point)
        {
            // A recovery point's clusters never change, so it is read while the guest may be writing its disk.
            arguments.AddRange(["-U", "-l", "snapshot.name=" + point]);
        }

        arguments.AddRange([source, target]);
        return QemuImg.RunAsync(arguments, progress, $"export {source}", cancellationToken);
    }

    private long SimulatedExportSize() =>
        options.Settings.TryGetValue(SimulatedExportMiBSetting, out var text)
            ? long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var mib) && mib is > 0 and <= 1L << 20
                ? mib << 20
                : throw new HypervisorAdapterException(AdapterErrorCode.InvalidSpec, $"'{SimulatedExportMiBSetting}' must be a number of MiB from 1 to 1048576, not '{text}'.")
            : SimulatedExportBytes;

    private static async Task<long> WriteSimulatedExportAsync(string path, DiskExportFormat format, long virtualBytes, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var partial = path + ".part";
        try
        {
            await using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous))
            {
                if (format == DiskExportFormat.Qcow2)
                {
                    await file.WriteAsync(EmptyQcow2(virtualBytes), cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    var chunk = new byte[1 << 20];
                    for (long offset = 0; offset < virtualBytes; offset += chunk.Length)
                    {
                        FillPattern(chunk, offset);
                        await file.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            File.Move(partial, path, overwrite: true);
            return new FileInfo(path).Length;
        }
        finally
        {
            File.Delete(partial);
        }
    }

    /// <summary>Each 8-byte word of a simulated raw export holds its own offset, big-endian.</summary>
    internal static void FillPattern(Span<byte> chunk, long offset)
    {
        for (var i = 0; i < chunk.Length; i += 8)
        {
            BinaryPrimitives.WriteInt64BigEndian(chunk[i..], offset + i);
        }
    }

    /// <summary>
    /// An empty qcow2 image (version 2, 64 KiB clusters) of <paramref name="virtualBytes"/>: header, one cluster of
    /// refcount table, one refcount block and the L1 table, every L1 entry zero (nothing written).
    /// </summary>
    internal static byte[] EmptyQcow2(long virtualBytes)
    {
        const int clusterBits = 16;
        const long cluster = 1L << clusterBits;
        var l1Entries = (int)((virtualBytes + (cluster * (cluster / 8)) - 1) / (cluster * (cluster / 8)));
        var l1Clusters = Math.Max(1, (int)(((l1Entries * 8L) + cluster - 1) / cluster));
        var clusters = 3 + l1Clusters;
        var image = new byte[clusters * cluster];
        var header = image.AsSpan();
        BinaryPrimitives.WriteUInt32BigEndian(header, 0x514649fb); // "QFI\xfb"
        BinaryPrimitives.WriteUInt32BigEndian(header[4..], 2);
        BinaryPrimitives.WriteUInt32BigEndian(header[20..], clusterBits);
        BinaryPrimitives.WriteInt64BigEndian(header[24..], virtualBytes);
        BinaryPrimitives.WriteInt32BigEndian(header[36..], l1Entries);
        BinaryPrimitives.WriteInt64BigEndian(header[40..], 3 * cluster); // L1 table
        BinaryPrimitives.WriteInt64BigEndian(header[48..], 1 * cluster); // refcount table
        BinaryPrimitives.WriteInt32BigEndian(header[56..], 1);
        BinaryPrimitives.WriteInt64BigEndian(image.AsSpan((int)cluster), 2 * cluster); // its one refcount block
        for (var i = 0; i < clusters; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(image.AsSpan((int)(2 * cluster) + (i * 2)), 1);
        }

        return image;
    }

    [GeneratedRegex("[^A-Za-z0-9_.-]")]
    private static partial Regex SafeFolderName();
}
