using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using VirtualCore.Framework.Security;

namespace VirtualCore.Portal.Hosting;

/// <summary>Writes each operation's API token scope into the OpenAPI document, from the endpoint's own declaration.</summary>
internal static class ApiScopeDocumentation
{
    public static Task DescribeAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<Microsoft.AspNetCore.Authorization.IAllowAnonymous>().Any())
        {
            return Task.CompletedTask;
        }

        var scope = metadata.OfType<RequiredScope>().LastOrDefault();
        var words = scope?.Scope is { } name ? $"API token scope: `{name}` or higher." : "API tokens cannot be used here (people only: session or HTTP Basic).";
        operation.Description = string.IsNullOrEmpty(operation.Description) ? words : operation.Description + "\n\n" + words;
        operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
        operation.Extensions["x-vcore-scope"] = new JsonNodeExtension(scope?.Scope is { } value ? JsonValue.Create(value) : JsonValue.Create("none"));
        return Task.CompletedTask;
    }
}
