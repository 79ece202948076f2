using System.Net.Http.Headers;
using System.Text;
using VirtualCore.Modules.Compute.Contracts;

namespace VirtualCore.Topology.Tests;

/// <summary>
/// The embedded default killed hard (SIGKILL: no shutdown code runs, nothing is flushed on the way out) right after
/// its VMs' jobs completed: started again, every VM the portal had reported is on its simulated rack server in the
/// state reported. The rack servers keep their changes in journals beside their node files, not by rewriting the
/// files after every change.
/// </summary>
public sealed class EmbeddedCrashTests : IDisposable
{
    private const int Port = 5186;
    private static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(1);
    private readonly string _directory = Directory.CreateTempSubdirectory("vcore-crash-").FullName;
    private readonly HostProcess _portal;

    public EmbeddedCrashTests()
    {
        var data = Path.Combine(_directory, "data");
        Directory.CreateDirectory(data);
        _portal = new HostProcess(
            "embedded portal",
            TopologyFixture.HostAssembly("VirtualCore.Portal"),
            new Dictionary<string, string>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Embedded",
                ["Urls"] = $"http://127.0.0.1:{Port}",
                ["DataDirectory"] = data,
                ["DemoVms"] = "false",
                ["Logging__LogLevel__Default"] = "Warning",
            },
            Path.Combine(_directory, "portal.log"),
            Path.Combine(_directory, "portal.pid"));
    }

    private string NodesDirectory => Path.Combine(_directory, "data", "nodes");

    [Fact]
    public async Task A_portal_killed_after_its_jobs_completed_finds_every_VM_on_its_rack_server_in_the_state_it_reported()
    {
        using var api = await StartAsync();
        var vms = new List<(Guid Id, string Name, string State)>();
        for (var i = 0; i < 6; i++)
        {
            var created = await api.CreateVmAsync($"crash-{i}", isoName: null);
            await api.CompletedAsync(created.JobId, JobTimeout, () => _portal.Tail());
            var state = VmStates.ShutOff;
            if (i % 3 != 0)
            {
                await api.CompletedAsync((await api.ActAsync(created.VmId, "start")).JobId, JobTimeout, () => _portal.Tail());
                state = VmStates.Running;
            }

            if (i % 3 == 2)
            {
                await api.CompletedAsync((await api.ActAsync(created.VmId, "pause")).JobId, JobTimeout, () => _portal.Tail());
                state = VmStates.Paused;
            }

            vms.Add((created.VmId, $"crash-{i}", state));
        }

        _portal.Kill();

        // Nothing wrote the node files whole on the way out: the last changes are only in the journals.
        Assert.NotEmpty(Directory.GetFiles(NodesDirectory, "*.xml.journal.*"));

        using var again = await StartAsync();
        foreach (var (id, name, state) in vms)
        {
            var vm = await again.GetAsync<VmView>($"/api/v1/vms/{id}");
            Assert.True(vm.State == state, $"{name}: the portal says {vm.State}, it reported {state} before the kill\n{_portal.Tail()}");
            Assert.Equal(state == VmStates.ShutOff ? "shut off" : state, await DomainStateAsync(vm.NodeName, id));
        }
    }

    public void Dispose()
    {
        _portal.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task<HttpClient> StartAsync()
    {
        var started = DateTimeOffset.UtcNow;
        _portal.Start();
        var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Port}"), Timeout = TimeSpan.FromSeconds(30) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("demo:demo-pass-1")));

        // Ready once every rack server's agent has reported since this start (its node file read, its journal folded in,
        // its domains compared with what the portal believes).
        await Tools.EventuallyAsync(
            async () => _portal.IsRunning
                ? (await api.GetAsync<NodeUsageView[]>("/api/v1/nodes")).Count(n => n.LastHeartbeatAt > started)
                : throw new InvalidOperationException($"The portal exited:\n{_portal.Tail()}"),
            reported => reported >= 3,
            TimeSpan.FromMinutes(2),
            _ => _portal.Tail());
        return api;
    }

    // What libvirt itself reads from the node file now (the portal folded the journal into it when it started).
    private async Task<string> DomainStateAsync(string node, Guid id) =>
        (await Tools.RunAsync("virsh", ["-c", "test://" + Path.Combine(NodesDirectory, node + ".xml"), "domstate", id.ToString("D")], TimeSpan.FromSeconds(30))).Trim();
}
