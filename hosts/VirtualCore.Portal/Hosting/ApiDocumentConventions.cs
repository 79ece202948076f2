using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;
using VirtualCore.Framework.Security;
using VirtualCore.Framework.Web;

namespace VirtualCore.Portal.Hosting;

/// <summary>
/// What every operation of the API document says the same way, from the endpoint's own metadata: how to
/// authenticate (API token, HTTP Basic, session cookie — or nothing, for the few anonymous ones), the refusals the
/// pipeline answers for every endpoint (400 for a request that cannot be read, 401, 403, 404 for a path with an id,
/// 429 where sign-in attempts are counted) as problem documents, an operation id for HEAD apart from GET's where one endpoint answers both, and the
/// document's licence, tags and server. Tools that generate clients or lint the document read all of it.
/// </summary>
internal static class ApiDocumentConventions
{
    public const string TokenScheme = "apiToken";
    public const string BasicScheme = "basic";
    public const string SessionScheme = "session";

    private const string ProblemType = "application/problem+json";

    /// <summary>The tags the API's endpoints use, with what each covers.</summary>
    private static readonly Dictionary<string, string> TagDescriptions = new(StringComparer.Ordinal)
    {
        ["vServers"] = "Virtual servers: create, change, operate, move and delete; every change runs as a job.",
        ["Jobs"] = "The job log: what was asked, by whom, its progress and outcome.",
        ["Recovery points"] = "Snapshots of a VM's disks (and memory, while running) to go back to.",
        ["Disk exports"] = "A VM's disk as a file to download (qcow2 or raw), made by a job on the rack server.",
        ["Rack servers"] = "The KVM hosts (operator): their use, state and maintenance.",
        ["Images"] = "ISO images and appliances: the operator's library and each customer's own uploads (tus 1.0) and fetches.",
        ["Addresses"] = "IP address pools and each VM's addresses, with reverse DNS.",
        ["Usage"] = "Usage history of VMs and rack servers: CPU, memory, disk and network.",
        ["Alerts"] = "Alert rules over usage and state, and the alerts they raised.",
        ["Tenants"] = "Resellers (operator) and customers (resellers): their capacity, one-time password policy and suspension.",
        ["Users"] = "The people of a reseller or customer, their grants and one-time passwords.",
        ["API tokens"] = "Tokens for scripts, each with a scope (read ⊂ operate ⊂ manage) and an expiry.",
        ["Session"] = "Signing in and out with a session cookie, for browsers and scripts that prefer one.",
        ["Profile"] = "The signed-in user's own password and language.",
        ["Audit"] = "Who did what and when, for the caller's own tenant.",
        ["Operations"] = "The operator's view of the message bus: messages that could not be delivered.",
        ["Theme"] = "The reseller's brand as the portal shows it (name, colours, logo) — public.",
        ["Catalogue"] = "Plans and add-ons with their monthly prices, as the caller's reseller sells them.",
        ["Contracts"] = "A customer's contracts: order, upgrade, notice, and when each ends.",
        ["Invoices"] = "Monthly invoices with their PDF and XRechnung, credit notes and payments.",
        ["Prices"] = "The operator's wholesale and each reseller's retail price lists.",
        ["SOAP"] = "The VM lifecycle as a SOAP 1.1 service with a WSDL, for automation written against SOAP.",
        ["Webhooks"] = "Signed HTTP callbacks for jobs, VM states, invoices and alerts: subscriptions, secret rotation and the delivery log.",
    };

