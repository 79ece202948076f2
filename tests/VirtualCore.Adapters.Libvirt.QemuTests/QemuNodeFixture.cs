using System.Diagnostics;
using VirtualCore.Plugins.Sdk;
using Xunit.Sdk;

namespace VirtualCore.Adapters.Libvirt.QemuTests;

/// <summary>
/// A real rack server on this machine: libvirtd with the QEMU driver, started by scripts/qemu, and a tiny
/// busybox guest built once from Debian's cloud kernel. Refuses to run (failing every test, never skipping)
/// where libvirtd and QEMU cannot work.
/// </summary>
/// <remarks>
/// Environment: <c>VCORE_QEMU_TEST_DIR</c> (default /var/tmp/vcore-qemu-tests) holds the daemons' state and
/// the cached guest; <c>VCORE_QEMU_DOMAIN_TYPE</c> is "qemu" (emulation, the default) or "kvm".
/// </remarks>
public sealed class QemuNodeFixture : IAsyncLifetime
{
    /// <summary>Every domain these tests create has this prefix, so a later run can remove what a crashed one left.</summary>
    internal const string DomainPrefix = "vcore-qt-";

    private readonly IMessageSink diagnostics;
    private readonly string repositoryRoot = FindRepositoryRoot();
    private readonly string testDirectory =
        Environment.GetEnvironmentVariable("VCORE_QEMU_TEST_DIR") is { Length: > 0 } dir ? dir : "/var/tmp/vcore-qemu-tests";

    private LibvirtAdapter? adapter;
    private bool daemonsStarted;

    public QemuNodeFixture(IMessageSink diagnostics) => this.diagnostics = diagnostics;

    internal string DomainType { get; } =
        Environment.GetEnvironmentVariable("VCORE_QEMU_DOMAIN_TYPE") is { Length: > 0 } type ? type : "qemu";

    internal string GuestDirectory => Path.Combine(testDirectory, "guest");

    internal string SerialLogDirectory => Path.Combine(testDirectory, "serial");

    internal string Uri { get; private set; } = string.Empty;

    internal IHypervisorAdapter Adapter => adapter ?? throw new InvalidOperationException("The fixture did not start.");

    public async Task InitializeAsync()
    {
        RequireHost();
        Directory.CreateDirectory(SerialLogDirectory);

        await TimeAsync("build guest", () => RunScriptAsync("build-guest.sh", GuestDirectory, TimeSpan.FromMinutes(3)));
        daemonsStarted = true;
        Uri = (await TimeAsync("start libvirtd", () => RunScriptAsync("start-libvirtd.sh", Path.Combine(testDirectory, "libvirtd"), TimeSpan.FromSeconds(90))))
            .Trim().Split('\n')[^1];

        var factory = new LibvirtAdapterFactory();
        adapter = (LibvirtAdapter)factory.Create(new NodeConnectionOptions(
            "rack-qemu", Uri, new Dictionary<string, string> { [LibvirtAdapter.DomainTypeSetting] = DomainType }));
        await TimeAsync("connect", () => adapter.ConnectAsync(CancellationToken.None));
        await TimeAsync("remove leftovers", RemoveLeftoverDomainsAsync);
    }

    public async Task DisposeAsync()
    {
        if (adapter is not null)
        {
            await adapter.DisposeAsync();
        }

        // Destroys whatever still runs: a failed cleanup must not leave QEMU processes behind.
        if (daemonsStarted)
        {
            await TimeAsync("stop libvirtd", () => RunScriptAsync("stop-libvirtd.sh", Path.Combine(testDirectory, "libvirtd"), TimeSpan.FromSeconds(60)));
        }
    }

    /// <summary>Runs <paramref name="step"/> and reports how long it took.</summary>
    internal async Task<T> TimeAsync<T>(string step, Func<Task<T>> action)
    {
        var watch = Stopwatch.StartNew();
        var result = await action();
        diagnostics.OnMessage(new DiagnosticMessage($"[qemu] {step}: {watch.Elapsed.TotalSeconds:F2} s"));
        return result;
    }

    internal Task TimeAsync(string step, Func<Task> action) =>
        TimeAsync<object?>(step, async () =>
        {
            await action();
            return null;
        });

    private void RequireHost()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            throw new InvalidOperationException(
                "The QEMU tests need root: they run libvirtd in system mode and QEMU guests. Run them as root on a disposable machine.");
        }

        if (DomainType is not ("qemu" or "kvm"))
        {
            throw new InvalidOperationException($"VCORE_QEMU_DOMAIN_TYPE must be \"qemu\" or \"kvm\", not \"{DomainType}\".");
        }

        // Emulated ("qemu") guests need no hardware virtualisation; KVM guests do.
        if (DomainType == "kvm" && !File.Exists("/dev/kvm"))
        {
            throw new InvalidOperationException(
                "VCORE_QEMU_DOMAIN_TYPE=kvm needs /dev/kvm, which this machine lacks. Use \"qemu\" (emulation) or a host with KVM.");
        }
    }

    private async Task RemoveLeftoverDomainsAsync()
    {
        foreach (var domain in await Adapter.ListDomainsAsync(CancellationToken.None))
        {
            if (domain.Name.StartsWith(DomainPrefix, StringComparison.Ordinal))
            {
                await Adapter.PowerOffDomainAsync(domain.Id, CancellationToken.None);
                await Adapter.UndefineDomainAsync(domain.Id, CancellationToken.None);
                diagnostics.OnMessage(new DiagnosticMessage($"[qemu] removed leftover domain {domain.Name}"));
            }
        }
    }

    private async Task<string> RunScriptAsync(string script, string argument, TimeSpan timeout)
    {
        var path = Path.Combine(repositoryRoot, "scripts", "qemu", script);
        var start = new ProcessStartInfo("bash", [path, argument])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {path}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{script} {argument} did not finish within {timeout.TotalSeconds:F0} s.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{script} {argument} failed ({process.ExitCode}): {await errors}{await output}" +
                " Are the packages there? Run scripts/qemu/install.sh.");
        }

        return await output;
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "VirtualCore.Platform.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No VirtualCore.Platform.sln above {AppContext.BaseDirectory}.");
    }
}

[CollectionDefinition(Name)]
public sealed class QemuNodeCollection : ICollectionFixture<QemuNodeFixture>
{
    public const string Name = "QEMU node";
}
