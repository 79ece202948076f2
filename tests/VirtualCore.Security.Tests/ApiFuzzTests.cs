using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using VirtualCore.Portal.Tests;
using Xunit.Abstractions;

namespace VirtualCore.Security.Tests;

/// <summary>
/// Every operation of the OpenAPI document gets malformed requests — wrong JSON types, huge, negative and
/// overflowing numbers, long and odd strings, missing, empty and invalid bodies, the wrong content type, random ids
/// in the path, bad query values — as a customer admin, as the operator and with a read-only API token. No answer
/// may be a server error, and every refusal with a body is a problem document. Deterministic (seeded); the number of
/// requests per operation comes from VCORE_FUZZ_CASES (default 10).
/// </summary>
public sealed class ApiFuzzTests(ITestOutputHelper output)
{
    private const int Seed = 20_260_8;

    private static readonly string[] OddStrings =
    [
        "", " ", "\0", "a\0b", "\u202Eevil\u202C", "😀🚀", "../../etc/passwd", "..\\..\\windows", "%00", "%2e%2e%2f", "' OR 1=1 --",
        "\"; DROP TABLE \"Users\"; --", "{{ 7*7 }}", "${7*7}", "<script>alert(1)</script>", "\uFFFF", "\uD800", "-1", "NaN", "1e309",
        new string('x', 10_000),
    ];

    private static readonly JsonNode?[] OddNumbers =
    [
        JsonValue.Create(-1), JsonValue.Create(0), JsonValue.Create(2_147_483_648L), JsonValue.Create(-2_147_483_649L), JsonValue.Create(long.MaxValue),
        JsonNode.Parse("9223372036854775808"), JsonNode.Parse("1e308"), JsonValue.Create(1.5), JsonValue.Create(int.MinValue),
    ];

    [Fact]
    public async Task No_malformed_request_to_any_operation_gets_a_server_error_or_a_refusal_that_is_not_a_problem_document()
    {
        var casesPerOperation = int.TryParse(Environment.GetEnvironmentVariable("VCORE_FUZZ_CASES"), CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 10;
        using var portal = new PortalFixture();
        using var demo = portal.Demo();
        using var op = portal.ApiClient("operator", "operator-pass-1");
        using var token = await ReadOnlyTokenClientAsync(portal, demo);
        HttpClient[] callers = [demo, op, token];

        var document = JsonNode.Parse(await demo.GetStringAsync("/openapi/v1.json"))!;
        var random = new Random(Seed);
        var clock = Stopwatch.StartNew();
        var failures = new List<string>();
        int operations = 0, requests = 0, serverErrors = 0;
        foreach (var (path, item) in document["paths"]!.AsObject().OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            foreach (var (method, operation) in item!.AsObject().Where(o => o.Key is "get" or "post" or "put" or "patch" or "delete").OrderBy(o => o.Key, StringComparer.Ordinal))
            {
                operations++;
                var started = clock.Elapsed;
                var cases = CasesFor(document, path, method, operation!, item!, random, casesPerOperation);
                foreach (var (index, fuzz) in cases.Index())
                {
                    requests++;
                    var caller = callers[index % callers.Length];
                    using var request = fuzz.ToRequest(method);
                    using var response = await caller.SendAsync(request);
                    var problem = await CheckAsync(response);
                    if ((int)response.StatusCode >= 500)
                    {
                        serverErrors++;
                    }

                    if (problem is not null)
                    {
                        failures.Add($"{method.ToUpperInvariant()} {fuzz.Describe()} → {(int)response.StatusCode}: {problem}");
                    }
                }

                output.WriteLine($"{method.ToUpperInvariant()} {path}: {cases.Count} requests, {(clock.Elapsed - started).TotalSeconds:0.0} s");
            }
        }

        output.WriteLine($"{operations} operations, {requests} requests, {serverErrors} server errors, {clock.Elapsed.TotalSeconds:0.0} s (VCORE_FUZZ_CASES={casesPerOperation}).");
        Assert.True(operations > 30, $"only {operations} operations in the OpenAPI document");
        Assert.True(failures.Count == 0, string.Join('\n', failures.Take(40)) + $"\n({failures.Count} in all)");
    }

    /// <summary>What is wrong with the answer, or null when it is acceptable.</summary>
    private static async Task<string?> CheckAsync(HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        var body = await response.Content.ReadAsStringAsync();
        if (status >= 500)
        {
            return "server error " + Clip(body);
        }

        if (status < 400)
        {
            return null;
        }

        // Refusals of the request itself must say why; 401, 403, 404 and 405 may come bare from the routing and sign-in layers.
        if (body.Length == 0)
        {
            return status is 400 or 409 or 413 or 415 or 422 ? "refusal without a problem document" : null;
        }

        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return $"not a problem document ({response.Content.Headers.ContentType}): {Clip(body)}";
        }

        JsonElement problem;
        try
        {
            problem = JsonDocument.Parse(body).RootElement;
        }
        catch (JsonException)
        {
            return "problem document is not JSON: " + Clip(body);
        }

        if (!problem.TryGetProperty("status", out var s) || s.GetInt32() != status || !problem.TryGetProperty("title", out _))
        {
            return "problem without its status or title: " + Clip(body);
        }

        if (status == 400 && (!problem.TryGetProperty("errors", out var errors) || errors.ValueKind != JsonValueKind.Object || !errors.EnumerateObject().Any()))
        {
            return "validation problem naming no field: " + Clip(body);
        }

        return null;
    }

