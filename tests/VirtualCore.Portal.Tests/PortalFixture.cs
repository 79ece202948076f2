using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.NodeAgent;

namespace VirtualCore.Portal.Tests;

/// <summary>
/// A whole portal on its embedded defaults — SQLite file, in-memory bus, in-process node agents on libvirt's test
/// driver — in its own data folder. Small rack servers (4 cores, 8 GiB) keep capacity tests short.
/// </summary>
public sealed class PortalFixture : WebApplicationFactory<Program>
{
    private readonly bool _realServer;

    private readonly IReadOnlyDictionary<string, string> _settings;

    private readonly string _environment;

    private readonly ILoggerProvider? _logs;

    /// <param name="environment">The host environment: "Testing" is the embedded default with its demo data; "Production" has none.</param>
    /// <param name="logs">Also receives the portal's log, for tests that read what it prints.</param>
    public PortalFixture(string? dataDirectory = null, bool realServer = false, IReadOnlyDictionary<string, string>? settings = null, string environment = "Testing", ILoggerProvider? logs = null)
    {
        _settings = settings ?? new Dictionary<string, string>();
        _environment = environment;
        _logs = logs;
        DataDirectory = dataDirectory ?? Path.Combine(Path.GetTempPath(), "vcore-tests", Guid.NewGuid().ToString("N"));
        _realServer = realServer;
        Directory.CreateDirectory(DataDirectory);
        if (realServer)
        {
            UseKestrel(0);
        }
    }

    public string DataDirectory { get; }

    public Uri BaseAddress => _realServer ? new Uri(ClientOptions.BaseAddress.ToString()) : Server.BaseAddress;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(_environment);
        if (_logs is not null)
        {
            builder.ConfigureLogging(logging => logging.AddProvider(_logs));
        }

        builder.UseSetting("DataDirectory", DataDirectory);
        builder.UseSetting("DemoVms", "false");
        builder.UseSetting("Jobs:PollInterval", "00:00:00.200");
        builder.UseSetting("Jobs:RedeliverAfter", "00:00:02");
        builder.UseSetting("NodeAgentDefaults:HeartbeatInterval", "00:00:01");
        // Tests poll jobs every 50 ms from one account; the limit is tried by tests that set a small one themselves.
        builder.UseSetting("ApiRateLimits:RequestsPerWindow", "1000000");
        builder.UseSetting("ApiRateLimits:AccountRequestsPerWindow", "1000000");
        for (var i = 0; i < 3; i++)
        {
            builder.UseSetting($"EmbeddedRackServers:Servers:{i}:Sockets", "1");
            builder.UseSetting($"EmbeddedRackServers:Servers:{i}:CoresPerSocket", "4");
            builder.UseSetting($"EmbeddedRackServers:Servers:{i}:MemoryGiB", "9");
            builder.UseSetting($"EmbeddedRackServers:Servers:{i}:ReservedMemoryGiB", "1");
        }

        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        // The real password hasher at a thousandth of its cost: every portal seeds nine demo logins and every sign-in
        // verifies one, and at 100,000 rounds each is 50 ms of a shared core. The hash records its rounds, so a
        // password set here verifies just the same.
        builder.ConfigureServices(services => services.Configure<Microsoft.AspNetCore.Identity.PasswordHasherOptions>(o => o.IterationCount = 100));
    }

    /// <summary>A browser-like client for one portal host name: keeps cookies, follows no redirects.</summary>
    public PortalSession Session(string host = "localhost") =>
        new(CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true, BaseAddress = HostAddress(host) }));

    /// <summary>The portal under a host name: on the real server's port when there is one.</summary>
    private Uri HostAddress(string host) => _realServer ? new UriBuilder(BaseAddress) { Host = host }.Uri : new Uri($"http://{host}");

    public NodeAgentHost Agents => Services.GetRequiredService<NodeAgentHost>();

    public HttpClient ApiClient(string user, string password)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false, BaseAddress = ClientOptions.BaseAddress });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        return client;
    }

    /// <summary>An API client with HTTP Basic on one portal's host name.</summary>
    public HttpClient ApiClient(string user, string password, string host)
    {
        var client = ApiClient(user, password);
        client.BaseAddress = new Uri($"http://{host}");
        return client;
    }

    public HttpClient Demo() => ApiClient("demo", "demo-pass-1");

    public HttpClient Other() => ApiClient("other", "other-pass-1");

    /// <summary>Runs <paramref name="query"/> against the database as the system, outside any tenant.</summary>
    public async Task<T> DbAsync<T>(Func<PortalDbContext, Task<T>> query)
    {
        await using var scope = Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<ScopedTenantContext>().Use(SystemTenantContext.Instance);
        return await query(scope.ServiceProvider.GetRequiredService<PortalDbContext>());
    }

    /// <summary>The rack server the portal has the VM on.</summary>
    public async Task<string> NodeOfAsync(Guid vmId)
    {
        await using var scope = Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<IVmOwners>().FindAsync([vmId], default))[vmId].NodeName;
    }

    /// <summary>A hash of every table's rows, one line per table, so that a change names the table it happened in.</summary>
    public async Task<string> DatabaseFingerprintAsync()
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(DataDirectory, "virtualcore.db")};Mode=ReadOnly");
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name";
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var fingerprint = new StringBuilder();
        foreach (var table in tables)
        {
            await using var select = connection.CreateCommand();
            select.CommandText = $"SELECT * FROM \"{table.Replace("\"", "\"\"", StringComparison.Ordinal)}\" ORDER BY 1";
            await using var reader = await select.ExecuteReaderAsync();
            var text = new StringBuilder();
            while (await reader.ReadAsync())
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    text.Append(reader.IsDBNull(i) ? "∅" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)).Append('|');
                }

                text.Append('\n');
            }

            fingerprint.Append(table).Append(": ").Append(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))).Append('\n');
        }

        return fingerprint.ToString();
    }

    public Task<int> CountAsync<T>()
        where T : class =>
        DbAsync(db => db.Set<T>().IgnoreQueryFilters().CountAsync());

    /// <summary>
    /// Starts the portal and waits for every embedded rack server's first heartbeat to be recorded, as a user would
    /// find them online: heartbeats are written in batches, a moment after the agents start.
    /// </summary>
    protected override IHost CreateHost(IHostBuilder builder)
    {
        var host = base.CreateHost(builder);
        var agents = host.Services.GetService<NodeAgentHost>()?.Agents.Count ?? 0;
        if (agents > 0)
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (true)
            {
                using var scope = host.Services.CreateScope();
                scope.ServiceProvider.GetRequiredService<ScopedTenantContext>().Use(SystemTenantContext.Instance);
                var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
                var reported = db.Database.SqlQueryRaw<int>("SELECT COUNT(*) AS \"Value\" FROM \"RackServers\" WHERE \"LastHeartbeatAt\" IS NOT NULL").AsEnumerable().First();
                if (reported >= agents || DateTime.UtcNow > deadline)
                {
                    break;
                }

                Thread.Sleep(20);
            }
        }

        return host;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }
}

