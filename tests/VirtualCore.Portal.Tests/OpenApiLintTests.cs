using System.Diagnostics;
using System.Text.Json;

namespace VirtualCore.Portal.Tests;

/// <summary>
/// The API document as the portal serves it passes an independent linter — Redocly CLI with its recommended rules
/// (build/openapi-lint, pinned; the test command installs it with npm) — with no error and no warning: every operation
/// declares its security, an operation id, a success and its refusals; every tag is described; the licence is named;
/// every request body and answer has an example, which the linter checks against its schema.
/// </summary>
public sealed class OpenApiLintTests : IAsyncLifetime
{
    // The document names the server it was asked on; a real portal is asked on its own host name, not localhost.
    private const string Host = "cloud.vcore.test";

    private readonly PortalFixture _portal = new(settings: new Dictionary<string, string> { ["EmbeddedRackServers:Enabled"] = "false", ["Provider:HostNames:0"] = Host });

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task The_api_document_passes_redocly_recommended_rules_with_no_error_and_no_warning()
    {
        var lint = Path.Combine(RepositoryFolder.Root, "build", "openapi-lint");
        var cli = Path.Combine(lint, "node_modules", "@redocly", "cli", "bin", "cli.js");
        Assert.True(File.Exists(cli), $"Redocly CLI is not installed: run `npm ci --prefix {lint}` (test.sh does).");

        var document = Path.Combine(Directory.CreateTempSubdirectory("vcore-openapi-").FullName, "openapi.json");
        var client = _portal.CreateClient();
        client.BaseAddress = new Uri($"https://{Host}");
        await File.WriteAllTextAsync(document, await client.GetStringAsync("/openapi/v1.json"));
        var start = new ProcessStartInfo("node")
        {
            ArgumentList = { cli, "lint", document, "--config", Path.Combine(lint, "redocly.yaml"), "--format", "json", "--max-problems", "500" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["REDOCLY_TELEMETRY"] = "off", ["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true", ["NO_COLOR"] = "1" },
        };
        using var node = Process.Start(start)!;
        var output = node.StandardOutput.ReadToEndAsync();
        var errors = node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync();
        var json = await output;
        var start0 = json.IndexOf('{', StringComparison.Ordinal);
        Assert.True(start0 >= 0, $"Redocly printed no report (exit {node.ExitCode}): {json}\n{await errors}");

        using var report = JsonDocument.Parse(json[start0..]);
        var problems = report.RootElement.GetProperty("problems").EnumerateArray()
            .Select(p => $"{p.GetProperty("severity").GetString()} {p.GetProperty("ruleId").GetString()}: {p.GetProperty("message").GetString()} at "
                + string.Join(", ", p.GetProperty("location").EnumerateArray().Select(l => l.GetProperty("pointer").GetString())))
            .ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        var totals = report.RootElement.GetProperty("totals");
        Assert.Equal((0, 0), (totals.GetProperty("errors").GetInt32(), totals.GetProperty("warnings").GetInt32()));
        Assert.Equal(0, node.ExitCode);
        File.Delete(document);
    }

    [Fact]
    public async Task Every_request_body_and_answer_with_a_schema_has_an_example_and_refusals_show_their_own_status()
    {
        var client = _portal.CreateClient();
        client.BaseAddress = new Uri($"https://{Host}");
        using var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json"));
        var missing = new List<string>();
        var media = 0;
        foreach (var path in document.RootElement.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Value.ValueKind == JsonValueKind.Object && o.Value.TryGetProperty("responses", out _)))
            {
                var bodies = operation.Value.TryGetProperty("requestBody", out var body) ? [("request", body)] : new List<(string, JsonElement)>();
                bodies.AddRange(operation.Value.GetProperty("responses").EnumerateObject().Select(r => (r.Name, r.Value)));
                foreach (var (name, part) in bodies)
                {
                    if (!part.TryGetProperty("content", out var content))
                    {
                        continue;
                    }

                    foreach (var type in content.EnumerateObject().Where(t => t.Value.TryGetProperty("schema", out _) && t.Name.Contains("json", StringComparison.Ordinal)))
                    {
                        media++;
                        if (!type.Value.TryGetProperty("example", out var example))
                        {
                            missing.Add($"{operation.Name.ToUpperInvariant()} {path.Name} {name} {type.Name}");
                        }
                        else if (type.Name == "application/problem+json")
                        {
                            Assert.Equal(int.Parse(name, System.Globalization.CultureInfo.InvariantCulture), example.GetProperty("status").GetInt32());
                            Assert.False(string.IsNullOrEmpty(example.GetProperty("detail").GetString()), $"{path.Name} {name}");
                        }
                    }
                }
            }
        }

        Assert.True(media > 300, $"only {media} bodies and answers");
        Assert.True(missing.Count == 0, string.Join("\n", missing));
    }
}