    public static async Task DescribeDocumentAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.License = new OpenApiLicense { Name = "Apache-2.0", Identifier = "Apache-2.0" };
        foreach (var server in document.Servers ?? [])
        {
            server.Url = server.Url?.TrimEnd('/');
        }

        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        if (!document.Components.Schemas.ContainsKey(nameof(ProblemDetails)))
        {
            document.Components.Schemas[nameof(ProblemDetails)] = await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), null, cancellationToken);
        }

        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[TokenScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "vct_…",
            Description = "An API token (Profile → API tokens, or POST /api/v1/tokens). Its scope bounds what it reaches: see each operation's x-vcore-scope.",
        };
        document.Components.SecuritySchemes[BasicScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "basic",
            Description = "User name and password, for accounts without a one-time password. Sign-in attempts are counted per address.",
        };
        document.Components.SecuritySchemes[SessionScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Cookie,
            Name = "vcore.session",
            Description = "The session cookie of POST /api/v1/session; send unsafe methods with the anti-forgery header.",
        };

        foreach (var tag in document.Tags ?? new HashSet<OpenApiTag>())
        {
            if (tag.Name is { } name && TagDescriptions.TryGetValue(name, out var description))
            {
                tag.Description = description;
            }
        }
    }

    public static Task DescribeOperationAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var description = context.Description;
        var metadata = description.ActionDescriptor.EndpointMetadata;
        var anonymous = metadata.OfType<IAllowAnonymous>().Any();
        // One endpoint for GET and HEAD is two operations: HEAD's id is GET's with "Head".
        if (string.Equals(description.HttpMethod, HttpMethods.Head, StringComparison.OrdinalIgnoreCase) && operation.OperationId is { } id
            && metadata.OfType<Microsoft.AspNetCore.Routing.HttpMethodMetadata>().LastOrDefault()?.HttpMethods.Count > 1)
        {
            operation.OperationId = id + "Head";
        }

        operation.Security = anonymous
            ? [new OpenApiSecurityRequirement()]
            : metadata.OfType<RequiredScope>().LastOrDefault()?.Scope is not null
                ? [Requirement(TokenScheme, context), Requirement(BasicScheme, context), Requirement(SessionScheme, context)]
                : [Requirement(BasicScheme, context), Requirement(SessionScheme, context)];

        operation.Responses ??= [];
        IOpenApiSchema problem = new OpenApiSchemaReference(nameof(ProblemDetails), context.Document);
        var hasInput = description.ParameterDescriptions.Count > 0;
        if (hasInput)
        {
            Add(operation, StatusCodes.Status400BadRequest, "The request could not be read: a field of the wrong type, a missing or malformed body.", problem);
        }

        if (!anonymous)
        {
            Add(operation, StatusCodes.Status401Unauthorized, HtmlErrorPages.SignInFirst, problem);
            Add(operation, StatusCodes.Status403Forbidden, "The caller lacks the permission, or the token's scope does not reach this operation.", problem);
        }

        if (description.RelativePath?.Contains('{', StringComparison.Ordinal) == true)
        {
            Add(operation, StatusCodes.Status404NotFound, "Nothing with this id — or nothing the caller may see.", problem);
        }

        if (metadata.OfType<EnableRateLimitingAttribute>().Any())
        {
            Add(operation, StatusCodes.Status429TooManyRequests, "Too many sign-in attempts from this address; wait a minute (Retry-After).", problem);
        }
        else if (!anonymous)
        {
            Add(operation, StatusCodes.Status429TooManyRequests, "Over a rate limit: the API token's, or its account's (all its tokens and its password together); every counted answer says where the caller stands.", problem);
            ((OpenApiResponse)operation.Responses["429"]).Headers = new Dictionary<string, IOpenApiHeader>
            {
                ["RateLimit-Policy"] = new OpenApiHeader { Description = "The caller's budgets: `\"token\";q=<requests>;w=<seconds>, \"account\";q=<requests>;w=<seconds>` (IETF draft-ietf-httpapi-ratelimit-headers); sent on every counted answer.", Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
                ["RateLimit"] = new OpenApiHeader { Description = "Where the caller stands in each: `\"token\";r=<requests remaining>;t=<seconds until the window ends>, \"account\";r=…;t=…`; sent on every counted answer.", Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
                ["Retry-After"] = new OpenApiHeader { Description = "Seconds until the next request is accepted.", Schema = new OpenApiSchema { Type = JsonSchemaType.Integer } },
            };
        }

        DescribeConditions(operation, description, metadata, problem);

        // Every refusal is a problem document, also where an endpoint declared only its status.
        foreach (var (code, response) in operation.Responses)
        {
            if (code.Length == 3 && code[0] is '4' or '5' && response is OpenApiResponse own)
            {
                own.Content ??= new Dictionary<string, OpenApiMediaType>();
                if (own.Content.Count == 0 || (own.Content.Count == 1 && own.Content.ContainsKey("application/json") && own.Content["application/json"].Schema is null))
                {
                    own.Content.Clear();
                    own.Content[ProblemType] = new OpenApiMediaType { Schema = problem };
                }

                if (string.IsNullOrEmpty(own.Description))
                {
                    own.Description = ReasonPhrase(code);
                }
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// ETags on every read, <c>If-Match</c> on the updates that declare their resource, and the paging of the short
    /// lists (<see cref="ApiConditionalRequests"/>).
    /// </summary>
    private static void DescribeConditions(OpenApiOperation operation, Microsoft.AspNetCore.Mvc.ApiExplorer.ApiDescription description, IList<object> metadata, IOpenApiSchema problem)
    {
        operation.Parameters ??= [];
        var text = new OpenApiSchema { Type = JsonSchemaType.String };
        if (string.Equals(description.HttpMethod, HttpMethods.Get, StringComparison.OrdinalIgnoreCase))
        {
            if (operation.Responses!.TryGetValue("200", out var ok) && ok is OpenApiResponse found && found.Content?.Keys.Any(k => k.Contains("json", StringComparison.Ordinal)) == true)
            {
                found.Headers ??= new Dictionary<string, IOpenApiHeader>();
                found.Headers["ETag"] = new OpenApiHeader { Description = "The representation's entity tag: send it in If-None-Match to be told 304 when nothing changed, or in If-Match with an update.", Schema = text };
                operation.Parameters.Add(new OpenApiParameter { Name = "If-None-Match", In = ParameterLocation.Header, Description = "An ETag from an earlier answer: 304 without a body while the representation is the same.", Schema = text });
                operation.Responses["304"] = new OpenApiResponse { Description = "Not modified: the representation still has the ETag sent in If-None-Match." };

                var type = description.SupportedResponseTypes.FirstOrDefault(r => r.StatusCode == StatusCodes.Status200OK)?.Type;
                if (type is not null && type != typeof(string) && typeof(System.Collections.IEnumerable).IsAssignableFrom(type)
                    && !metadata.OfType<ApiConditionalRequests.SelfPagedList>().Any())
                {
                    var known = operation.Parameters.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
                    if (!known.Contains("limit"))
                    {
                        operation.Parameters.Add(new OpenApiParameter { Name = "limit", In = ParameterLocation.Query, Description = $"At most this many items (1–{ApiConditionalRequests.MaxLimit}); all when left out.", Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "1", Maximum = ApiConditionalRequests.MaxLimit.ToString(System.Globalization.CultureInfo.InvariantCulture) } });
                        operation.Parameters.Add(new OpenApiParameter { Name = "offset", In = ParameterLocation.Query, Description = "Skip this many items first (0 when left out).", Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "0" } });
                    }

                    if (!known.Contains("search"))
                    {
                        operation.Parameters.Add(new OpenApiParameter { Name = "search", In = ParameterLocation.Query, Description = "Only the items with a text field that contains this (any case; at most 200 characters).", Schema = text });
                    }

                    found.Headers[ApiConditionalRequests.TotalCountHeader] = new OpenApiHeader { Description = "With limit, offset or search: how many items there are in all (after search).", Schema = new OpenApiSchema { Type = JsonSchemaType.Integer } };
                    found.Headers["Link"] = new OpenApiHeader { Description = "With limit or offset: the next and previous pages (RFC 8288, rel=\"next\", rel=\"prev\").", Schema = text };
                }
            }

            return;
        }

        if (metadata.OfType<ApiConditionalRequests.ResourceQuery>().Any())
        {
            operation.Parameters.Add(new OpenApiParameter { Name = "If-Match", In = ParameterLocation.Header, Description = "The ETag of the resource as read (GET): the change happens only while it is still the same, checked in the change's own transaction; `*` for any.", Schema = text });
            Add(operation, StatusCodes.Status412PreconditionFailed, "The resource changed since the ETag in If-Match was read: read it again.", problem);
        }
    }

    private static OpenApiSecurityRequirement Requirement(string scheme, OpenApiOperationTransformerContext context) =>
        new() { [new OpenApiSecuritySchemeReference(scheme, context.Document)] = [] };

    private static void Add(OpenApiOperation operation, int status, string description, IOpenApiSchema problem)
    {
        var code = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses!.ContainsKey(code))
        {
            return;
        }

        operation.Responses[code] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType> { [ProblemType] = new() { Schema = problem } },
        };
    }

    private static string ReasonPhrase(string code) =>
        int.TryParse(code, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var status)
            ? Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status)
            : "Refused";
}