    private static string Clip(string text) => text.Length <= 300 ? text : text[..300] + "…";

    private static async Task<HttpClient> ReadOnlyTokenClientAsync(PortalFixture portal, HttpClient demo)
    {
        var created = await demo.PostAsJsonAsync("/api/v1/tokens", new { name = "fuzz", scopes = new[] { "read" }, expiresInDays = 1 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var secret = (await created.ProblemAsync()).GetProperty("token").GetString()!;
        var client = portal.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return client;
    }

    /// <summary>Up to <paramref name="limit"/> malformed requests for one operation: the structural ones first, then a seeded sample of the rest.</summary>
    private static List<FuzzCase> CasesFor(JsonNode document, string path, string method, JsonNode operation, JsonNode pathItem, Random random, int limit)
    {
        var parameters = (operation["parameters"]?.AsArray() ?? []).Concat(pathItem["parameters"]?.AsArray() ?? []).Where(p => p is not null).Select(p => Resolve(document, p!)).ToList();
        var pathParameters = parameters.Where(p => (string?)p["in"] == "path").Select(p => (string)p["name"]!).ToArray();
        var queryParameters = parameters.Where(p => (string?)p["in"] == "query").ToArray();
        var bodySchema = operation["requestBody"]?["content"]?["application/json"]?["schema"] is { } schema ? Resolve(document, schema) : null;
        var validBody = bodySchema is null ? null : Example(document, bodySchema, 0) ?? new JsonObject();

        string PathWithIds() => pathParameters.Aggregate(path, (p, name) => p.Replace("{" + name + "}", RandomGuid(random).ToString(), StringComparison.Ordinal));

        var structural = new List<FuzzCase>();
        var sampled = new List<FuzzCase>();
        if (bodySchema is not null)
        {
            structural.Add(new FuzzCase(PathWithIds(), null, null, "no body"));
            structural.Add(new FuzzCase(PathWithIds(), "", "application/json", "empty body"));
            structural.Add(new FuzzCase(PathWithIds(), "{\"a\":", "application/json", "invalid JSON"));
            structural.Add(new FuzzCase(PathWithIds(), validBody!.ToJsonString(), "text/plain", "wrong content type"));
            structural.Add(new FuzzCase(PathWithIds(), "[]", "application/json", "array for object"));
            structural.Add(new FuzzCase(PathWithIds(), "null", "application/json", "null body"));
            foreach (var (property, propertySchema) in Properties(document, bodySchema))
            {
                // A list with a null entry passes binding whatever its element type says: always tried.
                if (TypeOf(document, propertySchema) == "array")
                {
                    var withNull = validBody!.DeepClone().AsObject();
                    withNull[property] = new JsonArray((JsonNode?)null);
                    structural.Add(new FuzzCase(PathWithIds(), withNull.ToJsonString(), "application/json", $"{property} = [null]"));
                }

                foreach (var value in WrongValues(document, propertySchema))
                {
                    var body = validBody!.DeepClone().AsObject();
                    body[property] = value?.DeepClone();
                    sampled.Add(new FuzzCase(PathWithIds(), body.ToJsonString(), "application/json", $"{property} = {Clip(value?.ToJsonString() ?? "null")}"));
                }
            }
        }
        else
        {
            structural.Add(new FuzzCase(PathWithIds(), "{\"a\":", "application/json", "unexpected invalid JSON body"));
        }

        if (pathParameters.Length > 0)
        {
            structural.Add(new FuzzCase(PathWithIds(), validBody?.ToJsonString(), validBody is null ? null : "application/json", "random ids"));
            foreach (var odd in new[] { "not-a-guid", "00000000-0000-0000-0000-000000000000", "%2500", "..%2f..", "-1" })
            {
                sampled.Add(new FuzzCase(pathParameters.Aggregate(path, (p, name) => p.Replace("{" + name + "}", odd, StringComparison.Ordinal)), null, null, "path id " + odd));
            }
        }

        foreach (var parameter in queryParameters)
        {
            var name = (string)parameter["name"]!;
            foreach (var value in OddStrings.Concat(["abc", "-1", "99999999999999999999", "2147483648", "true", "1.5", "9999-99-99", "2026-13-45T99:99"]))
            {
                sampled.Add(new FuzzCase($"{PathWithIds()}?{name}={Uri.EscapeDataString(value)}", validBody?.ToJsonString(), validBody is null ? null : "application/json", $"?{name}={Clip(value)}"));
            }
        }

        var rest = sampled.OrderBy(_ => random.Next()).ToList();
        return [.. structural.Concat(rest).Take(limit)];
    }

    private static IEnumerable<JsonNode?> WrongValues(JsonNode document, JsonNode schema)
    {
        var type = TypeOf(document, schema);
        yield return JsonValue.Create(true);
        yield return new JsonObject { ["nested"] = "{{ 7*7 }}" };
        yield return new JsonArray(JsonValue.Create(1), JsonValue.Create("x"));
        yield return null;
        if (type is "integer" or "number")
        {
            foreach (var number in OddNumbers)
            {
                yield return number;
            }

            yield return JsonValue.Create("12");
            yield return JsonValue.Create("{{ 7*7 }}");
        }
        else
        {
            foreach (var text in OddStrings)
            {
                yield return JsonValue.Create(text);
            }

            yield return JsonValue.Create(12);
            yield return JsonNode.Parse("1e308");
        }

        if (type == "array")
        {
            yield return new JsonArray(Enumerable.Range(0, 200).Select(i => (JsonNode?)JsonValue.Create("x" + i)).ToArray());
            yield return new JsonArray(JsonValue.Create(new string('y', 10_000)));
            yield return new JsonArray((JsonNode?)null);
        }
    }

    private static IEnumerable<(string Name, JsonNode Schema)> Properties(JsonNode document, JsonNode schema) =>
        (schema["properties"]?.AsObject() ?? []).Where(p => p.Value is not null).Select(p => (p.Key, Resolve(document, p.Value!)));

    /// <summary>A well-formed value for the schema, so that each case breaks one thing only.</summary>
    private static JsonNode? Example(JsonNode document, JsonNode schema, int depth) => TypeOf(document, schema) switch
    {
        "object" when depth < 4 => new JsonObject(Properties(document, schema).Select(p => KeyValuePair.Create(p.Name, Example(document, p.Schema, depth + 1)))),
        "array" => new JsonArray(),
        "integer" or "number" => JsonValue.Create(1),
        "boolean" => JsonValue.Create(false),
        "string" when (string?)schema["format"] == "uuid" => JsonValue.Create(Guid.Empty.ToString()),
        "string" when (string?)schema["format"] == "date-time" => JsonValue.Create("2026-01-01T00:00:00Z"),
        "string" => JsonValue.Create("fuzz"),
        _ => null,
    };

    /// <summary>The schema's type; OpenAPI 3.1 writes nullable ones as ["integer", "null"] and numbers may come with a string pattern.</summary>
    private static string? TypeOf(JsonNode document, JsonNode schema)
    {
        schema = Resolve(document, schema);
        return schema["type"] switch
        {
            JsonArray types => types.Select(t => (string?)t).FirstOrDefault(t => t is not null and not "null" and not "string")
                ?? types.Select(t => (string?)t).FirstOrDefault(t => t is not "null"),
            JsonValue value => (string?)value,
            _ => schema["properties"] is not null ? "object" : null,
        };
    }

    /// <summary>Follows references, and takes the first non-null choice of a nullable schema (oneOf/anyOf with null).</summary>
    private static JsonNode Resolve(JsonNode document, JsonNode node)
    {
        for (var i = 0; i < 10; i++)
        {
            if (node["$ref"] is { } reference)
            {
                node = ((string)reference!).TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries).Aggregate(document, (n, part) => n[part]!);
            }
            else if ((node["oneOf"] ?? node["anyOf"]) is JsonArray choices && choices.FirstOrDefault(c => c is not null && (string?)c["type"] != "null") is { } choice)
            {
                node = choice;
            }
            else
            {
                break;
            }
        }

        return node;
    }

    private static Guid RandomGuid(Random random)
    {
        var bytes = new byte[16];
        random.NextBytes(bytes);
        return new Guid(bytes);
    }

    private sealed record FuzzCase(string Path, string? Body, string? ContentType, string What)
    {
        public HttpRequestMessage ToRequest(string method)
        {
            var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), Path);
            if (Body is not null)
            {
                request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(Body));
                if (ContentType is not null)
                {
                    request.Content.Headers.ContentType = new MediaTypeHeaderValue(ContentType);
                }
            }

            return request;
        }

        public string Describe() => $"{Clip(Path)} [{What}]";
    }
}
