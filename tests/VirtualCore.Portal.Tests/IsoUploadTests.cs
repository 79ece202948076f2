using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Domain;
using VirtualCore.Modules.Identity.Domain;
using VirtualCore.Modules.Identity.Features.Tokens;
using VirtualCore.Modules.Infrastructure.Contracts;
using VirtualCore.Modules.Infrastructure.Domain;

namespace VirtualCore.Portal.Tests;

/// <summary>
/// ISO uploads by the tus 1.0.0 protocol: in parts, resumed, checked (ISO 9660/UDF, the SHA-256 given), within the
/// size limit and the customer's quota, and each customer's own.
/// </summary>
public sealed class IsoUploadTests : IAsyncLifetime
{
    private const long MaxImage = 1L << 20;

    private readonly PortalFixture _portal = new(settings: new Dictionary<string, string>
    {
        ["Infrastructure:IsoLibrary:MaxImageBytes"] = MaxImage.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Infrastructure:IsoLibrary:CustomerQuotaBytes"] = (2 * MaxImage).ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    private string LibraryDirectory => Path.Combine(_portal.DataDirectory, "isos");

    [Fact]
    public async Task An_image_arrives_in_parts_resumes_where_it_stopped_and_boots_a_vm_with_its_sha256_shown()
    {
        var demo = _portal.Demo();
        var options = await demo.SendAsync(new HttpRequestMessage(HttpMethod.Options, "/api/v1/isos/uploads"));
        Assert.Equal(HttpStatusCode.NoContent, options.StatusCode);
        Assert.Equal("1.0.0", Header(options, "Tus-Version"));
        Assert.Contains("creation", Header(options, "Tus-Extension"), StringComparison.Ordinal);
        Assert.Equal(MaxImage.ToString(System.Globalization.CultureInfo.InvariantCulture), Header(options, "Tus-Max-Size"));

        var iso = TestIso.Build(300 * 1024);
        var sha = Convert.ToHexStringLower(SHA256.HashData(iso));
        var created = await StartAsync(demo, iso.Length, "Tiny Linux 1.0.iso", sha256: sha.ToUpperInvariant());
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("1.0.0", Header(created, "Tus-Resumable"));
        var location = created.Headers.Location!.ToString();
        Assert.StartsWith("/api/v1/isos/uploads/", location, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NoContent, (await PatchAsync(demo, location, 0, iso.AsMemory(0, 50_000))).StatusCode);

        // The client lost its answer: it asks where the upload is and goes on from there.
        var head = await demo.SendAsync(Tus(HttpMethod.Head, location));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal("50000", Header(head, "Upload-Offset"));
        Assert.Equal(iso.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), Header(head, "Upload-Length"));
        Assert.Equal("no-store", head.Headers.CacheControl?.ToString());

        // Bytes for a place the upload is not at are refused and change nothing.
        var stale = await PatchAsync(demo, location, 0, iso.AsMemory(0, 1000));
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await PatchAsync(demo, location, 50_000, iso.AsMemory(50_000, 100_000))).StatusCode);
        var last = await PatchAsync(demo, location, 150_000, iso.AsMemory(150_000));
        Assert.Equal(HttpStatusCode.NoContent, last.StatusCode);
        Assert.Equal(iso.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), Header(last, "Upload-Offset"));
        Assert.Equal(sha, Header(last, "X-Iso-Sha256"));
        var name = Header(last, "X-Iso-Name");
        Assert.StartsWith("tiny-linux-1.0-", name, StringComparison.Ordinal);

        var listed = Assert.Single(await demo.GetAsync<IsoImageView[]>("/api/v1/isos"), i => i.Name == name);
        Assert.Equal("Tiny Linux 1.0", listed.Title);
        Assert.Equal(sha, listed.Sha256);
        Assert.Equal(iso.Length, listed.SizeBytes);
        Assert.Equal(IsoOwners.Customer, listed.Owner);
        Assert.True(listed.Deletable);
        var file = Assert.Single(Directory.GetFiles(LibraryDirectory));
        Assert.Equal(iso, await File.ReadAllBytesAsync(file));
        Assert.Equal("demo", (await _portal.DbAsync(db => db.Set<AuditEntry>().SingleAsync(e => e.Action == "iso.uploaded" && e.Target == name))).Actor);

        // The page shows it with its checksum.
        var page = await (await PageAsync("demo", "demo-pass-1", "localhost")).Client.GetStringAsync("/isos");
        Assert.Contains(sha, page, StringComparison.Ordinal);
        Assert.Contains("Tiny Linux 1.0", page, StringComparison.Ordinal);

        // A VM boots from it; while it is in the VM's drive the image stays.
        var job = await demo.CompleteAsync(demo.CreateVmAsync("from-upload", iso: name));
        Assert.Equal(JobStatuses.Completed, job.Status);
        Assert.Equal(name, await _portal.DbAsync(db => db.Set<VirtualMachine>().IgnoreQueryFilters().Where(v => v.Id == job.TargetId).Select(v => v.IsoName).SingleAsync()));
        var inUse = await demo.DeleteAsync($"/api/v1/isos/{name}");
        Assert.Equal(HttpStatusCode.Conflict, inUse.StatusCode);
        Assert.Contains("from-upload", (await inUse.ProblemAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.True(File.Exists(file));
    }

    [Fact]
    public async Task A_file_that_is_no_iso_image_or_lacks_the_given_checksum_is_refused_as_soon_as_that_shows_and_removed()
    {
        var demo = _portal.Demo();

        // Not an ISO: refused with the first bytes that show it, long before the rest would have arrived.
        var notIso = RandomNumberGenerator.GetBytes(512 * 1024);
        notIso[510] = 0; // not a partition table's signature either: no raw disk
        var location = (await StartAsync(demo, notIso.Length, "setup.exe")).Headers.Location!.ToString();
        var refused = await PatchAsync(demo, location, 0, notIso.AsMemory(0, 64 * 1024));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("ISO 9660", (await refused.ProblemAsync()).GetProperty("errors").GetProperty("file")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await demo.SendAsync(Tus(HttpMethod.Head, location))).StatusCode);

        // The wrong checksum: refused once the last byte is in.
        var iso = TestIso.Build(100 * 1024);
        var wrong = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("another file")));
        location = (await StartAsync(demo, iso.Length, "tiny.iso", sha256: wrong)).Headers.Location!.ToString();
        var damaged = await PatchAsync(demo, location, 0, iso);
        Assert.Equal(HttpStatusCode.BadRequest, damaged.StatusCode);
        Assert.Contains(wrong, (await damaged.ProblemAsync()).GetProperty("errors").GetProperty("sha256")[0].GetString(), StringComparison.Ordinal);

        // More bytes than announced: refused, nothing kept.
        location = (await StartAsync(demo, iso.Length, "tiny.iso")).Headers.Location!.ToString();
        var longer = await PatchAsync(demo, location, 0, iso.Concat(new byte[4096]).ToArray());
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, longer.StatusCode);

        Assert.DoesNotContain(await demo.GetAsync<IsoImageView[]>("/api/v1/isos"), i => i.Owner == IsoOwners.Customer);
        Assert.Empty(Directory.GetFiles(LibraryDirectory));
        Assert.Equal(0, await _portal.DbAsync(db => db.Set<IsoImage>().CountAsync(i => i.CustomerId != null)));
    }

    [Fact]
    public async Task A_cloud_image_is_taken_as_a_disk_image_and_a_qcow2_that_would_open_other_files_is_refused()
    {
        var demo = _portal.Demo();

        // A self-contained qcow2: in the library as a cloud image with its virtual size, offered for new disks only.
        var image = TestQcow2.Build(virtualBytes: 12L << 30);
        var location = (await StartAsync(demo, image.Length, "debian-12-genericcloud-amd64.qcow2")).Headers.Location!.ToString();
        var done = await PatchAsync(demo, location, 0, image);
        Assert.True(done.StatusCode == HttpStatusCode.NoContent, await done.Content.ReadAsStringAsync());
        var listed = Assert.Single(await demo.GetAsync<IsoImageView[]>("/api/v1/isos"), i => i.Owner == IsoOwners.Customer);
        Assert.Equal((IsoImageFormats.Qcow2, 12L << 30), (listed.Format, listed.VirtualSizeBytes));

        // Booting it as a CD-ROM, or a disk smaller than it, is refused on the field; a big enough disk is made from it.
        var asIso = await demo.PostAsJsonAsync("/api/v1/vms", new { name = "wrong-drive", vcpus = 1, memoryGiB = 1, diskGiB = 20, isoName = listed.Name });
        await RefusedAsync(asIso, HttpStatusCode.BadRequest, "isoName");
        var small = await demo.PostAsJsonAsync("/api/v1/vms", new { name = "too-small", vcpus = 1, memoryGiB = 1, diskGiB = 10, imageName = listed.Name });
        await RefusedAsync(small, HttpStatusCode.BadRequest, "diskGiB");
        Assert.Contains("12 GiB", (await small.ProblemAsync()).GetProperty("errors").GetProperty("diskGiB")[0].GetString(), StringComparison.Ordinal);
        var isoAsImage = await demo.PostAsJsonAsync("/api/v1/vms", new { name = "wrong-image", vcpus = 1, memoryGiB = 1, diskGiB = 20, imageName = "debian-12.8.0-amd64-netinst" });
        await RefusedAsync(isoAsImage, HttpStatusCode.BadRequest, "imageName");
        // Another customer's disk cannot be made from it: the image is not theirs to see.
        var foreign = await _portal.Other().PostAsJsonAsync("/api/v1/vms", new { name = "stolen", vcpus = 1, memoryGiB = 1, diskGiB = 20, imageName = listed.Name });
        await RefusedAsync(foreign, HttpStatusCode.BadRequest, "imageName");
        var made = await demo.PostAsJsonAsync("/api/v1/vms", new { name = "from-cloud", vcpus = 1, memoryGiB = 1, diskGiB = 20, imageName = listed.Name, isoName = (string?)null });
        Assert.True(made.StatusCode == HttpStatusCode.Accepted, await made.Content.ReadAsStringAsync());
        Assert.Equal(JobStatuses.Completed, (await demo.WaitForJobAsync((await made.Content.ReadFromJsonAsync<JobAccepted>(Api.Json))!.JobId, TimeSpan.FromSeconds(30))).Status);

        // While a VM's disk is still being made from it (its create job queued: the VM is pending and its rack server
        // has no domain for it yet, so the server's reports leave it pending), the image cannot be deleted.
        var queued = await QueuedCopyAsync("from-cloud", "from-cloud-queued");
        var held = await demo.DeleteAsync($"/api/v1/isos/{listed.Name}");
        Assert.Equal(HttpStatusCode.Conflict, held.StatusCode);
        Assert.Contains("from-cloud-queued", (await held.ProblemAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        await _portal.DbAsync(db => db.Set<VirtualMachine>().IgnoreQueryFilters().Where(v => v.Id == queued).ExecuteDeleteAsync());

        // Hostile or unreadable images: refused with the first bytes, nothing kept.
        foreach (var (name, hostile, reason) in new[]
        {
            ("backing.qcow2", TestQcow2.Build(1L << 30, backingFileOffset: 512), "backing file"),
            ("external.qcow2", TestQcow2.Build(1L << 30, incompatibleFeatures: 1UL << 2), "external file"),
            ("encrypted.qcow2", TestQcow2.Build(1L << 30, cryptMethod: 2), "encrypted"),
            ("huge.qcow2", TestQcow2.Build(4096L << 30), "virtual size"),
            ("version9.qcow2", TestQcow2.Build(1L << 30, version: 9), "version"),
        })
        {
            location = (await StartAsync(demo, hostile.Length, name)).Headers.Location!.ToString();
            var refused = await PatchAsync(demo, location, 0, hostile.AsMemory(0, 64 * 1024));
            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, name);
            Assert.Contains(reason, (await refused.ProblemAsync()).GetProperty("errors").GetProperty("file")[0].GetString(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.NotFound, (await demo.SendAsync(Tus(HttpMethod.Head, location))).StatusCode);
        }

        Assert.Equal([listed.Name], (await demo.GetAsync<IsoImageView[]>("/api/v1/isos")).Where(i => i.Owner == IsoOwners.Customer).Select(i => i.Name));
        Assert.Single(Directory.GetFiles(LibraryDirectory));
    }

    [Fact]
    public async Task An_appliance_disk_as_vmdk_or_raw_is_taken_and_one_that_names_other_files_is_refused()
    {
        var demo = _portal.Demo();
        var raw = new byte[128 * 1024];
        raw[510] = 0x55;
        raw[511] = 0xAA;
        foreach (var (name, good, format, virtualBytes) in new[]
        {
            ("appliance-disk1.vmdk", TestVmdk.Build(createType: "streamOptimized", extents: ["RW 41943040 SPARSE \"appliance-disk1.vmdk\""]), IsoImageFormats.Vmdk, 20L << 30),
            ("disk.img", raw, IsoImageFormats.Raw, raw.Length),
        })
        {
            var location = (await StartAsync(demo, good.Length, name)).Headers.Location!.ToString();
            var done = await PatchAsync(demo, location, 0, good);
            Assert.True(done.StatusCode == HttpStatusCode.NoContent, await done.Content.ReadAsStringAsync());
            var listed = Assert.Single(await demo.GetAsync<IsoImageView[]>("/api/v1/isos"), i => i.Title == Path.GetFileNameWithoutExtension(name) || i.Name.StartsWith(Path.GetFileNameWithoutExtension(name), StringComparison.Ordinal));
            Assert.Equal((format, (long?)virtualBytes), (listed.Format, listed.VirtualSizeBytes));
            Assert.Equal(HttpStatusCode.NoContent, (await demo.DeleteAsync($"/api/v1/isos/{listed.Name}")).StatusCode);
        }

        var qedInRawClothing = (byte[])raw.Clone();
        "QED\0"u8.CopyTo(qedInRawClothing);
        foreach (var (name, hostile, reason) in new[]
        {
            ("shadow.vmdk", TestVmdk.Build(createType: "twoGbMaxExtentSparse", extents: ["RW 4192256 SPARSE \"/etc/shadow\"", "RW 4192256 SPARSE \"/etc/passwd\""]), "twoGbMaxExtentSparse"),
            ("flat.vmdk", TestVmdk.Build(createType: "monolithicSparse", extents: ["RW 4192256 FLAT \"/etc/shadow\" 0"]), "extent"),
            ("two.vmdk", TestVmdk.Build(createType: "monolithicSparse", extents: ["RW 4192256 SPARSE \"a.vmdk\"", "RW 4192256 SPARSE \"/dev/sda\""]), "2 extents"),
            ("child.vmdk", TestVmdk.Build(createType: "monolithicSparse", extents: ["RW 4192256 SPARSE \"child.vmdk\""], parent: "parentCID=1234abcd\nparentFileNameHint=\"/etc/shadow\""), "parent"),
            ("far.vmdk", TestVmdk.Build(createType: "monolithicSparse", extents: ["RW 4192256 SPARSE \"far.vmdk\""], descriptorSector: 200), "embedded descriptor"),
            ("qed.img", qedInRawClothing, "another disk format"),
        })
        {
            var location = (await StartAsync(demo, hostile.Length, name)).Headers.Location!.ToString();
            var refused = await PatchAsync(demo, location, 0, hostile.AsMemory(0, 64 * 1024));
            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, name);
            Assert.Contains(reason, (await refused.ProblemAsync()).GetProperty("errors").GetProperty("file")[0].GetString(), StringComparison.Ordinal);
        }

        Assert.DoesNotContain(await demo.GetAsync<IsoImageView[]>("/api/v1/isos"), i => i.Owner == IsoOwners.Customer);
        Assert.Empty(Directory.GetFiles(LibraryDirectory));
    }

    [Fact]
    public async Task An_ova_becomes_its_disk_with_the_hardware_its_descriptor_asks_for_and_a_hostile_archive_is_refused()
    {
        var demo = _portal.Demo();
        var disk = TestVmdk.Build(createType: "streamOptimized", extents: ["RW 41943040 SPARSE \"disk1.vmdk\""]);
        var ova = TestOva.Build(("appliance.ovf", Encoding.UTF8.GetBytes(TestOva.Descriptor(cpus: 2, memoryMiB: 3000, nics: 1, diskHref: "disk1.vmdk"))), ("disk1.vmdk", disk));
        var location = (await StartAsync(demo, ova.Length, "router-appliance.ova")).Headers.Location!.ToString();
        var done = await PatchAsync(demo, location, 0, ova);
        Assert.True(done.StatusCode == HttpStatusCode.NoContent, await done.Content.ReadAsStringAsync());
        var image = Assert.Single(await demo.GetAsync<IsoImageView[]>("/api/v1/isos"), i => i.Owner == IsoOwners.Customer);
        Assert.Equal((IsoImageFormats.Vmdk, (long?)(20L << 30), (int?)2, (long?)3000), (image.Format, image.VirtualSizeBytes, image.ApplianceVCpus, image.ApplianceMemoryMiB));
        var file = Assert.Single(Directory.GetFiles(LibraryDirectory));
        Assert.EndsWith(".vmdk", file, StringComparison.Ordinal);
        Assert.Equal(disk, await File.ReadAllBytesAsync(file));

        // Created with a name only: the appliance's hardware (3000 MiB rounded up to 3 GiB) and its disk's size.
        var made = await demo.PostAsJsonAsync("/api/v1/vms", new { name = "router", imageName = image.Name });
        Assert.True(made.StatusCode == HttpStatusCode.Accepted, await made.Content.ReadAsStringAsync());
        var vm = await demo.GetAsync<VmView>($"/api/v1/vms/{(await made.Content.ReadFromJsonAsync<JobAccepted>(Api.Json))!.VmId}");
        Assert.Equal((2, 3, 20), (vm.VCpus, vm.MemoryGiB, vm.DiskGiB));

        var xxe = "<?xml version=\"1.0\"?><!DOCTYPE Envelope [<!ENTITY secret SYSTEM \"file:///etc/shadow\">]>" + TestOva.Descriptor(1, 512, 1, "disk1.vmdk").Replace("<?xml version=\"1.0\"?>", "", StringComparison.Ordinal).Replace("Virtual CPUs", "&secret;", StringComparison.Ordinal);
        foreach (var (name, hostile, reason) in new[]
        {
            ("traversal.ova", TestOva.Build(("appliance.ovf", Encoding.UTF8.GetBytes(TestOva.Descriptor(1, 512, 1, "../../etc/cron.d/x"))), ("../../etc/cron.d/x", disk)), "path"),
            ("link.ova", TestOva.Build(("appliance.ovf", Encoding.UTF8.GetBytes(TestOva.Descriptor(1, 512, 1, "disk1.vmdk")), '0', ""), ("disk1.vmdk", Array.Empty<byte>(), '2', "/etc/shadow"), ("notes.txt", new byte[64 * 1024], '0', "")), "not a plain file"),
            ("xxe.ova", TestOva.Build(("appliance.ovf", Encoding.UTF8.GetBytes(xxe)), ("disk1.vmdk", disk)), "DTD"),
            ("missing.ova", TestOva.Build(("appliance.ovf", Encoding.UTF8.GetBytes(TestOva.Descriptor(1, 512, 1, "disk2.vmdk"))), ("disk1.vmdk", disk)), "not in the archive"),
            ("parent.ova", TestOva.Build(("appliance.ovf", Encoding.UTF8.GetBytes(TestOva.Descriptor(1, 512, 1, "disk1.vmdk"))), ("disk1.vmdk", TestVmdk.Build("monolithicSparse", ["RW 4192256 SPARSE \"disk1.vmdk\""], parent: "parentFileNameHint=\"/etc/shadow\""))), "parent"),
            ("diskfirst.ova", TestOva.Build(("disk1.vmdk", disk), ("appliance.ovf", Encoding.UTF8.GetBytes(TestOva.Descriptor(1, 512, 1, "disk1.vmdk")))), "OVF descriptor"),
        })
        {
            var started = await StartAsync(demo, hostile.Length, name);
            Assert.True(started.StatusCode == HttpStatusCode.Created, $"{name}: {await started.Content.ReadAsStringAsync()}");
            location = started.Headers.Location!.ToString();
            var refused = await PatchAsync(demo, location, 0, hostile);
            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, $"{name}: {(int)refused.StatusCode}");
            Assert.Contains(reason, (await refused.ProblemAsync()).GetProperty("errors").GetProperty("file")[0].GetString(), StringComparison.Ordinal);
        }

        Assert.Equal([image.Name], (await demo.GetAsync<IsoImageView[]>("/api/v1/isos")).Where(i => i.Owner == IsoOwners.Customer).Select(i => i.Name));
        Assert.Single(Directory.GetFiles(LibraryDirectory));
    }

    [Fact]
    public async Task A_vmware_virtual_machine_packed_as_tar_becomes_its_disk_with_its_vmx_hardware_and_a_hostile_one_is_refused()
    {
        var demo = _portal.Demo();
        var disk = TestVmdk.Build(createType: "monolithicSparse", extents: ["RW 20971520 SPARSE \"web-1.vmdk\""], capacitySectors: 20971520);
        static byte[] Vmx(string body) => Encoding.UTF8.GetBytes(".encoding = \"UTF-8\"\nconfig.version = \"8\"\nvirtualHW.version = \"19\"\n" + body);
        var vmx = Vmx("""
            displayName = "web-1"
            numvcpus = "2"
            memsize = "4096"
            scsi0.present = "TRUE"
            scsi0:0.present = "TRUE"
            scsi0:0.fileName = "web-1.vmdk"
            sata0:1.present = "TRUE"
            sata0:1.deviceType = "cdrom-image"
            sata0:1.fileName = "/vmfs/volumes/iso/debian.iso"
            ethernet0.present = "TRUE"
            ethernet0.virtualDev = "vmxnet3"
            """);

        // As "tar cf web-1.tar -C web-1 ." packs the folder: its entry ./ first, then ./name for each file, the disk before the .vmx.
        var tar = TestOva.Build([(".", Array.Empty<byte>(), '5', ""), ("./web-1.nvram", new byte[900], '0', ""), ("./web-1.vmdk", disk, '0', ""), ("./web-1.vmx", vmx, '0', "")]);
        var location = (await StartAsync(demo, tar.Length, "web-1.tar")).Headers.Location!.ToString();
        var done = await PatchAsync(demo, location, 0, tar);
        Assert.True(done.StatusCode == HttpStatusCode.NoContent, await done.Content.ReadAsStringAsync());
        var image = Assert.Single(await demo.GetAsync<IsoImageView[]>("/api/v1/isos"), i => i.Owner == IsoOwners.Customer);
        Assert.Equal((IsoImageFormats.Vmdk, (long?)(10L << 30), (int?)2, (long?)4096), (image.Format, image.VirtualSizeBytes, image.ApplianceVCpus, image.ApplianceMemoryMiB));
        Assert.Equal(disk, await File.ReadAllBytesAsync(Assert.Single(Directory.GetFiles(LibraryDirectory))));

        var made = await demo.PostAsJsonAsync("/api/v1/vms", new { name = "web-1", imageName = image.Name });
        Assert.True(made.StatusCode == HttpStatusCode.Accepted, await made.Content.ReadAsStringAsync());
        var vm = await demo.GetAsync<VmView>($"/api/v1/vms/{(await made.Content.ReadFromJsonAsync<JobAccepted>(Api.Json))!.VmId}");
        Assert.Equal((2, 4, 10), (vm.VCpus, vm.MemoryGiB, vm.DiskGiB));

        const string Base = "memsize = \"1024\"\nscsi0:0.present = \"TRUE\"\n";
        foreach (var (name, hostile, reason) in new[]
        {
            ("shadow.tar", TestOva.Build(("vm.vmx", Vmx(Base + "scsi0:0.fileName = \"/etc/shadow\"\n")), ("vm.vmdk", disk)), "is a path"),
            ("up.tar", TestOva.Build(("vm.vmx", Vmx(Base + "scsi0:0.fileName = \"../vm.vmdk\"\n")), ("vm.vmdk", disk)), "is a path"),
            ("missing.tar", TestOva.Build(("vm.vmx", Vmx(Base + "scsi0:0.fileName = \"other.vmdk\"\n")), ("vm.vmdk", disk)), "not in the archive"),
            ("two.tar", TestOva.Build(("vm.vmx", Vmx(Base + "scsi0:0.fileName = \"vm.vmdk\"\nscsi0:1.present = \"TRUE\"\nscsi0:1.fileName = \"vm2.vmdk\"\n")), ("vm.vmdk", disk), ("vm2.vmdk", disk)), "2 hard disks"),
            ("nomemory.tar", TestOva.Build(("vm.vmx", Vmx("scsi0:0.present = \"TRUE\"\nscsi0:0.fileName = \"vm.vmdk\"\n")), ("vm.vmdk", disk)), "no memory"),
            ("split.tar", TestOva.Build(("vm.vmx", Vmx(Base + "scsi0:0.fileName = \"vm.vmdk\"\n")), ("vm.vmdk", Encoding.ASCII.GetBytes("# Disk DescriptorFile\nversion=1\ncreateType=\"monolithicFlat\"\nRW 2048 FLAT \"/etc/shadow\" 0\n")), ("vm.nvram", new byte[40 * 1024])), "extent"),
            ("twovmx.tar", TestOva.Build(("a.vmx", Vmx(Base)), ("b.vmx", Vmx(Base)), ("vm.vmdk", disk)), "2 .vmx files"),
            ("nested.tar", TestOva.Build(("vm/vm.vmx", Vmx(Base + "scsi0:0.fileName = \"vm.vmdk\"\n")), ("vm/vm.vmdk", disk)), "path"),
            ("garbage.tar", TestOva.Build(("vm.vmx", Vmx(Base + "scsi0:0.fileName = \"vm.vmdk\"\n<script>\n")), ("vm.vmdk", disk)), "not key"),
            ("plain.tar", TestOva.Build(("notes.txt", new byte[4096]), ("vm.vmdk", disk)), "neither an OVA"),
        })
        {
            var started = await StartAsync(demo, hostile.Length, name);
            Assert.True(started.StatusCode == HttpStatusCode.Created, $"{name}: {await started.Content.ReadAsStringAsync()}");
            var refused = await PatchAsync(demo, started.Headers.Location!.ToString(), 0, hostile);
            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, $"{name}: {(int)refused.StatusCode}");
            var detail = (await refused.ProblemAsync()).GetProperty("errors").GetProperty("file")[0].GetString();
            Assert.True(detail!.Contains(reason, StringComparison.Ordinal), $"{name}: {detail}");
        }

        Assert.Single(Directory.GetFiles(LibraryDirectory));
    }

    [Fact]
    public async Task Uploads_outside_the_protocol_the_size_limit_or_the_quota_are_refused_with_the_field_and_reason()
    {
        var demo = _portal.Demo();

        var noVersion = new HttpRequestMessage(HttpMethod.Post, "/api/v1/isos/uploads");
        noVersion.Headers.Add("Upload-Length", "65536");
        var precondition = await demo.SendAsync(noVersion);
        Assert.Equal(HttpStatusCode.PreconditionFailed, precondition.StatusCode);
        Assert.Equal("1.0.0", Header(precondition, "Tus-Version"));

        await RefusedAsync(await StartAsync(demo, MaxImage + 1, "big.iso"), HttpStatusCode.RequestEntityTooLarge, "uploadLength");
        await RefusedAsync(await StartAsync(demo, 1024, "small.iso"), HttpStatusCode.BadRequest, "uploadLength");
        await RefusedAsync(await StartAsync(demo, null, "deferred.iso"), HttpStatusCode.BadRequest, "uploadLength");
        await RefusedAsync(await StartAsync(demo, 65536, null), HttpStatusCode.BadRequest, "filename");
        await RefusedAsync(await StartAsync(demo, 65536, "a\u0007b.iso"), HttpStatusCode.BadRequest, "filename");
        await RefusedAsync(await StartAsync(demo, 65536, new string('a', 300) + ".iso"), HttpStatusCode.BadRequest, "filename");
        await RefusedAsync(await StartAsync(demo, 65536, "x.iso", sha256: "abc"), HttpStatusCode.BadRequest, "sha256");
        await RefusedAsync(await StartAsync(demo, 65536, "x.iso", sha256: new string('a', 64) + "\n"), HttpStatusCode.BadRequest, "sha256");
        var badMetadata = Tus(HttpMethod.Post, "/api/v1/isos/uploads");
        badMetadata.Headers.Add("Upload-Length", "65536");
        badMetadata.Headers.Add("Upload-Metadata", "filename !!notbase64!!");
        await RefusedAsync(await demo.SendAsync(badMetadata), HttpStatusCode.BadRequest, "uploadMetadata");

        // Two uploads may use the whole quota, a third is refused before a byte is sent.
        var first = (await StartAsync(demo, MaxImage, "one.iso")).Headers.Location!.ToString();
        Assert.Equal(HttpStatusCode.Created, (await StartAsync(demo, MaxImage, "two.iso")).StatusCode);
        var quota = await StartAsync(demo, 40 * 1024, "three.iso");
        await RefusedAsync(quota, HttpStatusCode.RequestEntityTooLarge, "uploadLength");

        // Cancelling frees the space and removes what arrived.
        Assert.Equal(HttpStatusCode.NoContent, (await PatchAsync(demo, first, 0, TestIso.Build((int)MaxImage).AsMemory(0, 40_000))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await demo.SendAsync(Tus(HttpMethod.Delete, first))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await demo.SendAsync(Tus(HttpMethod.Head, first))).StatusCode);
        Assert.Single(Directory.GetFiles(LibraryDirectory));
        Assert.Equal(HttpStatusCode.Created, (await StartAsync(demo, 40 * 1024, "three.iso")).StatusCode);

        // Bytes of another content type, or without an offset.
        var location = (await StartAsync(_portal.Other(), 65536, "x.iso")).Headers.Location!.ToString();
        var json = Tus(HttpMethod.Patch, location);
        json.Headers.Add("Upload-Offset", "0");
        json.Content = JsonContent.Create(new { data = "x" });
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await _portal.Other().SendAsync(json)).StatusCode);
        var noOffset = Tus(HttpMethod.Patch, location);
        noOffset.Content = new ByteArrayContent(new byte[10]) { Headers = { ContentType = new MediaTypeHeaderValue("application/offset+octet-stream") } };
        await RefusedAsync(await _portal.Other().SendAsync(noOffset), HttpStatusCode.BadRequest, "uploadOffset");
    }

    [Fact]
    public async Task Another_customer_can_neither_resume_see_boot_nor_delete_an_upload_and_only_administrators_upload()
    {
        var demo = _portal.Demo();
        var other = _portal.Other();
        var iso = TestIso.Build(100 * 1024);
        var location = (await StartAsync(demo, iso.Length, "private.iso")).Headers.Location!.ToString();
        Assert.Equal(HttpStatusCode.NotFound, (await other.SendAsync(Tus(HttpMethod.Head, location))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await PatchAsync(other, location, 0, iso)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.SendAsync(Tus(HttpMethod.Delete, location))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _portal.ApiClient("operator", "operator-pass-1").SendAsync(Tus(HttpMethod.Head, location))).StatusCode);

        var done = await PatchAsync(demo, location, 0, iso);
        Assert.Equal(HttpStatusCode.NoContent, done.StatusCode);
        var name = Header(done, "X-Iso-Name");
        Assert.DoesNotContain(await other.GetAsync<IsoImageView[]>("/api/v1/isos"), i => i.Name == name);
        var boot = await other.PostAsJsonAsync("/api/v1/vms", new { name = "thief", vCpus = 1, memoryGiB = 1, diskGiB = 10, isoName = name });
        Assert.Equal(HttpStatusCode.BadRequest, boot.StatusCode);
        Assert.True((await boot.ProblemAsync()).GetProperty("errors").TryGetProperty("isoName", out _));
        Assert.DoesNotContain(name, await (await PageAsync("other", "other-pass-1", "localhost")).Client.GetStringAsync("/isos"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await other.DeleteAsync($"/api/v1/isos/{name}")).StatusCode);

        // The provider sees it (whose it is); a customer user, a reseller's staff and a read token may not upload.
        Assert.Contains(await _portal.ApiClient("operator", "operator-pass-1").GetAsync<IsoImageView[]>("/api/v1/isos"), i => i.Name == name && i.Owner == IsoOwners.Customer);
        var geselle = _portal.ApiClient("geselle", "geselle-pass-1");
        geselle.BaseAddress = new Uri("http://kamp.localhost");
        Assert.Equal(HttpStatusCode.Forbidden, (await StartAsync(geselle, 65536, "x.iso")).StatusCode);
        var reseller = _portal.ApiClient("kamp-admin", "kamp-admin-pass-1");
        reseller.BaseAddress = new Uri("http://kamp.localhost");
        Assert.Equal(HttpStatusCode.Forbidden, (await StartAsync(reseller, 65536, "x.iso")).StatusCode);
        var token = await demo.PostAsJsonAsync("/api/v1/tokens", new { name = "read only", scopes = new[] { "read" }, expiresInDays = 1 });
        var reader = _portal.CreateClient();
        reader.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await token.Content.ReadFromJsonAsync<CreatedApiToken>(Api.Json))!.Token);
        Assert.Equal(HttpStatusCode.Forbidden, (await StartAsync(reader, 65536, "x.iso")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.DeleteAsync($"/api/v1/isos/{name}")).StatusCode);

        // The owner deletes it: gone from the list and the disk.
        Assert.Equal(HttpStatusCode.NoContent, (await demo.DeleteAsync($"/api/v1/isos/{name}")).StatusCode);
        Assert.DoesNotContain(await demo.GetAsync<IsoImageView[]>("/api/v1/isos"), i => i.Name == name);
        Assert.Empty(Directory.GetFiles(LibraryDirectory));
    }

    [Fact]
    public async Task The_providers_upload_goes_into_the_library_every_customer_boots_from_and_only_the_provider_removes()
    {
        var provider = _portal.ApiClient("operator", "operator-pass-1");
        var iso = TestIso.Build(120 * 1024, udf: true);
        var location = (await StartAsync(provider, iso.Length, "rescue-udf.iso", title: "Rescue system (UDF)")).Headers.Location!.ToString();
        var done = await PatchAsync(provider, location, 0, iso);
        Assert.Equal(HttpStatusCode.NoContent, done.StatusCode);
        var name = Header(done, "X-Iso-Name");

        foreach (var customer in new[] { _portal.Demo(), _portal.Other() })
        {
            var seen = Assert.Single(await customer.GetAsync<IsoImageView[]>("/api/v1/isos"), i => i.Name == name);
            Assert.Equal(IsoOwners.Library, seen.Owner);
            Assert.Equal("Rescue system (UDF)", seen.Title);
            Assert.False(seen.Deletable);
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await _portal.Demo().DeleteAsync($"/api/v1/isos/{name}")).StatusCode);
        var registered = (await provider.GetAsync<IsoImageView[]>("/api/v1/isos")).First(i => i.Sha256 is null);
        Assert.Equal(HttpStatusCode.Conflict, (await provider.DeleteAsync($"/api/v1/isos/{registered.Name}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await provider.DeleteAsync($"/api/v1/isos/{name}")).StatusCode);
    }

    /// <summary>A pending copy of <paramref name="vmName"/> under another name and id, as a VM whose create job has not run yet.</summary>
    private Task<Guid> QueuedCopyAsync(string vmName, string copyName) =>
        _portal.DbAsync(async db =>
        {
            var vm = await db.Set<VirtualMachine>().IgnoreQueryFilters().AsNoTracking().SingleAsync(v => v.Name == vmName);
            var copy = new VirtualMachine
            {
                Id = Guid.NewGuid(),
                ResellerId = vm.ResellerId,
                CustomerId = vm.CustomerId,
                Name = copyName,
                VCpus = vm.VCpus,
                MemoryGiB = vm.MemoryGiB,
                DiskGiB = vm.DiskGiB,
                ImageName = vm.ImageName,
                NodeName = vm.NodeName,
                MacAddress = vm.MacAddress,
                State = VmStates.Pending,
                CreatedAt = vm.CreatedAt,
                StateChangedAt = vm.StateChangedAt,
                CreatedBy = vm.CreatedBy,
            };
            db.Add(copy);
            await db.SaveChangesAsync();
            return copy.Id;
        });

    private async Task<PortalSession> PageAsync(string user, string password, string host)
    {
        var session = _portal.Session(host);
        Assert.NotNull(await session.SignInAsync(user, password));
        return session;
    }

    private static HttpRequestMessage Tus(HttpMethod method, string url)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.Add("Tus-Resumable", "1.0.0");
        return request;
    }

    private static Task<HttpResponseMessage> StartAsync(HttpClient client, long? length, string? fileName, string? sha256 = null, string? title = null)
    {
        var request = Tus(HttpMethod.Post, "/api/v1/isos/uploads");
        if (length is { } l)
        {
            request.Headers.Add("Upload-Length", l.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var metadata = new List<string>();
        void Add(string key, string? value)
        {
            if (value is not null)
            {
                metadata.Add($"{key} {Convert.ToBase64String(Encoding.UTF8.GetBytes(value))}");
            }
        }

        Add("filename", fileName);
        Add("sha256", sha256);
        Add("title", title);
        request.Headers.Add("Upload-Metadata", string.Join(",", metadata));
        return client.SendAsync(request);
    }

    private static Task<HttpResponseMessage> PatchAsync(HttpClient client, string location, long offset, ReadOnlyMemory<byte> bytes)
    {
        var request = Tus(HttpMethod.Patch, location);
        request.Headers.Add("Upload-Offset", offset.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Content = new ByteArrayContent(bytes.ToArray()) { Headers = { ContentType = new MediaTypeHeaderValue("application/offset+octet-stream") } };
        return client.SendAsync(request);
    }

    private static async Task RefusedAsync(HttpResponseMessage response, HttpStatusCode status, string field)
    {
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var problem = await response.ProblemAsync();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out var reasons), problem.ToString());
        Assert.False(string.IsNullOrWhiteSpace(reasons[0].GetString()));
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values)
        : response.Content.Headers.TryGetValues(name, out var content) ? string.Join(",", content)
        : throw new Xunit.Sdk.XunitException($"The answer ({(int)response.StatusCode}) has no {name} header.");
}

/// <summary>Minimal images the ISO check accepts: ISO 9660 (a primary volume descriptor) or UDF (BEA01, NSR02, TEA01).</summary>
public static class TestIso
{
    public static byte[] Build(int size, bool udf = false)
    {
        var image = new byte[size];
        void Descriptor(int sector, byte type, string id)
        {
            var at = sector * 2048;
            image[at] = type;
            Encoding.ASCII.GetBytes(id).CopyTo(image, at + 1);
            image[at + 6] = 1;
        }

        if (udf)
        {
            Descriptor(16, 0, "BEA01");
            Descriptor(17, 0, "NSR02");
            Descriptor(18, 0, "TEA01");
        }
        else
        {
            Descriptor(16, 1, "CD001");
            Encoding.ASCII.GetBytes("TINY").CopyTo(image, (16 * 2048) + 40);
            Descriptor(17, 255, "CD001");
        }

        for (var i = 19 * 2048; i < size; i++)
        {
            image[i] = (byte)(i * 7);
        }

        return image;
    }
}

/// <summary>A qcow2 header (QEMU's qcow2.txt) with the fields the library checks, padded to a file of the length given.</summary>
public static class TestQcow2
{
    public static byte[] Build(long virtualBytes, ulong backingFileOffset = 0, uint cryptMethod = 0, ulong incompatibleFeatures = 0, uint version = 3, int length = 256 * 1024)
    {
        var file = new byte[length];
        var header = file.AsSpan();
        "QFI"u8.CopyTo(header);
        header[3] = 0xFB;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(header[4..], version);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(header[8..], backingFileOffset);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(header[16..], backingFileOffset == 0 ? 0u : 20u);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(header[20..], 16);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(header[24..], (ulong)virtualBytes);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(header[32..], cryptMethod);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(header[72..], incompatibleFeatures);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(header[96..], 4);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(header[100..], 104);
        if (backingFileOffset != 0)
        {
            "/etc/shadow/////////"u8.CopyTo(header[(int)backingFileOffset..]);
        }

        return file;
    }
}

/// <summary>A VMware sparse disk header ("KDMV") with an embedded descriptor, as VMware's Virtual Disk Format 5.0 lays it out.</summary>
public static class TestVmdk
{
    public static byte[] Build(string createType, string[] extents, string parent = "parentCID=ffffffff", int descriptorSector = 1, long capacitySectors = 41943040, int length = 128 * 1024)
    {
        var file = new byte[length];
        var header = file.AsSpan();
        "KDMV"u8.CopyTo(header);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(header[4..], 3);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(header[12..], (ulong)capacitySectors);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(header[20..], 128);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(header[28..], (ulong)descriptorSector);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(header[36..], 20);
        var descriptor = $"# Disk DescriptorFile\nversion=1\nCID=fffffffe\n{parent}\ncreateType=\"{createType}\"\n\n# Extent description\n{string.Join("\n", extents)}\n\nddb.virtualHWVersion = \"4\"\n";
        if ((descriptorSector + 20) * 512 <= length)
        {
            Encoding.ASCII.GetBytes(descriptor).CopyTo(header[(descriptorSector * 512)..]);
        }

        return file;
    }
}

/// <summary>An OVA: a ustar archive of the members given (name, bytes, and optionally a type flag and link target).</summary>
public static class TestOva
{
    public static byte[] Build(params (string Name, byte[] Data)[] members) =>
        Build(members.Select(m => (m.Name, m.Data, '0', "")).ToArray());

    public static byte[] Build(params (string Name, byte[] Data, char Type, string Link)[] members)
    {
        using var tar = new MemoryStream();
        foreach (var (name, data, type, link) in members)
        {
            var header = new byte[512];
            Encoding.ASCII.GetBytes(name).CopyTo(header, 0);
            Encoding.ASCII.GetBytes("0000644\0").CopyTo(header, 100);
            Encoding.ASCII.GetBytes("0000000\0").CopyTo(header, 108);
            Encoding.ASCII.GetBytes("0000000\0").CopyTo(header, 116);
            Encoding.ASCII.GetBytes(Convert.ToString(data.Length, 8).PadLeft(11, '0') + "\0").CopyTo(header, 124);
            Encoding.ASCII.GetBytes("00000000000\0").CopyTo(header, 136);
            header[156] = (byte)type;
            Encoding.ASCII.GetBytes(link).CopyTo(header, 157);
            Encoding.ASCII.GetBytes("ustar\0" + "00").CopyTo(header, 257);
            Encoding.ASCII.GetBytes("        ").CopyTo(header, 148);
            var checksum = header.Sum(b => b);
            Encoding.ASCII.GetBytes(Convert.ToString(checksum, 8).PadLeft(6, '0') + "\0 ").CopyTo(header, 148);
            tar.Write(header);
            tar.Write(data);
            tar.Write(new byte[(512 - (data.Length % 512)) % 512]);
        }

        tar.Write(new byte[1024]);
        return tar.ToArray();
    }

    public static string Descriptor(int cpus, int memoryMiB, int nics, string diskHref) =>
        $"""
        <?xml version="1.0"?>
        <Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"
                  xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData">
          <References><File ovf:id="file1" ovf:href="{diskHref}"/></References>
          <DiskSection><Info>Virtual disks</Info><Disk ovf:diskId="vmdisk1" ovf:fileRef="file1" ovf:capacity="20" ovf:capacityAllocationUnits="byte * 2^30"/></DiskSection>
          <VirtualSystem ovf:id="appliance">
            <Info>An appliance</Info>
            <VirtualHardwareSection>
              <Info>Virtual hardware</Info>
              <Item><rasd:ElementName>Virtual CPUs</rasd:ElementName><rasd:InstanceID>1</rasd:InstanceID><rasd:ResourceType>3</rasd:ResourceType><rasd:VirtualQuantity>{cpus}</rasd:VirtualQuantity></Item>
              <Item><rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits><rasd:ElementName>Memory</rasd:ElementName><rasd:InstanceID>2</rasd:InstanceID><rasd:ResourceType>4</rasd:ResourceType><rasd:VirtualQuantity>{memoryMiB}</rasd:VirtualQuantity></Item>
              {string.Concat(Enumerable.Range(0, nics).Select(n => $"<Item><rasd:ElementName>NIC {n}</rasd:ElementName><rasd:InstanceID>{10 + n}</rasd:InstanceID><rasd:ResourceType>10</rasd:ResourceType></Item>"))}
              <Item><rasd:ElementName>Disk 1</rasd:ElementName><rasd:HostResource>ovf:/disk/vmdisk1</rasd:HostResource><rasd:InstanceID>20</rasd:InstanceID><rasd:ResourceType>17</rasd:ResourceType></Item>
            </VirtualHardwareSection>
          </VirtualSystem>
        </Envelope>
        """;
}
