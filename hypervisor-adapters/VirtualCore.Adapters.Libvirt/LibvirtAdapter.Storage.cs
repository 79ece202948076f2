using System.Globalization;
using System.Xml.Linq;
using VirtualCore.Adapters.Libvirt.Interop;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt;

/// <summary>
/// Disk images as libvirt storage volumes. On a QEMU node every image folder is a directory storage pool
/// (an existing one, or <c>vcore-…</c> defined, built and started on demand), so images are created, grown and
/// deleted through libvirtd: the same calls work when libvirtd runs on another machine.
/// </summary>
public sealed partial class LibvirtAdapter
{
    /// <summary>
    /// Where this process sees the node's images (an agent on its rack server), makes each disk of
    /// <paramref name="spec"/> that comes from a disk image and does not exist yet with qemu-img, beside the domain's
    /// other images: with progress, and outside the adapter's lock, which a copy of gigabytes would hold for minutes.
    /// The definition then finds the disk and grows it to its size. Returns the disks made.
    /// </summary>
    private async Task<List<string>> ConvertImagesAsync(DomainSpec spec, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var converted = new List<string>();
        if (domainType == "test" || !IsLocalUri(options.Uri))
        {
            return converted;
        }

        var todo = spec.Disks
            .Where(d => d.SourceImagePath is { } source && File.Exists(source) && ImageFormatOf(source) is not null && !File.Exists(d.Path))
            .ToList();
        for (var i = 0; i < todo.Count; i++)
        {
            var disk = todo[i];
            var source = disk.SourceImagePath!;
            var directory = Path.GetDirectoryName(disk.Path)!;
            Directory.CreateDirectory(directory);
            var partial = Path.Combine(directory, "." + Path.GetFileName(disk.Path) + ".part");
            try
            {
                await QemuImg.RunAsync(
                    ["convert", "-p", "-f", ImageFormatOf(source)!, "-O", "qcow2", source, partial],
                    new StepProgress(progress, i, todo.Count),
                    $"make the disk {disk.Path} from {source}",
                    cancellationToken).ConfigureAwait(false);
                File.Move(partial, disk.Path);
                converted.Add(disk.Path);
            }
            catch
            {
                converted.ForEach(File.Delete);
                throw;
            }
            finally
            {
                File.Delete(partial);
            }
        }

        if (todo.Count > 0)
        {
            progress?.Report(100);
        }

        return converted;
    }

