using System.Text;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using VirtualCore.Framework.Web;
using VirtualCore.Framework.Web.Pages;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Features.Actions;
using VirtualCore.Modules.Compute.Features.Queries;

namespace VirtualCore.Modules.Compute.Web.Pages;

/// <summary>The model of <c>Compute/Jobs.sbn-html</c>: the job log with its filter.</summary>
/// <param name="Jobs">The jobs that match, newest first.</param>
/// <param name="VmFilter">Empty: the live job feed shows every VM's jobs.</param>
/// <param name="Filter">The filter as given.</param>
/// <param name="Statuses">The statuses to filter by.</param>
/// <param name="Actions">The actions to filter by: every action a slice declares.</param>
/// <param name="ExportUrl">The CSV export of the same filter.</param>
/// <param name="OlderUrl">The next page of older jobs, or empty on the last page.</param>
/// <param name="NewestUrl">The first page of the same filter, or empty on the first page.</param>
public sealed record JobLogModel(
    IReadOnlyList<JobRow> Jobs, string VmFilter, JobFilter Filter, IReadOnlyList<string> Statuses, IReadOnlyList<string> Actions, string ExportUrl, string OlderUrl, string NewestUrl);

/// <summary>The job log's filter.</summary>
/// <param name="Status">Only this status, or empty.</param>
/// <param name="Action">Only this action, or empty.</param>
/// <param name="Search">Text in the name, user or info, or empty.</param>
public sealed record JobFilter(string Status, string Action, string Search);

/// <summary>GET /jobs and its CSV export.</summary>
internal static class JobLogPage
{
    public const string Template = "Compute/Jobs.sbn-html";

    /// <summary>Jobs per page of the job log.</summary>
    public const int PageSize = 200;

    public static void Map(RouteGroupBuilder pages)
    {
        pages.MapGet("/jobs", async (HttpContext http, IPageRenderer renderer, ISender sender, string? status, string? action, string? search, string? before) =>
        {
            var jobs = await sender.Send(new ListJobs(PageForms.Blank(status), PageForms.Blank(action), PageForms.Blank(search), null, PageSize, PageForms.Blank(before)), http.RequestAborted);
            var filter = ListLinks.Query(("status", status), ("action", action), ("search", search));
            var older = JobCursor.After(jobs, PageSize) is { } next ? $"/jobs?{(filter.Length > 0 ? filter + "&" : "")}before={next}" : "";
            return await renderer.RenderAsync(http, Template, "Job log", new JobLogModel(
                jobs.Select(JobRow.Of).ToArray(),
                "",
                new JobFilter(status ?? "", action ?? "", search ?? ""),
                JobStatuses.All,
                VmActions.Names,
                ListLinks.Page("/jobs/export.csv", filter, 1),
                older,
                string.IsNullOrEmpty(before) ? "" : ListLinks.Page("/jobs", filter, 1)));
        });

        pages.MapGet("/jobs/export.csv", async (HttpContext http, ISender sender, string? status, string? action, string? search) =>
        {
            var jobs = await sender.Send(new ListJobs(PageForms.Blank(status), PageForms.Blank(action), PageForms.Blank(search), null, JobQueries.MaxLimit), http.RequestAborted);
            var csv = new StringBuilder("type,name,action,user,start,end,status,info\n");
            foreach (var job in jobs)
            {
                csv.AppendJoin(',', [Csv(job.Type), Csv(job.Name), Csv(job.Action), Csv(job.UserName), Csv(PageFormat.Timestamp(job.StartedAt ?? job.QueuedAt)), Csv(PageFormat.Timestamp(job.EndedAt)), Csv(job.Status), Csv(job.Info)]).Append('\n');
            }

            return Results.File(Encoding.UTF8.GetBytes(csv.ToString()), "text/csv; charset=utf-8", "job-log.csv");
        });
    }

    /// <summary>A CSV field, quoted where needed; a leading formula character is defused so spreadsheets show it as text.</summary>
    private static string Csv(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 || value.StartsWith('=') || value.StartsWith('+') || value.StartsWith('-') || value.StartsWith('@')
            ? "\"" + (value.StartsWith('=') || value.StartsWith('+') || value.StartsWith('@') ? "'" : "") + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : value;
}
