using System.Globalization;
using System.Text;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt.QemuTests;

/// <summary>
/// The switch-over pause of live migrations of the tiny guest with its disk copied, back and forth between the two
/// nodes, as the hypervisor records it for each job. A benchmark, not a timed test: it asserts that every round moves
/// the running guest and writes the pauses to <c>artifacts/benchmarks/migration-downtime.md</c>. CI runs 4 rounds;
/// <c>VCORE_MIGRATION_ROUNDS=40</c> gives a steadier p95.
/// </summary>
[Collection(QemuTwoNodeCollection.Name)]
public sealed class MigrationDowntimeBenchmark(QemuTwoNodeFixture nodes, ITestOutputHelper output)
{
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Migrations_back_and_forth_record_their_downtime()
    {
        var rounds = int.TryParse(Environment.GetEnvironmentVariable("VCORE_MIGRATION_ROUNDS"), CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 4;
        var spec = TinyGuest.SpecFor("downtime");
        var disk = await QemuTwoNodeFixture.CreateLocalDiskAsync(spec.Name + ".qcow2", 16L * 1024 * 1024);
        var guest = await TinyGuest.DefineAsync(nodes.First, spec with { Disks = [new DiskSpec(disk, 16L * 1024 * 1024)] });
        var results = new List<MigrationResult>();
        try
        {
            await nodes.First.Adapter.StartDomainAsync(guest.Id, CancellationToken.None);
            await guest.WaitForSerialAsync(TinyGuest.ReadyMarker, BootTimeout);
            var (from, to) = (nodes.First, nodes.Second);
            for (var i = 0; i < rounds; i++)
            {
                var result = await from.Adapter.MigrateDomainAsync(guest.Id, new MigrationTarget(to.Name, to.Uri) { CopyStorage = true }, null, CancellationToken.None);
                guest.Node = to;
                Assert.Equal(DomainState.Running, await to.Adapter.GetDomainStateAsync(guest.Id, CancellationToken.None));
                Assert.True(result.Downtime > TimeSpan.Zero, $"round {i + 1}: no downtime recorded");
                results.Add(result);
                output.WriteLine($"[qemu] round {i + 1}: {from.Name} → {to.Name}, downtime {result.Downtime.TotalMilliseconds:F0} ms, duration {result.Duration.TotalMilliseconds:F0} ms");
                (from, to) = (to, from);
            }
        }
        finally
        {
            await nodes.RemoveEverywhereAsync(guest);
            foreach (var path in QemuTwoNodeFixture.NodeDiskPaths(Path.GetFileName(disk)))
            {
                File.Delete(path);
            }
        }

        var downtimes = results.Select(r => r.Downtime.TotalMilliseconds).Order().ToArray();
        double At(double q) => downtimes[Math.Min(downtimes.Length - 1, (int)Math.Ceiling(q * downtimes.Length) - 1)];
        var table = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, QEMU under TCG, the tiny guest (64 MiB) with its 16 MiB disk copied, {rounds} live migrations back and forth.")
            .AppendLine()
            .AppendLine("| migrations | downtime p50 ms | p95 ms | max ms | duration p50 ms |")
            .AppendLine("| ---: | ---: | ---: | ---: | ---: |")
            .AppendLine(CultureInfo.InvariantCulture, $"| {rounds} | {At(0.5):F0} | {At(0.95):F0} | {downtimes[^1]:F0} | {results.Select(r => r.Duration.TotalMilliseconds).Order().ElementAt(results.Count / 2):F0} |");
        output.WriteLine(table.ToString());
        var folder = Path.Combine(QemuScripts.RepositoryRoot, "artifacts", "benchmarks");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "migration-downtime.md"), table.ToString());
    }
}