    /// <summary>The format of a library image by its name, as the portal names them once checked; null for any other file.</summary>
    private static string? ImageFormatOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".qcow2" => "qcow2",
        ".vmdk" => "vmdk",
        ".raw" => "raw",
        _ => null,
    };

    /// <summary>Creates, in its folder's pool, each image of <paramref name="spec"/> that does not exist yet; returns their paths.</summary>
    private static List<string> CreateMissingDisks(LibvirtConnection c, DomainSpec spec)
    {
        var created = new List<string>();
        try
        {
            foreach (var disk in spec.Disks)
            {
                using (var existing = c.FindVolume(disk.Path))
                {
                    if (existing is not null)
                    {
                        GrowFromImage(existing, disk);
                        continue;
                    }
                }

                // The image may be there without being a volume yet (copied in, made from an image by qemu-img, or its
                // pool not refreshed since): a pool started or refreshed just now finds it, and it is kept, never replaced.
                var directory = Path.GetDirectoryName(disk.Path)!;
                using var pool = OpenImagePool(c, directory);
                LibvirtConnection.RefreshPool(pool, $"the storage pool of {directory}");
                using (var found = c.FindVolume(disk.Path))
                {
                    if (found is not null)
                    {
                        GrowFromImage(found, disk);
                        continue;
                    }
                }

                if (disk.SourceImagePath is { } source)
                {
                    using var image = FindDiskVolume(c, source) ?? FindInNewPool(c, source)
                        ?? throw new HypervisorAdapterException(AdapterErrorCode.InvalidSpec, $"The cloud image {source} is not on this node.");
                    using var copy = LibvirtConnection.CopyVolume(pool, VolumeXml(Path.GetFileName(disk.Path), disk.CapacityBytes), image, disk.CapacityBytes, disk.Path);
                }
                else
                {
                    using var volume = LibvirtConnection.CreateVolume(pool, VolumeXml(Path.GetFileName(disk.Path), disk.CapacityBytes), disk.Path);
                }

                created.Add(disk.Path);
            }
        }
        catch
        {
            DeleteCreatedDisks(c, created);
            throw;
        }

        return created;
    }

    /// <summary>A disk made from a smaller image grows to the size asked; any other disk found is kept as it is.</summary>
    private static void GrowFromImage(StorageVolumeHandle volume, DiskSpec disk)
    {
        if (disk.SourceImagePath is not null)
        {
            LibvirtConnection.GrowVolume(volume, disk.CapacityBytes, disk.Path);
        }
    }

    /// <summary>
    /// Writes the domain's cloud-init seed image beside its first disk, through libvirtd, replacing one left by a
    /// definition that failed; returns its path.
    /// </summary>
    private static string CreateSeed(LibvirtConnection c, DomainSpec spec, string path)
    {
        byte[] image;
        try
        {
            image = spec.CloudInit!.ToIsoImage(DateTimeOffset.UtcNow);
        }
        catch (ArgumentException e)
        {
            throw new HypervisorAdapterException(AdapterErrorCode.InvalidSpec, e.Message, innerException: e);
        }

        WriteSmallImage(c, path, image);
        return path;
    }

    /// <summary>
    /// Writes <paramref name="image"/> as the raw volume at <paramref name="path"/> in its folder's pool, through libvirtd,
    /// replacing one there; nothing is left behind when the write fails.
    /// </summary>
    private static void WriteSmallImage(LibvirtConnection c, string path, byte[] image)
    {
        var directory = Path.GetDirectoryName(path)!;
        using var pool = OpenImagePool(c, directory);
        LibvirtConnection.RefreshPool(pool, $"the storage pool of {directory}");
        using (var stale = c.FindVolume(path))
        {
            if (stale is not null)
            {
                LibvirtConnection.DeleteVolume(stale, path);
            }
        }

        using var volume = LibvirtConnection.CreateVolume(pool, VolumeXml(Path.GetFileName(path), image.Length, "raw"), path);
        try
        {
            c.UploadVolume(volume, image, path);
        }
        catch
        {
            LibvirtConnection.DeleteVolume(volume, path);
            throw;
        }
    }

    /// <summary>Removes images made for a domain whose definition then failed; the definition's error is the one reported.</summary>
    private static void DeleteCreatedDisks(LibvirtConnection c, List<string> paths)
    {
        foreach (var path in paths)
        {
            try
            {
                using var volume = c.FindVolume(path);
                if (volume is not null)
                {
                    LibvirtConnection.DeleteVolume(volume, path);
                }
            }
            catch (HypervisorAdapterException)
            {
            }
        }
    }

    /// <summary>
    /// The volume at <paramref name="path"/>, or null when there is none. A file placed in a pool's folder by
    /// something other than libvirtd becomes a volume only once the pool is refreshed, so a miss refreshes the pool of
    /// the folder (when it has one and it runs) and looks again.
    /// </summary>
    private static StorageVolumeHandle? FindDiskVolume(LibvirtConnection c, string path)
    {
        var volume = c.FindVolume(path);
        if (volume is not null)
        {
            return volume;
        }

        using var pool = c.FindPoolByTargetPath(Path.GetDirectoryName(path)!);
        if (pool is null)
        {
            return null;
        }

        var description = $"the storage pool of {Path.GetDirectoryName(path)}";
        LibvirtConnection.StartPool(pool, description);
        LibvirtConnection.RefreshPool(pool, description);
        return c.FindVolume(path);
    }

    /// <summary>The image at <paramref name="path"/> in its folder's pool, defined and started for it when the folder has none yet.</summary>
    private static StorageVolumeHandle? FindInNewPool(LibvirtConnection c, string path)
    {
        var directory = Path.GetDirectoryName(path)!;
        using var pool = OpenImagePool(c, directory);
        LibvirtConnection.RefreshPool(pool, $"the storage pool of {directory}");
        return c.FindVolume(path);
    }

    /// <summary>The running directory pool for <paramref name="directory"/>, defined, built and started when there is none.</summary>
    private static StoragePoolHandle OpenImagePool(LibvirtConnection c, string directory)
    {
        var description = $"the storage pool of {directory}";
        var pool = c.FindPoolByTargetPath(directory);
        if (pool is not null)
        {
            LibvirtConnection.StartPool(pool, description);
            return pool;
        }

        var name = ImagePoolName(directory);
        try
        {
            pool = c.DefinePool(PoolXml(name, directory), $"storage pool '{name}' for {directory}");
        }
        catch (HypervisorAdapterException)
        {
            // Another adapter on the same libvirtd may have defined it a moment ago.
            pool = c.FindPoolByTargetPath(directory) ?? c.FindPoolByName(name);
            if (pool is null)
            {
                throw;
            }

            LibvirtConnection.StartPool(pool, description);
            return pool;
        }

        try
        {
            LibvirtConnection.BuildAndStartPool(pool, description);
            return pool;
        }
        catch
        {
            // A folder that cannot be made (or a pool that cannot start) leaves no pool behind: the next try starts afresh.
            try
            {
                LibvirtConnection.UndefinePool(pool, description);
            }
            catch (HypervisorAdapterException)
            {
            }

            pool.Dispose();
            throw;
        }
    }

    /// <summary>"vcore" and the folder's path with '/' as '-': /var/lib/virtualcore/images is vcore-var-lib-virtualcore-images.</summary>
    internal static string ImagePoolName(string directory) => "vcore" + directory.TrimEnd('/').Replace('/', '-');

    internal static string PoolXml(string name, string directory) =>
        new XElement(
            "pool",
            new XAttribute("type", "dir"),
            new XElement("name", name),
            new XElement("target", new XElement("path", directory))).ToString();

    /// <summary>A volume of <paramref name="capacityBytes"/>, qcow2 unless told, that takes no space until the guest writes.</summary>
    internal static string VolumeXml(string fileName, long capacityBytes, string format = "qcow2") =>
        new XElement(
            "volume",
            new XElement("name", fileName),
            new XElement("capacity", new XAttribute("unit", "bytes"), capacityBytes.ToString(CultureInfo.InvariantCulture)),
            new XElement("allocation", new XAttribute("unit", "bytes"), 0),
            new XElement("target", new XElement("format", new XAttribute("type", format)))).ToString();

    // A libvirt storage volume is deleted through its pool; a plain file outside every pool is deleted only on a local
    // QEMU node, where this process runs beside the images. The test driver's disks are simulated and have no file.
    private void DeleteDisk(LibvirtConnection c, string path)
    {
        using var volume = domainType == "test" ? c.FindVolume(path) : FindDiskVolume(c, path);
        if (volume is not null)
        {
            LibvirtConnection.DeleteVolume(volume, path);
            return;
        }

        if (domainType != "test" && IsLocalUri(options.Uri))
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new HypervisorAdapterException(AdapterErrorCode.OperationFailed, $"Could not delete {path}: {e.Message}", innerException: e);
            }
        }
    }

    private static bool IsLocalUri(string uri) => uri.Split("://", 2) is [_, var rest] && rest.StartsWith('/');
}
