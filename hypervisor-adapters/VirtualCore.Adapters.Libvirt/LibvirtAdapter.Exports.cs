using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using VirtualCore.Adapters.Libvirt.Interop;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt;

/// <summary>
/// Disk exports. On QEMU, <c>qemu-img convert</c> writes the first disk (or the disk state of an internal snapshot)
/// beside it as <c>vm-&lt;id&gt;-export-&lt;export&gt;.qcow2|raw</c>; the conversion runs outside the adapter's lock, so the
/// node's other domains are not held up, and the file appears under its name only once complete. The test driver's disks
/// hold no data: its exports are simulated images of <see cref="SimulatedExportBytes"/> bytes in a folder of their own,
/// a raw one filled with a pattern that tells each byte's offset, so a reader can check every piece it gets.
/// </summary>
public sealed partial class LibvirtAdapter
{
    /// <summary>The virtual size of the test driver's simulated exports.</summary>
    public const long SimulatedExportBytes = 16L << 20;

    public async Task<DiskExportInfo> ExportDiskAsync(Guid domainId, DiskExportRequest request, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.RecoveryPoint is { } name && !RecoveryPointName().IsMatch(name))
        {
            throw new HypervisorAdapterException(AdapterErrorCode.RecoveryPointNotFound, $"Domain {domainId} has no recovery point '{name}'.");
        }

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

