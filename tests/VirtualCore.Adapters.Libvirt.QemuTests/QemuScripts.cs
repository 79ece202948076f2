using System.Diagnostics;
using VirtualCore.Plugins.Sdk;
using Xunit.Sdk;

namespace VirtualCore.Adapters.Libvirt.QemuTests;

/// <summary>What the QEMU fixtures share: the scripts under scripts/qemu, the test directory, the host checks.</summary>
internal static class QemuScripts
{
    internal static readonly string RepositoryRoot = FindRepositoryRoot();

    /// <summary>Holds the daemons' state and the cached guest: <c>VCORE_QEMU_TEST_DIR</c>, default /var/tmp/vcore-qemu-tests.</summary>
    internal static string TestDirectory { get; } =
        Environment.GetEnvironmentVariable("VCORE_QEMU_TEST_DIR") is { Length: > 0 } dir ? dir : "/var/tmp/vcore-qemu-tests";

    /// <summary>"qemu" (emulation, the default) or "kvm", from <c>VCORE_QEMU_DOMAIN_TYPE</c>.</summary>
    internal static string DomainType { get; } =
        Environment.GetEnvironmentVariable("VCORE_QEMU_DOMAIN_TYPE") is { Length: > 0 } type ? type : "qemu";

    internal static string GuestDirectory => Path.Combine(TestDirectory, "guest");

    internal static string SerialLogDirectory => Path.Combine(TestDirectory, "serial");

    /// <summary>Fails (never skips) where libvirtd and QEMU cannot work.</summary>
    internal static void RequireHost()
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

    /// <summary>Runs <paramref name="step"/> and reports how long it took.</summary>
    internal static async Task<T> TimeAsync<T>(IMessageSink diagnostics, string step, Func<Task<T>> action)
    {
        var watch = Stopwatch.StartNew();
        var result = await action();
        diagnostics.OnMessage(new DiagnosticMessage($"[qemu] {step}: {watch.Elapsed.TotalSeconds:F2} s"));
        return result;
    }

    internal static Task TimeAsync(IMessageSink diagnostics, string step, Func<Task> action) =>
        TimeAsync<object?>(diagnostics, step, async () =>
        {
            await action();
            return null;
        });

    /// <summary>Powers off and removes the domains a crashed run left (they carry <see cref="QemuNodeFixture.DomainPrefix"/>).</summary>
    internal static async Task RemoveLeftoverDomainsAsync(IHypervisorAdapter adapter, IMessageSink diagnostics)
    {
        foreach (var domain in await adapter.ListDomainsAsync(CancellationToken.None))
        {
            if (domain.Name.StartsWith(QemuNodeFixture.DomainPrefix, StringComparison.Ordinal))
            {
                await adapter.PowerOffDomainAsync(domain.Id, CancellationToken.None);
                await adapter.UndefineDomainAsync(domain.Id, CancellationToken.None);
                diagnostics.OnMessage(new DiagnosticMessage($"[qemu] removed leftover domain {domain.Name}"));
            }
        }
    }

    /// <summary>Runs scripts/qemu/<paramref name="script"/> and returns its standard output.</summary>
    internal static Task<string> RunAsync(string script, string argument, TimeSpan timeout) =>
        RunToolAsync("bash", [Path.Combine(RepositoryRoot, "scripts", "qemu", script), argument], timeout, " Are the packages there? Run scripts/qemu/install.sh.");

    /// <summary>The physical core per vCPU of a domain as libvirt at <paramref name="uri"/> has it: running, or defined for its next boot.</summary>
    internal static async Task<IReadOnlyList<int>> PinsAsync(string uri, Guid domainId, bool inactive)
    {
        var xml = await RunToolAsync("virsh", ["-q", "-c", uri, "dumpxml", .. inactive ? new[] { "--inactive" } : [], domainId.ToString()], TimeSpan.FromSeconds(30));
        return System.Xml.Linq.XElement.Parse(xml).Element("cputune")?.Elements("vcpupin")
            .OrderBy(p => (int)p.Attribute("vcpu")!)
            .Select(p => int.Parse((string)p.Attribute("cpuset")!, System.Globalization.CultureInfo.InvariantCulture))
            .ToArray() ?? [];
    }

    /// <summary>Runs <paramref name="tool"/> (virsh, qemu-img…) and returns its standard output; fails on a non-zero exit.</summary>
    internal static async Task<string> RunToolAsync(string tool, IReadOnlyList<string> arguments, TimeSpan timeout, string hint = "")
    {
        var start = new ProcessStartInfo(tool, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var command = $"{tool} {string.Join(' ', arguments)}";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {command}.");
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
            throw new TimeoutException($"{command} did not finish within {timeout.TotalSeconds:F0} s.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command} failed ({process.ExitCode}): {await errors}{await output}{hint}");
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

/// <summary>A rack server the tests define tiny guests on.</summary>
public interface IQemuNode
{
    string Name { get; }

    string Uri { get; }

    IHypervisorAdapter Adapter { get; }
}
