using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Framework.Persistence;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Monitoring.Contracts;
using VirtualCore.Modules.Monitoring.Domain;
using VirtualCore.Modules.Monitoring.Features;
using VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Portal.Tests;

/// <summary>
/// Usage history: the simulated rack servers' agents report every second here; the portal stores the samples, rolls them
/// up into the tiers and serves them per VM (its customer's) and per rack server (the provider's). Figures a test sets
/// itself go in through the same ingest the bus consumer uses, so they can be checked to the digit.
/// </summary>
public sealed class UsageHistoryTests : IAsyncLifetime
{
    private readonly PortalFixture _portal = new(settings: new Dictionary<string, string>
    {
        ["NodeAgentDefaults:UsageInterval"] = "00:00:01",
    });

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task A_running_vms_usage_arrives_from_its_rack_server_and_reads_back_at_every_range()
    {
        var api = _portal.Demo();
        var vmId = await RunningVmAsync(api, "graphs");

        var hour = await Api.WaitUntilAsync(
            () => api.GetAsync<MetricsView>($"/api/v1/vms/{vmId}/metrics?range=hour"),
            v => Series(v, MetricNames.Cpu).Avg.Count(x => x is not null) >= 2);
        Assert.True(hour.Simulated);
        Assert.Equal(10, hour.StepSeconds);
        Assert.Equal(360, hour.Times.Count);
        Assert.Equal(hour.To, hour.Times[^1]);
        Assert.All(hour.Times.Zip(hour.Times.Skip(1)), p => Assert.Equal(10, p.Second - p.First));

        // Plausible figures: a share of the vCPU, at most the memory it has, traffic both ways, and the newest at the end.
        var cpu = Series(hour, MetricNames.Cpu).Avg.Where(x => x is not null).Select(x => x!.Value).ToList();
        Assert.All(cpu, c => Assert.InRange(c, 0.1, 100));
        var used = Series(hour, MetricNames.Memory).Avg.Last(x => x is not null)!.Value;
        var total = Series(hour, MetricNames.MemoryTotal).Avg.Last(x => x is not null)!.Value;
        Assert.InRange(used, 1, total);
        Assert.Equal(1L << 30, total);
        Assert.True(Series(hour, MetricNames.NetIn).Avg.Last(x => x is not null) > 0);
        Assert.True(Series(hour, MetricNames.DiskWrites).Avg.Last(x => x is not null) > 0);
        Assert.Contains(Series(hour, MetricNames.Cpu).Avg.TakeLast(3), x => x is not null);
        Assert.DoesNotContain(hour.Series, s => s.Name == MetricNames.Load);

        // Every range reaches up to the newest sample, from the tiers not rolled up yet, with min ≤ average ≤ max.
        foreach (var (range, step, buckets) in new[] { ("day", 60, 1_440), ("week", 900, 672), ("month", 7_200, 372), ("year", 86_400, 366), ("decade", 86_400, 3_653) })
        {
            var view = await api.GetAsync<MetricsView>($"/api/v1/vms/{vmId}/metrics?range={range}&series=cpu");
            Assert.Equal((range, step, buckets), (view.Range, view.StepSeconds, view.Times.Count));
            var series = Assert.Single(view.Series);
            var last = Enumerable.Range(0, buckets).Last(i => series.Avg[i] is not null);
            Assert.True(last >= buckets - 2, $"{range}: the newest bucket with figures is {buckets - 1 - last} from the end");
            Assert.InRange(series.Avg[last]!.Value, series.Min[last]!.Value, series.Max[last]!.Value);
        }

        // The rack server's own graph, for the provider only.
        var node = (await api.GetAsync<VmView>($"/api/v1/vms/{vmId}")).NodeName;
        var provider = _portal.ApiClient("operator", "operator-pass-1");
        var nodeHour = await Api.WaitUntilAsync(
            () => provider.GetAsync<MetricsView>($"/api/v1/nodes/{node}/metrics?range=hour"),
            v => Series(v, MetricNames.NetIn).Avg.Any(x => x > 0));
        Assert.Contains(Series(nodeHour, MetricNames.Load).Avg, x => x > 0);
        Assert.Equal(9L << 30, Series(nodeHour, MetricNames.MemoryTotal).Avg.Last(x => x is not null)!.Value, 0);
        Assert.Equal(HttpStatusCode.Forbidden, (await api.GetAsync($"/api/v1/nodes/{node}/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await provider.GetAsync("/api/v1/nodes/no-such-rack/metrics")).StatusCode);
    }

    [Fact]
    public async Task Figures_go_in_exactly_as_reported_and_unknown_vms_get_no_history()
    {
        var api = _portal.Demo();
        var vmId = await api.CreatedVmAsync("exact");
        var stranger = Guid.NewGuid();
        var at = DateTimeOffset.UtcNow;

        // 12.5 % CPU, 256 MiB of 1 GiB, 1 MB/s in and 2 MB/s out over 10 s: 10 MB and 20 MB of traffic.
        var node = await _portal.NodeOfAsync(vmId);
        var stored = await IngestAsync(new UsageReported(node, at, 10, false, new NodeUsageV1(50, 1L << 30, 8L << 30, 1.5),
        [
            new VmUsageV1(vmId, 12.5, 256L << 20, 1L << 30, 1000, 2000, 3, 4, 1_000_000, 2_000_000, 700, 1400),
            new VmUsageV1(stranger, 99, null, 1L << 30, 0, 0, 0, 0, 0, 0, 0, 0),
        ]));
        Assert.Equal(2, stored);

        var hour = await api.GetAsync<MetricsView>($"/api/v1/vms/{vmId}/metrics?range=hour&series=cpu,memory,net-out");
        Assert.False(hour.Simulated);
        Assert.Equal(["cpu", "memory", "net-out"], hour.Series.Select(s => s.Name));
        var bucket = hour.Times.ToList().IndexOf(at.ToUnixTimeSeconds() / 10 * 10);
        Assert.Equal(12.5, hour.Series[0].Avg[bucket]);
        Assert.Equal(256L << 20, hour.Series[1].Avg[bucket]);
        Assert.Equal(2_000_000, hour.Series[2].Max[bucket]);

        // Another rack server's agent cannot speak for this VM: its figures and traffic are left out, its own are kept.
        var elsewhere = new[] { "rack-1", "rack-2", "reserve-1" }.First(n => n != node);
        Assert.Equal(1, await IngestAsync(new UsageReported(elsewhere, at.AddSeconds(10), 10, false, new NodeUsageV1(1, 1, 2, null),
            [new VmUsageV1(vmId, 99, 1, 1L << 30, 0, 0, 0, 0, 1e12, 1e12, 0, 0)])));
        var forged = await api.GetAsync<MetricsView>($"/api/v1/vms/{vmId}/metrics?range=hour&series=cpu");
        Assert.DoesNotContain(99d, forged.Series[0].Avg);

        var traffic = Assert.Single(await api.GetAsync<TrafficMonthView[]>($"/api/v1/vms/{vmId}/traffic"));
        Assert.Equal((at.UtcDateTime.ToString("yyyy-MM"), 10_000_000L, 20_000_000L), (traffic.Month, traffic.InBytes, traffic.OutBytes));
        var csv = await api.GetStringAsync($"/api/v1/vms/{vmId}/traffic?format=csv");
        Assert.Equal($"month,in_bytes,out_bytes\r\n{traffic.Month},10000000,20000000\r\n", csv);

        var subjects = await _portal.DbAsync(db => db.Set<MetricSeries>().Select(s => s.Subject).ToListAsync());
        Assert.Contains(vmId.ToString(), subjects);
        Assert.DoesNotContain(stranger.ToString(), subjects);
    }

    [Fact]
    public async Task Another_customer_sees_nothing_and_bad_series_or_ranges_are_named()
    {
        var api = _portal.Demo();
        var vmId = await api.CreatedVmAsync("private");
        await IngestAsync(new UsageReported(await _portal.NodeOfAsync(vmId), DateTimeOffset.UtcNow, 10, false, new NodeUsageV1(1, 1, 2, null),
            [new VmUsageV1(vmId, 42, null, 1L << 30, 0, 0, 0, 0, 5, 5, 1, 1)]));

        var other = _portal.Other();
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/v1/vms/{vmId}/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/v1/vms/{vmId}/traffic?format=csv")).StatusCode);
        var kamp = _portal.ApiClient("baecker", "baecker-pass-1");
        kamp.BaseAddress = new Uri("http://kamp.localhost");
        Assert.Equal(HttpStatusCode.NotFound, (await kamp.GetAsync($"/api/v1/vms/{vmId}/metrics?range=hour")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await kamp.GetAsync("/api/v1/nodes/rack-1/metrics")).StatusCode);
        var reseller = _portal.ApiClient("kamp-admin", "kamp-admin-pass-1");
        reseller.BaseAddress = new Uri("http://kamp.localhost");
        Assert.Equal(HttpStatusCode.Forbidden, (await reseller.GetAsync("/api/v1/nodes/rack-1/metrics")).StatusCode);

        foreach (var (query, field) in new[]
        {
            ("range=fortnight", "range"), ("series=cpu,load", "series"), ("series=<script>", "series"), ("series=,,,", "series"),
            ("series=" + string.Join(',', Enumerable.Range(0, 2000).Select(i => "s" + i)), "series"), ("range=HOUR", "range"),
        })
        {
            using var response = await api.GetAsync($"/api/v1/vms/{vmId}/metrics?{query}");
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{query[..Math.Min(40, query.Length)]}: {(int)response.StatusCode}");
            var problem = await response.ProblemAsync();
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{query[..Math.Min(40, query.Length)]} should name '{field}'");
        }
    }

    [Fact]
    public async Task A_vdatacenters_minutes_are_its_vms_minutes_summed_and_only_its_customer_sees_them()
    {
        var api = _portal.Demo();
        var first = await api.CreatedVmAsync("vdc-a");
        var second = await api.CreatedVmAsync("vdc-b");
        var other = _portal.Other();
        var foreign = await other.CreatedVmAsync("vdc-other");

        // One minute two hours ago: the first VM received 1,000 then 3,000 B/s, the second 500 twice, the other customer's 7.
        var minute = MetricData.Tiers[1].BucketOf(DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeSeconds());
        var at = DateTimeOffset.FromUnixTimeSeconds(minute);
        static VmUsageV1 In(Guid vm, double bytes) => new(vm, 50, 1L << 20, 1L << 30, 0, 0, 0, 0, bytes, 0, 0, 0);
        await IngestPlacedAsync(at.AddSeconds(5), In(first, 1000), In(second, 500), In(foreign, 7));
        await IngestPlacedAsync(at.AddSeconds(15), In(first, 3000), In(second, 500));
        await using (var scope = _portal.Services.CreateAsyncScope())
        {
            Assert.True(await MetricRollups.RollAsync(scope.ServiceProvider.GetRequiredService<MetricStore>(), DateTimeOffset.UtcNow.ToUnixTimeSeconds(), default) > 0);
        }

        var day = await api.GetAsync<MetricsView>("/api/v1/capacity/metrics?range=day&series=net-in,memory-total");
        var i = day.Times.ToList().IndexOf(minute);
        Assert.Equal((2500d, 1500d, 3500d), (day.Series[0].Avg[i]!.Value, day.Series[0].Min[i]!.Value, day.Series[0].Max[i]!.Value));
        Assert.Equal(2d * (1L << 30), day.Series[1].Avg[i]);
        var theirs = await other.GetAsync<MetricsView>("/api/v1/capacity/metrics?range=day&series=net-in");
        Assert.Equal(7, theirs.Series[0].Avg[i]);

        var hour = await api.GetAsync<MetricsView>("/api/v1/capacity/metrics?range=hour");
        Assert.Equal((60, 60), (hour.StepSeconds, hour.Times.Count));
        Assert.DoesNotContain(hour.Series, s => s.Name == MetricNames.Cpu);
        using var cpu = await api.GetAsync("/api/v1/capacity/metrics?series=cpu");
        Assert.Equal(HttpStatusCode.BadRequest, cpu.StatusCode);
        Assert.True((await cpu.ProblemAsync()).GetProperty("errors").TryGetProperty("series", out _));
        Assert.Equal(HttpStatusCode.NotFound, (await _portal.ApiClient("operator", "operator-pass-1").GetAsync("/api/v1/capacity/metrics")).StatusCode);
    }

    [Fact]
    public async Task Deleting_a_vm_deletes_its_history_and_traffic()
    {
        var api = _portal.Demo();
        var vmId = await api.CreatedVmAsync("short-lived");
        await IngestAsync(new UsageReported(await _portal.NodeOfAsync(vmId), DateTimeOffset.UtcNow, 10, false, new NodeUsageV1(1, 1, 2, null),
            [new VmUsageV1(vmId, 42, null, 1L << 30, 0, 0, 0, 0, 5, 5, 1, 1)]));
        var subject = vmId.ToString();
        Assert.Equal(1, await _portal.DbAsync(db => db.Set<MetricSeries>().CountAsync(s => s.Subject == subject)));

        var response = await api.DeleteAsync($"/api/v1/vms/{vmId}?confirm=short-lived");
        await api.CompleteAsync(response.Content.ReadFromJsonAsync<JobAccepted>(Api.Json)!);

        Assert.Equal(0, await _portal.DbAsync(db => db.Set<MetricSeries>().CountAsync(s => s.Subject == subject)));
        Assert.Equal(0, await _portal.DbAsync(db => db.Set<MetricPoint>().CountAsync(p => !db.Set<MetricSeries>().Any(s => s.Id == p.SeriesId))));
        Assert.Equal(0, await _portal.DbAsync(db => db.Set<TrafficMonth>().CountAsync(t => !db.Set<MetricSeries>().Any(s => s.Id == t.SeriesId))));
    }

    [Fact]
    public async Task Rollups_summarise_each_bucket_once_with_average_minimum_and_maximum_and_rings_keep_their_size()
    {
        await using var scope = _portal.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<MetricStore>();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var series = new MetricSeries { Kind = MetricSeries.NodeKind, Subject = "rollup-test", CreatedAt = DateTimeOffset.UtcNow };
        db.Add(series);
        await db.SaveChangesAsync();

        // Two hours of 10-second samples long ago: CPU counts 0, 1, 2, … within each minute's six samples plus the minute's number.
        var raw = MetricData.Tiers[0];
        var start = raw.BucketOf(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 40 * 3600) / 3600 * 3600;
        var points = Enumerable.Range(0, 720).Select(i =>
        {
            var values = new double[MetricData.Count];
            Array.Fill(values, double.NaN);
            values[0] = (i % 6) + (i / 6);
            return new MetricPoint { SeriesId = series.Id, Tier = 0, Slot = raw.SlotOf(start + (i * 10)), BucketStart = start + (i * 10), Count = 1, Data = MetricData.EncodeRaw(values) };
        });
        await WriteAsync(db, store, points);

        // Before any rollup the minutes are made from the samples on the spot; after it they are stored, and read the same.
        var minute = MetricData.Tiers[1];
        var marks = await MetricMarks.ReadAsync(db, default);
        var onTheSpot = await store.ReadAsync(series.Id, minute, start, start + 7140, marks, default);
        Assert.True(await MetricRollups.RollAsync(store, start + 7200 + 3600, default) > 0);
        Assert.Equal(0, await MetricRollups.RollAsync(store, start + 7200 + 3600, default));
        var stored = await store.ReadAsync(series.Id, minute, start, start + 7140, await MetricMarks.ReadAsync(db, default), default);
        Assert.Equal(120, stored.Count);
        Assert.Equal(onTheSpot.Keys, stored.Keys);
        for (var m = 0; m < 120; m++)
        {
            var (avg, min, max) = MetricData.Read(stored[start + (m * 60)].Data, 0);
            Assert.Equal((m + 2.5f, (float)m, m + 5f), (avg, min, max));
            Assert.Equal(6, stored[start + (m * 60)].Count);
            Assert.Equal(MetricData.Read(onTheSpot[start + (m * 60)].Data, 0), (avg, min, max));
        }

        // The quarter hours summarise the minutes weighted by their samples: the first holds minutes 0–14, CPU 0 … 19.
        var quarter = await store.ReadAsync(series.Id, MetricData.Tiers[2], start, start, await MetricMarks.ReadAsync(db, default), default);
        Assert.Equal((9.5f, 0f, 19f), MetricData.Read(quarter[start].Data, 0));
        Assert.Equal(90, quarter[start].Count);

        // A sample 48 hours later takes the first one's slot: the ring never grows.
        var before = await db.Set<MetricPoint>().CountAsync(p => p.SeriesId == series.Id && p.Tier == 0);
        var later = start + raw.Retention;
        var values = new double[MetricData.Count];
        await WriteAsync(db, store, [new MetricPoint { SeriesId = series.Id, Tier = 0, Slot = raw.SlotOf(later), BucketStart = later, Count = 1, Data = MetricData.EncodeRaw(values) }]);
        Assert.Equal(raw.SlotOf(start), raw.SlotOf(later));
        Assert.Equal(before, await db.Set<MetricPoint>().CountAsync(p => p.SeriesId == series.Id && p.Tier == 0));
        Assert.Equal(later, await db.Set<MetricPoint>().Where(p => p.SeriesId == series.Id && p.Tier == 0 && p.Slot == raw.SlotOf(start)).Select(p => p.BucketStart).SingleAsync());
    }

    private static async Task WriteAsync(PortalDbContext db, MetricStore store, IEnumerable<MetricPoint> points)
    {
        await db.Database.OpenConnectionAsync();
        await using var transaction = await db.Database.BeginTransactionAsync();
        await store.UpsertAsync(points, default);
        await transaction.CommitAsync();
        await db.Database.CloseConnectionAsync();
    }

    /// <summary>Reports each VM's figures from the rack server the portal placed it on, as that server's agent would.</summary>
    private async Task IngestPlacedAsync(DateTimeOffset at, params VmUsageV1[] vms)
    {
        var nodes = new Dictionary<Guid, string>();
        foreach (var vm in vms)
        {
            nodes[vm.VmId] = await _portal.NodeOfAsync(vm.VmId);
        }

        foreach (var group in vms.GroupBy(v => nodes[v.VmId]))
        {
            await IngestAsync(new UsageReported(group.Key, at, 10, false, new NodeUsageV1(1, 1, 2, null), group.ToList()));
        }
    }

    private async Task<int> IngestAsync(UsageReported report)
    {
        await using var scope = _portal.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<UsageIngest>().StoreAsync([report], default);
    }


    private static MetricSeriesView Series(MetricsView view, string name) => view.Series.Single(s => s.Name == name);

    private static async Task<Guid> RunningVmAsync(HttpClient api, string name)
    {
        var vmId = await api.CreatedVmAsync(name);
        await api.CompleteAsync(api.ActAsync(vmId, "start"));
        return vmId;
    }
}