                var definition = XElement.Parse(LibvirtDomain.GetXml(domain, LibvirtNative.DomainXmlInactive));
                var disk = DomainXmlEditor.Disks(definition).FirstOrDefault(d => d.Element("source")?.Attribute("file") is not null)
                    ?? throw new HypervisorAdapterException(AdapterErrorCode.InvalidState, $"Domain {domainId} has no disk image to export.");
                return (Path: (string)disk.Element("source")!.Attribute("file")!, Format: (string?)disk.Element("driver")?.Attribute("type") ?? "raw");
            },
            mutates: false,
            cancellationToken).ConfigureAwait(false);

        var directory = ExportDirectory(source.Path);
        var target = Path.Combine(directory, ExportFileName(domainId, request.ExportId, request.Format));
        if (File.Exists(target))
        {
            return new DiskExportInfo(request.ExportId, new FileInfo(target).Length);
        }

        Directory.CreateDirectory(directory);
        var partial = target + ".part";
        try
        {
            if (domainType == "test")
            {
                await WriteSimulatedExportAsync(partial, request.Format, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await ConvertAsync(source.Path, source.Format, partial, request, progress, cancellationToken).ConfigureAwait(false);
            }

            File.Move(partial, target, overwrite: true);
        }
        catch
        {
            File.Delete(partial);
            throw;
        }

        progress?.Report(100);
        return new DiskExportInfo(request.ExportId, new FileInfo(target).Length);
    }

    public async Task<Stream> OpenDiskExportAsync(Guid domainId, Guid exportId, long offset, CancellationToken cancellationToken)
    {
        var path = await FindExportAsync(domainId, exportId, cancellationToken).ConfigureAwait(false)
            ?? throw new HypervisorAdapterException(AdapterErrorCode.DiskExportNotFound, $"Domain {domainId} has no disk export {exportId}.");
        var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.Read | FileShare.Delete,
            Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
            BufferSize = 0,
        });
        if (offset < 0 || offset > file.Length)
        {
            await file.DisposeAsync().ConfigureAwait(false);
            throw new HypervisorAdapterException(AdapterErrorCode.InvalidSpec, $"Offset {offset} is outside disk export {exportId} ({file.Length} bytes).");
        }

        file.Position = offset;
        return file;
    }

    public async Task DeleteDiskExportAsync(Guid domainId, Guid exportId, CancellationToken cancellationToken)
    {
        if (await FindExportAsync(domainId, exportId, cancellationToken).ConfigureAwait(false) is { } path)
        {
            File.Delete(path);
        }
    }

    /// <summary>The export's file, or null when there is none; the domain may be gone already.</summary>
    private async Task<string?> FindExportAsync(Guid domainId, Guid exportId, CancellationToken cancellationToken)
    {
        var directory = await RunAsync(
            c =>
            {
                Require(AdapterCapabilities.DiskExport, "export disks");
                if (domainType == "test")
                {
                    return ExportDirectory("");
                }

                using var domain = c.FindDomain(domainId);
                if (domain is null)
                {
                    return null;
                }

                var definition = XElement.Parse(LibvirtDomain.GetXml(domain, LibvirtNative.DomainXmlInactive));
                return DomainXmlEditor.DiskPaths(definition).FirstOrDefault() is { } disk ? ExportDirectory(disk) : null;
            },
            mutates: false,
            cancellationToken).ConfigureAwait(false);
        return directory is null
            ? null
            : Enum.GetValues<DiskExportFormat>().Select(f => Path.Combine(directory, ExportFileName(domainId, exportId, f))).FirstOrDefault(File.Exists);
    }

    /// <summary>Deletes the domain's exports with its storage (the domain's disk folder, or the test driver's export folder).</summary>
    private void DeleteExports(Guid domainId, string? firstDisk)
    {
        if (domainType != "test" && (firstDisk is null || !IsLocalUri(options.Uri)))
        {
            return;
        }

        var directory = ExportDirectory(firstDisk ?? "");
        if (!Directory.Exists(directory))
        {
            return;
        }

        foreach (var path in Directory.EnumerateFiles(directory, $"vm-{domainId:N}-export-*"))
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A leftover export takes space but is no one's; the domain is gone either way.
            }
        }
    }

    internal static string ExportFileName(Guid domainId, Guid exportId, DiskExportFormat format) =>
        $"vm-{domainId:N}-export-{exportId:N}.{(format == DiskExportFormat.Raw ? "raw" : "qcow2")}";

    /// <summary>Beside the disk on QEMU; on the test driver, a folder beside its node file or in the temporary folder.</summary>
    private string ExportDirectory(string diskPath) =>
        domainType != "test"
            ? Path.GetDirectoryName(diskPath)!
            : nodeFile is not null
                ? nodeFile + ".exports"
                : Path.Combine(Path.GetTempPath(), "vcore-test-exports", SafeFolderName().Replace(options.NodeName, "_"));

    private static async Task ConvertAsync(
        string source, string sourceFormat, string target, DiskExportRequest request, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("qemu-img")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("convert");
        start.ArgumentList.Add("-p");
        start.ArgumentList.Add("-f");
        start.ArgumentList.Add(sourceFormat);
        start.ArgumentList.Add("-O");
        start.ArgumentList.Add(request.Format == DiskExportFormat.Raw ? "raw" : "qcow2");
        if (request.RecoveryPoint is { } point)
        {
            // A recovery point's clusters never change, so it is read while the guest may be writing its disk.
            start.ArgumentList.Add("-U");
            start.ArgumentList.Add("-l");
            start.ArgumentList.Add("snapshot.name=" + point);
        }

        start.ArgumentList.Add(source);
        start.ArgumentList.Add(target);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("qemu-img did not start.");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new HypervisorAdapterException(AdapterErrorCode.NotSupported, $"qemu-img is not installed on this node: {e.Message}", innerException: e);
        }

        using (process)
        {
            var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
            try
            {
                await ReadProgressAsync(process.StandardOutput, progress, cancellationToken).ConfigureAwait(false);
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            if (process.ExitCode != 0)
            {
                var error = (await errors.ConfigureAwait(false)).Trim();
                throw new HypervisorAdapterException(
                    AdapterErrorCode.OperationFailed, $"qemu-img could not export {source}: {(error.Length > 500 ? error[..500] : error)}");
            }
        }
    }

    /// <summary>qemu-img's "-p" writes "    (12.34/100%)" and a carriage return as it goes.</summary>
    private static async Task ReadProgressAsync(StreamReader output, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var buffer = new char[256];
        var line = new System.Text.StringBuilder();
        var last = -1;
        int read;
        while ((read = await output.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            foreach (var ch in buffer.AsSpan(0, read))
            {
                if (ch is not ('\r' or '\n'))
                {
                    line.Append(ch);
                    continue;
                }

                if (QemuImgProgress().Match(line.ToString()) is { Success: true } match
                    && double.TryParse(match.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var percent)
                    && (int)percent is var whole && whole > last && whole < 100)
                {
                    last = whole;
                    progress?.Report(whole);
                }

                line.Clear();
            }
        }
    }

    private static async Task WriteSimulatedExportAsync(string path, DiskExportFormat format, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous);
        if (format == DiskExportFormat.Qcow2)
        {
            await file.WriteAsync(EmptyQcow2(SimulatedExportBytes), cancellationToken).ConfigureAwait(false);
            return;
        }

        var chunk = new byte[1 << 20];
        for (long offset = 0; offset < SimulatedExportBytes; offset += chunk.Length)
        {
            FillPattern(chunk, offset);
            await file.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
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

    [GeneratedRegex(@"\(\s*([0-9]+(?:\.[0-9]+)?)/100%\)")]
    private static partial Regex QemuImgProgress();

    [GeneratedRegex("[^A-Za-z0-9_.-]")]
    private static partial Regex SafeFolderName();
}