public static class Api
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>A new API token of the client's user with one scope, valid a day.</summary>
    public static async Task<string> TokenAsync(this HttpClient client, string scope)
    {
        var response = await client.PostAsJsonAsync("/api/v1/tokens", new { name = $"{scope} {Guid.NewGuid():N}", scopes = new[] { scope }, expiresInDays = 1 });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<VirtualCore.Modules.Identity.Features.Tokens.CreatedApiToken>(Json))!.Token;
    }

    public static async Task<JobAccepted> CreateVmAsync(this HttpClient client, string name, int vcpus = 1, int memoryGiB = 1, int diskGiB = 20, string? iso = "debian-12.8.0-amd64-netinst", Guid? requestId = null)
    {
        var response = await client.PostAsJsonAsync("/api/v1/vms", new { name, vCpus = vcpus, memoryGiB, diskGiB, isoName = iso, requestId });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"create {name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JobAccepted>(Json))!;
    }

    /// <summary>Creates a VM without an ISO and waits until it is defined on its rack server; returns its id.</summary>
    public static async Task<Guid> CreatedVmAsync(this HttpClient client, string name)
    {
        var accepted = await client.CreateVmAsync(name, iso: null);
        await client.CompleteAsync(Task.FromResult(accepted));
        return accepted.VmId;
    }

    public static async Task<JobAccepted> ActAsync(this HttpClient client, Guid vmId, string action)
    {
        var response = await client.PostAsync($"/api/v1/vms/{vmId}/{action}", null);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{action}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JobAccepted>(Json))!;
    }

    public static async Task<T> GetAsync<T>(this HttpClient client, string path) =>
        (await client.GetFromJsonAsync<T>(path, Json))!;

    /// <summary>Polls the job until it has finished: the agent works asynchronously, so the test waits for the outcome, not for a time.</summary>
    public static async Task<JobView> WaitForJobAsync(this HttpClient client, Guid jobId, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var job = await client.GetAsync<JobView>($"/api/v1/jobs/{jobId}");
            if (job.Status is JobStatuses.Completed or JobStatuses.Failed)
            {
                return job;
            }

            await Task.Delay(50, cts.Token);
        }
    }

    public static async Task<JobView> CompleteAsync(this HttpClient client, Task<JobAccepted> accepted)
    {
        var job = await client.WaitForJobAsync((await accepted).JobId);
        Assert.True(job.Status == JobStatuses.Completed, $"{job.Action} {job.Name}: {job.Status} — {job.Info}");
        return job;
    }

    /// <summary>Reads until the value satisfies the condition, for at most 30 seconds: background work is awaited by its outcome, not a time.</summary>
    public static async Task<T> WaitUntilAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            await Task.Delay(50, cts.Token);
        }
    }

    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
}
