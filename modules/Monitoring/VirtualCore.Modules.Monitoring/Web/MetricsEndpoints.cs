using System.Globalization;
using System.Text;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using VirtualCore.Framework.Security;
using VirtualCore.Framework.Web;
using VirtualCore.Modules.Monitoring.Contracts;

namespace VirtualCore.Modules.Monitoring.Web;

/// <summary>
/// Usage history: /api/v1/vms/{id}/metrics and /traffic (the VM's customer, at view level), /api/v1/nodes/{name}/metrics
/// (the provider's), and the rack server's page with its graphs.
/// </summary>
internal static class MetricsEndpoints
{
    public const string NodeTemplate = "Monitoring/NodeUsage.sbn-html";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        const string seriesHelp = "`series`: names separated by commas (cpu, memory, memory-total, disk-read, disk-write, disk-reads, disk-writes, net-in, net-out, net-in-packets, net-out-packets; rack servers also load), all when left out. `range`: hour (10-second samples), day (minutes), week (quarter hours), month (two hours), year or decade (days); day when left out. Rates are per second, memory in bytes, CPU in percent; each bucket has its average, minimum and maximum, null where nothing was measured.";
        var vms = endpoints.MapGroup("/api/v1/vms").RequireAuthorization().WithTags("Usage");
        vms.MapGet("/{vmId:guid}/metrics", (Guid vmId, string? series, string? range, ISender sender, CancellationToken ct) => sender.Send(new GetVmMetrics(vmId, series, range), ct))
            .RequireScope(ApiScopes.Read).WithName("GetVmMetrics")
            .WithSummary("The VM's usage over a range, as columns for a chart.").WithDescription(seriesHelp)
            .Produces<MetricsView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        vms.MapGet("/{vmId:guid}/traffic", async (Guid vmId, string? format, ISender sender, CancellationToken ct) =>
            {
                var months = await sender.Send(new GetVmTraffic(vmId), ct);
                return format == "csv" ? Results.Text(Csv(months), "text/csv; charset=utf-8") : Results.Ok(months);
            })
            .RequireScope(ApiScopes.Read).WithName("GetVmTraffic")
            .WithSummary("What the VM received and sent in each month (UTC), newest first; `format=csv` gives a CSV file.")
            .Produces<IReadOnlyList<TrafficMonthView>>().ProducesProblem(StatusCodes.Status404NotFound);

        endpoints.MapGet("/api/v1/capacity/metrics", (string? series, string? range, ISender sender, CancellationToken ct) => sender.Send(new GetVdcMetrics(series, range), ct))
            .RequireAuthorization().RequireScope(ApiScopes.Read).WithTags("Usage").WithName("GetVdcMetrics")
            .WithSummary("Your vDataCenter's use over a range: its vServers' memory, disk and network summed per minute (no CPU share; hour has 60 minutes).")
            .WithDescription(seriesHelp)
            .Produces<MetricsView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);

        var nodes = endpoints.MapGroup("/api/v1/nodes").RequireAuthorization().WithTags("Usage");
        nodes.MapGet("/{nodeName}/metrics", (string nodeName, string? series, string? range, ISender sender, CancellationToken ct) => sender.Send(new GetNodeMetrics(nodeName, series, range), ct))
            .RequireScope(ApiScopes.Read).WithName("GetNodeMetrics")
            .WithSummary("A rack server's usage over a range (the provider's): its CPU, memory and load, and its VMs' disk and network use summed.").WithDescription(seriesHelp)
            .Produces<MetricsView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);

        endpoints.MapGet("/nodes/{nodeName}", async (string nodeName, HttpContext http, IPageRenderer renderer, ISender sender) =>
            {
                // Asks for the newest hour first: a rack server without history, or a caller who may not see it, gets the error page.
                var hour = await sender.Send(new GetNodeMetrics(nodeName, MetricNames.Cpu, "hour"), http.RequestAborted);
                return await renderer.RenderAsync(http, NodeTemplate, "Rack server " + nodeName, new NodeUsageModel(nodeName, hour.Simulated));
            })
            .RequireAuthorization().ExcludeFromDescription();
    }

    private static string Csv(IReadOnlyList<TrafficMonthView> months)
    {
        var csv = new StringBuilder("month,in_bytes,out_bytes\r\n");
        foreach (var month in months)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{month.Month},{month.InBytes},{month.OutBytes}\r\n");
        }

        return csv.ToString();
    }
}

/// <summary>What Monitoring/NodeUsage.sbn-html shows: the graphs load their series from the API.</summary>
/// <param name="Name">The rack server.</param>
/// <param name="Simulated">Its figures are made up (a simulated rack server).</param>
public sealed record NodeUsageModel(string Name, bool Simulated);
