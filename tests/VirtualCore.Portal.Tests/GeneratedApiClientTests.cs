using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;
using VirtualCore.Samples.ApiClient.Generated;
using VirtualCore.Samples.ApiClient.Generated.Models;

namespace VirtualCore.Portal.Tests;

/// <summary>
/// The sample client in samples/api/dotnet is what Kiota generates from the OpenAPI document the portal serves, file
/// for file — a change of the API that is not in the client fails here (VCORE_REGENERATE_CLIENT=1 writes the new
/// client instead) — and it works against the portal: the document describes what the server really answers.
/// </summary>
public sealed class GeneratedApiClientTests : IAsyncLifetime
{
    private readonly PortalFixture _portal = new(realServer: true);

    public Task InitializeAsync()
    {
        _portal.StartServer();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task The_checked_in_client_is_what_kiota_generates_from_the_served_document()
    {
        var root = RepositoryFolder.Root;
        var work = Directory.CreateTempSubdirectory("vcore-kiota-").FullName;
        var document = JsonNode.Parse(await _portal.CreateClient().GetStringAsync("/openapi/v1.json"))!.AsObject();

        // The client takes the portal's address from its caller: the test server's is no part of it.
        document.Remove("servers");
        var description = Path.Combine(work, "openapi.json");
        await File.WriteAllTextAsync(description, document.ToJsonString());
        var generated = Path.Combine(work, "Generated");
        var kiota = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList =
            {
                "tool", "run", "kiota", "generate", "--language", "CSharp", "--openapi", description, "--output", generated,
                "--class-name", "VcoreApiClient", "--namespace-name", "VirtualCore.Samples.ApiClient.Generated",
                "--exclude-backward-compatible", "--clean-output", "--log-level", "Warning",
            },
            Environment = { ["KIOTA_UPDATE__DISABLED"] = "true", ["KIOTA_TUTORIAL__ENABLED"] = "false", ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" },
        };
        using (var process = Process.Start(kiota)!)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, $"kiota failed ({process.ExitCode}): {await output}\n{await errors}");
        }

        File.Delete(Path.Combine(generated, "kiota-lock.json"));
        var checkedIn = Path.Combine(root, "samples", "api", "dotnet", "Generated");
        if (Environment.GetEnvironmentVariable("VCORE_REGENERATE_CLIENT") == "1")
        {
            if (Directory.Exists(checkedIn))
            {
                Directory.Delete(checkedIn, recursive: true);
            }

            CopyTree(generated, checkedIn);
        }

        var expected = Files(generated);
        var actual = Directory.Exists(checkedIn) ? Files(checkedIn) : [];
        var differing = expected.Keys.Union(actual.Keys)
            .Where(path => !expected.TryGetValue(path, out var e) || !actual.TryGetValue(path, out var a) || e != a)
            .Order(StringComparer.Ordinal)
            .ToList();
        Directory.Delete(work, recursive: true);
        Assert.True(differing.Count == 0, $"samples/api/dotnet/Generated is not the client of the served API ({differing.Count} files differ, e.g. {string.Join(", ", differing.Take(5))}): "
            + "run VCORE_REGENERATE_CLIENT=1 dotnet test tests/VirtualCore.Portal.Tests --filter GeneratedApiClientTests and commit the result.");
    }

    [Fact]
    public async Task The_generated_client_creates_starts_and_reads_a_vserver_and_gets_refusals_as_problem_details()
    {
        using var http = new HttpClient { BaseAddress = _portal.ClientOptions.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("demo:demo-pass-1"u8.ToArray()));
        var client = new VcoreApiClient(new HttpClientRequestAdapter(new AnonymousAuthenticationProvider(), httpClient: http) { BaseUrl = _portal.ClientOptions.BaseAddress.ToString().TrimEnd('/') });

        var accepted = await client.Api.V1.Vms.PostAsync(new CreateVmRequest { Name = "kiota-1", VCpus = 1, MemoryGiB = 1, DiskGiB = 10 });
        Assert.NotNull(accepted?.JobId);
        var created = await UntilEndedAsync(client, accepted!.JobId!.Value);
        Assert.Equal(("create", "completed"), (created.Action, created.Status));

        var started = await client.Api.V1.Vms[accepted.VmId!.Value].Start.PostAsync();
        Assert.Equal("completed", (await UntilEndedAsync(client, started!.JobId!.Value)).Status);
        var vm = await client.Api.V1.Vms[accepted.VmId.Value].GetAsync();
        Assert.Equal(("kiota-1", "running", 1), (vm!.Name, vm.State, vm.VCpus));
        Assert.Contains((await client.Api.V1.Vms.GetAsync())!, v => v.Id == accepted.VmId);

        // A refusal is the document's problem type, thrown with its title and detail.
        var missing = await Assert.ThrowsAsync<ProblemDetails>(() => client.Api.V1.Vms[Guid.NewGuid()].GetAsync());
        Assert.Equal(404, missing.Status);
        var invalid = await Assert.ThrowsAnyAsync<Microsoft.Kiota.Abstractions.ApiException>(() => client.Api.V1.Vms.PostAsync(new CreateVmRequest { Name = "kiota-2", VCpus = 99, MemoryGiB = 1, DiskGiB = 10 }));
        Assert.Equal(400, invalid.ResponseStatusCode);
    }

    private static async Task<JobView> UntilEndedAsync(VcoreApiClient client, Guid jobId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var job = await client.Api.V1.Jobs[jobId].GetAsync(cancellationToken: timeout.Token);
            if (job?.Status is "completed" or "failed")
            {
                return job;
            }

            await Task.Delay(50, timeout.Token);
        }
    }

    private static Dictionary<string, string> Files(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(folder, f).Replace('\\', '/'), f => File.ReadAllText(f).ReplaceLineEndings("\n"), StringComparer.Ordinal);

    private static void CopyTree(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
