using Mediator;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Identity.Domain;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Benchmarks;

/// <summary>
/// A whole portal on its embedded defaults (SQLite file, in-memory bus, in-process node agents on libvirt's test
/// driver) in its own temp data folder, with a compute rack server large enough for a hundred one-core VMs.
/// </summary>
internal sealed class BenchmarkPortal(IReadOnlyDictionary<string, string>? settings = null) : WebApplicationFactory<Program>
{
    public const int SocketsPerServer = 8;
    public const int CoresPerSocket = 16;
    public const int MemoryGiB = 512;

    private Guid _demoUserId;

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "vcore-benchmarks", Guid.NewGuid().ToString("N"));

    /// <summary>Starts the portal and waits until every compute rack server has reported its capacity.</summary>
    public async Task StartAsync()
    {
        Directory.CreateDirectory(DataDirectory);
        await using (var scope = Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<ScopedTenantContext>().Use(SystemTenantContext.Instance);
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            _demoUserId = await db.Set<UserAccount>().IgnoreQueryFilters()
                .Where(u => u.CustomerId == DemoTenants.DemoCustomerId && u.UserName == "demo")
                .Select(u => u.Id)
                .SingleAsync();

            // A hundred VMs are more than the demo customer's vDataCenter holds: the benchmark measures jobs, not limits.
            await scope.ServiceProvider.GetRequiredService<ISender>().Send(new SetCustomerCapacity(DemoTenants.DemoCustomerId, null, null, null));
        }

        // Placement only uses servers the agents have announced; their first heartbeat is consumed asynchronously.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            await using var scope = Services.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<ScopedTenantContext>().Use(SystemTenantContext.Instance);
            var nodes = await scope.ServiceProvider.GetRequiredService<ISender>().Send(new ListNodeUsage(), timeout.Token);
            var compute = nodes.Where(n => n.Role == "compute").ToArray();
            if (compute.Length > 0 && compute.All(n => n.Online && n.PhysicalCores > 0))
            {
                return;
            }

            await Task.Delay(10, timeout.Token);
        }
    }

    /// <summary>Sends through Mediator as the demo customer's admin, in a scope of its own as an HTTP request would.</summary>
    public async Task<TResponse> AsDemoAsync<TResponse>(Func<ISender, ValueTask<TResponse>> send)
    {
        await using var scope = Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<ScopedTenantContext>().Use(
            new FixedTenantContext(DemoTenants.ProviderId, DemoTenants.DemoCustomerId, _demoUserId, "demo", TenantClaims.CustomerAdminRole));
        return await send(scope.ServiceProvider.GetRequiredService<ISender>());
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // Not "Production": the benchmarks act as the demo customer, and a production configuration has no demo data.
        builder.UseEnvironment("Benchmark");

        // The factory looks for its manifest in the working directory, which is wherever `dotnet run` was started;
        // the build output holds appsettings.json and the themes, as a deployed portal does.
        builder.UseContentRoot(AppContext.BaseDirectory);
        builder.UseSetting("DataDirectory", DataDirectory);

        // The dispatcher is woken on commit; a short poll only bounds the wait when a wake-up races a running pass.
        builder.UseSetting("Jobs:PollInterval", "00:00:00.010");
        builder.UseSetting("ApiRateLimits:RequestsPerWindow", "0");

        // Per-request information logs go to the console and would be measured as well as interleave with the results.
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        for (var i = 0; i < 3; i++)
        {
            builder.UseSetting($"EmbeddedRackServers:Servers:{i}:Sockets", SocketsPerServer.ToString(System.Globalization.CultureInfo.InvariantCulture));
            builder.UseSetting($"EmbeddedRackServers:Servers:{i}:CoresPerSocket", CoresPerSocket.ToString(System.Globalization.CultureInfo.InvariantCulture));
            builder.UseSetting($"EmbeddedRackServers:Servers:{i}:MemoryGiB", MemoryGiB.ToString(System.Globalization.CultureInfo.InvariantCulture));
            builder.UseSetting($"EmbeddedRackServers:Servers:{i}:ReservedMemoryGiB", "8");
        }

        // Only rack-1 takes VMs, so its agent does exactly the hypervisor work of the adapter baseline: one node
        // file holding all hundred domains (the test driver rewrites it on every change, so its size matters).
        builder.UseSetting("EmbeddedRackServers:Servers:1:Role", "reserve");
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            builder.UseSetting(key, value);
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (disposing && Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }
}
