using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Domain;

namespace VirtualCore.Portal.Tests;

/// <summary>
/// The job log pages by keyset, newest first: following the next-page cursor walks every job the caller may see exactly
/// once, jobs queued at the same moment across a page's end included, and never reaches another tenant's jobs.
/// </summary>
public sealed class JobLogPagingTests : IAsyncLifetime
{
    private readonly PortalFixture _portal = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task Following_the_cursor_walks_every_job_once_newest_first_and_stays_in_the_tenant()
    {
        var demo = _portal.Demo();
        var other = _portal.Other();
        var mine = (await demo.CompleteAsync(demo.CreateVmAsync("paged-1"))).TargetId;
        var theirs = (await other.CompleteAsync(other.CreateVmAsync("paged-2"))).TargetId;

        // 30 more jobs each, five of them queued at one moment, so a page of 7 ends inside the tie.
        var start = DateTimeOffset.UtcNow.AddHours(-1);
        await _portal.DbAsync(async db =>
        {
            foreach (var (vmId, offset) in new[] { (mine, 0), (theirs, 1) })
            {
                var vm = await db.Set<VirtualMachine>().IgnoreQueryFilters().SingleAsync(v => v.Id == vmId);
                for (var i = 0; i < 30; i++)
                {
                    var at = i is >= 10 and < 15 ? start.AddSeconds(10) : start.AddSeconds(i + offset);
                    db.Add(new Job
                    {
                        Id = Guid.NewGuid(),
                        ResellerId = vm.ResellerId,
                        CustomerId = vm.CustomerId,
                        TargetId = vm.Id,
                        TargetName = vm.Name,
                        Action = "pause",
                        UserName = "history",
                        NodeName = vm.NodeName,
                        Status = JobStatuses.Completed,
                        Info = "Done.",
                        QueuedAt = at,
                        CommandName = "pause-domain",
                        CommandJson = "{}",
                    });
                }
            }

            return await db.SaveChangesAsync();
        });

        var all = await demo.GetAsync<JobView[]>("/api/v1/jobs?limit=1000");
        Assert.Equal(31, all.Length);

        var walked = new List<JobView>();
        var path = "/api/v1/jobs?limit=7";
        var pages = 0;
        while (path is not null)
        {
            var response = await demo.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            walked.AddRange(JsonSerializer.Deserialize<JobView[]>(await response.Content.ReadAsStringAsync(), new JsonSerializerOptions(JsonSerializerDefaults.Web))!);
            path = response.Headers.TryGetValues("Link", out var links)
                ? links.Single().Split('>')[0].TrimStart('<')
                : null;
            Assert.True(++pages < 20, "the pages never end");
        }

        Assert.Equal(all.Select(j => j.Id).Order(), walked.Select(j => j.Id).Order());
        Assert.Equal(walked.Count, walked.Select(j => j.Id).Distinct().Count());
        Assert.Equal(walked.OrderByDescending(j => j.QueuedAt).Select(j => j.QueuedAt), walked.Select(j => j.QueuedAt));
        Assert.All(walked, j => Assert.Equal(mine, j.TargetId));

        // Another customer's cursor is only a moment: with it, the other customer reads its own older jobs, no more.
        var cursor = walked[10].QueuedAt.UtcTicks;
        var fromOther = await other.GetAsync<JobView[]>($"/api/v1/jobs?limit=1000&before={cursor}");
        Assert.NotEmpty(fromOther);
        Assert.All(fromOther, j => Assert.Equal(theirs, j.TargetId));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("99999999999999999999999")]
    [InlineData("1e9")]
    public async Task A_cursor_that_is_not_one_is_refused_on_its_field(string cursor)
    {
        var response = await _portal.Demo().GetAsync($"/api/v1/jobs?before={Uri.EscapeDataString(cursor)}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty("before", out _), problem.RootElement.ToString());
    }

    [Fact]
    public async Task The_job_log_page_links_to_older_jobs_and_back_to_the_newest()
    {
        var demo = _portal.Demo();
        var vm = (await demo.CompleteAsync(demo.CreateVmAsync("paged-3"))).TargetId;
        await _portal.DbAsync(async db =>
        {
            var row = await db.Set<VirtualMachine>().IgnoreQueryFilters().SingleAsync(v => v.Id == vm);
            for (var i = 0; i < 250; i++)
            {
                db.Add(new Job
                {
                    Id = Guid.NewGuid(),
                    ResellerId = row.ResellerId,
                    CustomerId = row.CustomerId,
                    TargetId = row.Id,
                    TargetName = row.Name,
                    Action = "resume",
                    UserName = "history",
                    NodeName = row.NodeName,
                    Status = JobStatuses.Completed,
                    Info = "Done.",
                    QueuedAt = DateTimeOffset.UtcNow.AddDays(-1).AddSeconds(i),
                    CommandName = "resume-domain",
                    CommandJson = "{}",
                });
            }

            return await db.SaveChangesAsync();
        });
        using var session = _portal.Session();
        await session.SignInAsync("demo", "demo-pass-1");
        var browser = session.Client;

        var first = await browser.GetStringAsync("/jobs?status=completed");
        var older = System.Text.RegularExpressions.Regex.Match(first, "href=\"(/jobs\\?status=completed&amp;before=\\d+)\" rel=\"next\"");
        Assert.True(older.Success, "the first page links to older jobs");
        Assert.DoesNotContain(">Newest<", first, StringComparison.Ordinal);

        var second = await browser.GetStringAsync(WebUtility.HtmlDecode(older.Groups[1].Value));
        Assert.Contains("href=\"/jobs?status=completed\"", second, StringComparison.Ordinal);
        Assert.DoesNotContain("rel=\"next\"", second, StringComparison.Ordinal);
    }
}
