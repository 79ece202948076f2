using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace VirtualCore.Portal.Hosting;

/// <summary>
/// An example for every request body and answer of the API document, made from the schema itself so it always fits
/// it (the linter checks each against its schema): plausible values by the field's name and format — a vServer's name,
/// a rack server, sizes, a job's state — and, for the refusals, a problem document with the refusal's own status,
/// title and reason.
/// </summary>
internal static class ApiExamples
{
    private const int MaxDepth = 5;

    private static readonly Dictionary<string, string> Texts = new(StringComparer.OrdinalIgnoreCase)
    {
        ["name"] = "web-1",
        ["displayName"] = "Erika Mustermann",
        ["userName"] = "erika",
        ["actor"] = "erika",
        ["nodeName"] = "rack-1",
        ["targetNode"] = "rack-2",
        ["state"] = "running",
        ["status"] = "completed",
        ["action"] = "start",
        ["url"] = "https://hooks.example.com/vcore",
        ["email"] = "billing@example.com",
        ["isoName"] = "debian-12.8.0-amd64-netinst",
        ["imageName"] = "debian-12-genericcloud-amd64",
        ["description"] = "Orders to the shop's back office",
        ["note"] = "Before the upgrade",
        ["info"] = "Running on rack-1.",
        ["token"] = "vct_8J2kq0PZr4mW7xYc1Ld5NfT3uVb6Hs9A",
        ["secret"] = "whsec_Qm9R3pZ8xK2vL7nT4cY1bW6dF0sJ5hG",
        ["countryCode"] = "DE",
        ["currency"] = "EUR",
        ["period"] = "2026-12",
        ["level"] = "operate",
        ["role"] = "customer-user",
        ["kind"] = "screen",
        ["format"] = "qcow2",
        ["address"] = "192.0.2.10",
        ["cidr"] = "192.0.2.0/24",
        ["gateway"] = "192.0.2.1",
        ["language"] = "de",
        ["legalName"] = "Muster Hosting GmbH",
        ["street"] = "Hauptstraße 1",
        ["postalCode"] = "10115",
        ["city"] = "Berlin",
        ["vatId"] = "DE123456789",
        ["number"] = "2026-000042",
        ["reason"] = "Invoice 2026-000042 unpaid",
        ["diskBus"] = "virtio",
        ["nicModel"] = "virtio",
        ["password"] = "a long passphrase",
        ["code"] = "vserver-s",
        ["sha256"] = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        ["type"] = "vm",
        ["addresses"] = "192.0.2.10",
        ["bootOrder"] = "disk",
        ["nextBootChanges"] = "memoryGiB: 4 → 8",
        ["hostname"] = "web-1",
        ["sshAuthorizedKeys"] = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk3 erika@laptop",
        ["userData"] = "#cloud-config\npackages: [nginx]",
        ["events"] = "job.completed",
        ["scopes"] = "operate",
        ["hostNames"] = "cloud.example.com",
        ["series"] = "cpu",
        ["title"] = "Not found.",
        ["detail"] = "The VM was not found.",
    };

    private static readonly Dictionary<string, int> Numbers = new(StringComparer.OrdinalIgnoreCase)
    {
        ["vCpus"] = 2,
        ["memoryGiB"] = 4,
        ["diskGiB"] = 40,
        ["cores"] = 8,
        ["progress"] = 100,
        ["limit"] = 100,
        ["status"] = 404,
        ["year"] = 2026,
        ["expiresInDays"] = 90,
        ["keepOldHours"] = 24,
    };

