using System.Diagnostics;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Qmp.Tests;

/// <summary>
/// A QMP rack server on this machine: a state directory for the adapter and the tiny busybox guest (Debian's cloud
/// kernel, built once by scripts/qemu/build-guest.sh, shared with the libvirt adapter's QEMU tests), run under TCG.
/// Removes what a crashed run left before the tests start.
/// </summary>
public sealed class QmpNode : IAsyncLifetime
{
    /// <summary>Where the guest is built and the node keeps its state: <c>VCORE_QEMU_TEST_DIR</c>, default /var/tmp/vcore-qemu-tests.</summary>
    internal static string TestDirectory { get; } =
        Environment.GetEnvironmentVariable("VCORE_QEMU_TEST_DIR") is { Length: > 0 } dir ? dir : "/var/tmp/vcore-qemu-tests";

    internal static string GuestDirectory => Path.Combine(TestDirectory, "guest");

    internal static string StateDirectory => Path.Combine(TestDirectory, "qmp-node");

    internal static string ImagesDirectory => Path.Combine(TestDirectory, "qmp-images");

    internal static DirectKernelBoot TinyGuest => new(Path.Combine(GuestDirectory, "vmlinuz"), Path.Combine(GuestDirectory, "initrd.img"), "console=ttyS0 quiet");

    internal static IHypervisorAdapter CreateAdapter() =>
        new QmpAdapterFactory().Create(new NodeConnectionOptions("qmp-1", "qmp://" + StateDirectory, new Dictionary<string, string>()));

    public async Task InitializeAsync()
    {
        var root = FindRepositoryRoot();
        var build = Process.Start(new ProcessStartInfo(Path.Combine(root, "scripts", "qemu", "build-guest.sh"), [GuestDirectory]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = build.StandardOutput.ReadToEndAsync();
        var errors = build.StandardError.ReadToEndAsync();
        await build.WaitForExitAsync();
        if (build.ExitCode != 0)
        {
            throw new InvalidOperationException($"The tiny guest could not be built: {await output}{await errors}");
        }

        // Domains a crashed run left behind: their QEMU stopped and their folders removed, through the adapter itself.
        Directory.CreateDirectory(StateDirectory);
        Directory.CreateDirectory(ImagesDirectory);
        await using var adapter = CreateAdapter();
        await adapter.ConnectAsync(CancellationToken.None);
        foreach (var domain in await adapter.ListDomainsAsync(CancellationToken.None))
        {
            await adapter.DeleteDomainAsync(domain.Id, deleteStorage: true, CancellationToken.None);
        }

        RemoveImages();
    }

    // Undefining keeps a domain's disks, as it should: the suite's undefined domains leave theirs here.
    public Task DisposeAsync()
    {
        RemoveImages();
        return Task.CompletedTask;
    }

    private static void RemoveImages()
    {
        foreach (var image in Directory.EnumerateFiles(ImagesDirectory))
        {
            File.Delete(image);
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "VirtualCore.Platform.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository root was not found above " + AppContext.BaseDirectory);
    }
}

[CollectionDefinition(Name)]
public sealed class QmpNodeCollection : ICollectionFixture<QmpNode>
{
    public const string Name = "QMP node";
}