    public static Task DescribeDocumentAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        foreach (var (_, path) in document.Paths)
        {
            foreach (var (_, operation) in path.Operations ?? [])
            {
                foreach (var (_, media) in operation.RequestBody?.Content ?? new Dictionary<string, OpenApiMediaType>())
                {
                    if (media.Example is null && media.Schema is { } schema)
                    {
                        media.Example = Of(schema, null, 0);
                    }
                }

                foreach (var (code, response) in operation.Responses ?? [])
                {
                    foreach (var (type, media) in response.Content ?? new Dictionary<string, OpenApiMediaType>())
                    {
                        if (media.Example is not null || media.Schema is not { } schema)
                        {
                            continue;
                        }

                        media.Example = type == "application/problem+json" && int.TryParse(code, NumberStyles.None, CultureInfo.InvariantCulture, out var status)
                            ? Problem(status, response.Description, schema)
                            : Of(schema, null, 0);
                    }
                }
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>A refusal as the portal writes it: its status, the reason phrase's RFC section, a title and the reason.</summary>
    private static JsonNode? Problem(int status, string? reason, IOpenApiSchema schema)
    {
        if (Of(schema, null, 0) is not JsonObject problem)
        {
            return null;
        }

        problem["type"] = status switch
        {
            400 => "https://tools.ietf.org/html/rfc9110#section-15.5.1",
            401 => "https://tools.ietf.org/html/rfc9110#section-15.5.2",
            403 => "https://tools.ietf.org/html/rfc9110#section-15.5.4",
            404 => "https://tools.ietf.org/html/rfc9110#section-15.5.5",
            409 => "https://tools.ietf.org/html/rfc9110#section-15.5.10",
            412 => "https://tools.ietf.org/html/rfc9110#section-15.5.13",
            429 => "https://tools.ietf.org/html/rfc6585#section-4",
            _ => "about:blank",
        };
        problem["title"] = status switch
        {
            400 => "The request is invalid.",
            401 => "Not signed in.",
            403 => "Not allowed.",
            404 => "Not found.",
            409 => "Conflict.",
            412 => "The resource has changed.",
            429 => "Too many requests.",
            _ => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status),
        };
        problem["status"] = status;
        problem["detail"] = status switch
        {
            400 => "name: Use 1 to 63 letters, digits and hyphens.",
            401 => "The API token is unknown, expired or revoked.",
            403 => "The token's scope does not reach this operation.",
            404 => "The VM was not found.",
            409 => "Another job is running on this VM; wait for it to finish.",
            412 => Framework.Web.RequestPreconditions.ChangedDetail,
            429 => Framework.Web.ApiRateLimiter.RefusalDetail,
            _ => reason ?? "",
        };
        problem.Remove("instance");
        if (problem.ContainsKey("errors"))
        {
            problem["errors"] = new JsonObject { ["name"] = new JsonArray("Use 1 to 63 letters, digits and hyphens.") };
        }

        return problem;
    }

    /// <summary>A value that fits the schema, named <paramref name="field"/> in its parent.</summary>
    private static JsonNode? Of(IOpenApiSchema schema, string? field, int depth)
    {
        if (depth > MaxDepth)
        {
            return null;
        }

        if (schema.Enum is { Count: > 0 } choices)
        {
            return choices.FirstOrDefault(c => c is not null)?.DeepClone();
        }

        foreach (var options in new[] { schema.AllOf, schema.OneOf, schema.AnyOf })
        {
            if (options?.FirstOrDefault(o => o.Type is not JsonSchemaType.Null) is { } first)
            {
                return Of(first, field, depth + 1);
            }
        }

        var type = schema.Type ?? (schema.Properties is { Count: > 0 } ? JsonSchemaType.Object : null);
        if (type is null)
        {
            return null;
        }

        if (type.Value.HasFlag(JsonSchemaType.Object))
        {
            var item = new JsonObject();
            foreach (var (name, property) in schema.Properties ?? new Dictionary<string, IOpenApiSchema>())
            {
                var value = Of(property, name, depth + 1);
                if (value is not null || (schema.Required?.Contains(name) == true && property.Type?.HasFlag(JsonSchemaType.Null) == true))
                {
                    item[name] = value;
                }
            }

            return item;
        }

        if (type.Value.HasFlag(JsonSchemaType.Array))
        {
            var element = schema.Items is { } items ? Of(items, field is not null && !Texts.ContainsKey(field) ? Singular(field) : field, depth + 1) : null;
            return element is null ? new JsonArray() : new JsonArray(element);
        }

        if (type.Value.HasFlag(JsonSchemaType.Integer))
        {
            var number = field is not null && Numbers.TryGetValue(field, out var known) ? known : 1;
            var minimum = decimal.TryParse(schema.Minimum, NumberStyles.Float, CultureInfo.InvariantCulture, out var min) ? min : (decimal?)null;
            var maximum = decimal.TryParse(schema.Maximum, NumberStyles.Float, CultureInfo.InvariantCulture, out var max) ? max : (decimal?)null;
            if (minimum is { } low && number < low)
            {
                number = (int)Math.Ceiling(low);
            }

            if (maximum is { } high && number > high)
            {
                number = (int)Math.Floor(high);
            }

            return number;
        }

        if (type.Value.HasFlag(JsonSchemaType.Number))
        {
            return 9.5m;
        }

        if (type.Value.HasFlag(JsonSchemaType.Boolean))
        {
            return false;
        }

        if (type.Value.HasFlag(JsonSchemaType.String))
        {
            return Text(schema, field);
        }

        return null;
    }

    private static JsonNode? Text(IOpenApiSchema schema, string? field)
    {
        var text = schema.Format switch
        {
            "uuid" => "6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
            "date-time" => "2026-12-01T09:30:00+00:00",
            "date" => "2026-12-01",
            "uri" => "https://cloud.example.com/",
            "int64" or "int32" => "1",
            _ => field is not null && Texts.TryGetValue(field, out var known) ? known : field ?? "text",
        };

        // A pattern the text may not fit: the field is left out of the example rather than shown wrong.
        if (schema.Pattern is { } pattern && !System.Text.RegularExpressions.Regex.IsMatch(text, pattern, System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1)))
        {
            return null;
        }

        if (schema.MaxLength is { } longest && text.Length > longest)
        {
            text = text[..longest];
        }

        return text;
    }

    private static string Singular(string plural) => plural.EndsWith('s') ? plural[..^1] : plural;
}
