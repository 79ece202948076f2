using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Modules.Compute.Contracts;

namespace VirtualCore.Portal.Tests;

/// <summary>
/// The VM list and the rack-server page at a provider's size: a page at a time, filtered and sorted on the server,
/// with links that keep the filter; addresses typed by hand with values the lists do not know still show a page.
/// </summary>
public sealed partial class ListPagesTests : IAsyncLifetime
{
    private readonly PortalFixture _portal = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task The_VM_list_shows_a_hundred_at_a_time_and_filters_across_every_page_but_never_another_customers()
    {
        var demo = _portal.Demo();
        await demo.CompleteAsync(demo.CreateVmAsync("seed"));
        var seed = (await demo.GetAsync<VmView[]>("/api/v1/vms")).Single();

        // 204 more of the demo customer's VMs, written as rows beside the one created: half running, half shut off, on a
        // rack server that never reports (so no heartbeat reconciles them away while the test reads).
        await _portal.DbAsync(async db =>
        {
            for (var i = 0; i < 204; i++)
            {
                await db.Database.ExecuteSqlRawAsync(
                    """
                    INSERT INTO "VirtualMachines" ("Id", "ResellerId", "CustomerId", "Name", "VCpus", "MemoryGiB", "DiskGiB", "IsoName", "NodeName", "MacAddress", "Addresses",
                      "State", "BootOrder", "DiskBus", "NicModel", "NextBootChanges", "StateChangedAt", "CreatedAt", "CreatedBy", "Version")
                    SELECT {0}, "ResellerId", "CustomerId", {1}, 1, 1, 10, NULL, 'quiet-1', {2}, '', {3}, "BootOrder", "DiskBus", "NicModel", '', "StateChangedAt", "CreatedAt", 'test', 0
                    FROM "VirtualMachines" WHERE "Id" = {4}
                    """,
                    Guid.NewGuid().ToString("D").ToUpperInvariant(), $"bulk-{i:D3}", $"52:54:00:aa:{i >> 8:x2}:{i & 0xff:x2}", i % 2 == 1 ? VmStates.Running : VmStates.ShutOff,
                    seed.Id.ToString("D").ToUpperInvariant());
            }

            return 0;
        });

        using var session = _portal.Session();
        Assert.Equal("/vms", await session.SignInAsync("demo", "demo-pass-1"));

        var first = await session.Client.GetStringAsync("/vms");
        Assert.Equal(100, Rows(first).Count);
        Assert.Equal("bulk-000", Rows(first)[0]);
        Assert.Contains("vServers 1–100", first, StringComparison.Ordinal);
        Assert.Contains("href=\"/vms?page=2\" rel=\"next\"", first, StringComparison.Ordinal);
        Assert.DoesNotContain("rel=\"prev\"", first, StringComparison.Ordinal);

        var pages = new List<string>(Rows(first));
        for (var page = 2; page <= 3; page++)
        {
            pages.AddRange(Rows(await session.Client.GetStringAsync($"/vms?page={page}")));
        }

        // Every VM once, in name order, over three pages: 100, 100 and 5.
        Assert.Equal(205, pages.Count);
        Assert.Equal(pages.Order(StringComparer.Ordinal), pages);
        var last = await session.Client.GetStringAsync("/vms?page=3");
        Assert.Equal(5, Rows(last).Count);
        Assert.Contains("href=\"/vms?page=2\" rel=\"prev\"", last, StringComparison.Ordinal);
        Assert.DoesNotContain("rel=\"next\"", last, StringComparison.Ordinal);

        // A search and a state narrow every page; the links keep them, and the order chosen.
        var running = await session.Client.GetStringAsync("/vms?search=BULK-0&state=running&sort=-name");
        Assert.Equal(50, Rows(running).Count);
        Assert.Equal("bulk-099", Rows(running)[0]);
        Assert.All(Rows(running), name => Assert.Equal(1, int.Parse(name[5..], System.Globalization.CultureInfo.InvariantCulture) % 2));
        Assert.Contains("<option value=\"running\" selected>", running, StringComparison.Ordinal);
        var runningAll = await session.Client.GetStringAsync("/vms?search=bulk&state=running");
        Assert.Equal(100, Rows(runningAll).Count);
        Assert.Contains("href=\"/vms?search=bulk&amp;state=running&amp;page=2\" rel=\"next\"", runningAll, StringComparison.Ordinal);
        Assert.Equal(2, Rows(await session.Client.GetStringAsync("/vms?search=bulk&state=running&page=2")).Count);

        // The other customer's list finds none of them, by any search.
        using var other = _portal.Session();
        Assert.Equal("/vms", await other.SignInAsync("other", "other-pass-1"));
        Assert.Empty(Rows(await other.Client.GetStringAsync("/vms?search=bulk")));
        Assert.Empty(Rows(await other.Client.GetStringAsync("/vms?page=2")));
    }

    [Theory]
    [InlineData("/vms?state=bogus&sort=drop&page=-5")]
    [InlineData("/vms?page=99999999999999999999")]
    [InlineData("/vms?page=abc&sort=")]
    [InlineData("/vms?search=%3Cscript%3Ealert(1)%3C%2Fscript%3E")]
    [InlineData("/nodes?status=%3Cb%3E&page=-1")]
    [InlineData("/nodes?page=abc&search=%3Cscript%3E")]
    [InlineData("/nodes?status=mine")]
    public async Task A_list_address_with_values_it_does_not_know_shows_a_page_and_echoes_nothing_unescaped(string path)
    {
        using var session = _portal.Session();
        Assert.Equal("/vms", await session.SignInAsync("operator", "operator-pass-1"));
        using var response = await session.Client.GetAsync(path);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("<script>alert", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_rack_server_page_totals_every_server_and_shows_a_filtered_page_of_them()
    {
        // Fifty more rack servers, registered but never reporting (offline), beside the three embedded ones.
        await _portal.DbAsync(async db =>
        {
            for (var i = 0; i < 50; i++)
            {
                await db.Database.ExecuteSqlRawAsync(
                    """
                    INSERT INTO "RackServers" ("Id", "Name", "Role", "Sockets", "CoresPerSocket", "ThreadsPerCore", "MemoryBytes", "ReservedHostCores", "ReservedMemoryBytes", "CpuModel", "AgentVersion", "Capabilities")
                    VALUES ({0}, {1}, 'compute', 2, 8, 1, {2}, 0, 0, 'Test CPU', '', '')
                    """,
                    Guid.NewGuid().ToString("D").ToUpperInvariant(), $"extra-{i}", 64L << 30);
            }

            return 0;
        });

        using var session = _portal.Session();
        Assert.Equal("/vms", await session.SignInAsync("operator", "operator-pass-1"));
        var first = await session.Client.GetStringAsync("/nodes");
        Assert.Equal(48, Cards(first).Count);
        Assert.Contains("<strong>53</strong>", first, StringComparison.Ordinal);
        Assert.Contains("50 offline", first, StringComparison.Ordinal);
        Assert.Contains("1–48 of 53", first, StringComparison.Ordinal);
        Assert.Contains("href=\"/nodes?page=2\" rel=\"next\"", first, StringComparison.Ordinal);

        var second = await session.Client.GetStringAsync("/nodes?page=2");
        Assert.Equal(5, Cards(second).Count);
        Assert.Equal(53, Cards(first).Concat(Cards(second)).Distinct().Count());

        var offline = await session.Client.GetStringAsync("/nodes?status=offline&page=2");
        Assert.Equal(2, Cards(offline).Count);
        Assert.All(Cards(offline), name => Assert.StartsWith("extra-", name, StringComparison.Ordinal));
        Assert.Contains("href=\"/nodes?status=offline\" rel=\"prev\"", offline, StringComparison.Ordinal);

        var searched = await session.Client.GetStringAsync("/nodes?search=EXTRA-4");
        Assert.Equal(["extra-4", "extra-40", "extra-41", "extra-42", "extra-43", "extra-44", "extra-45", "extra-46", "extra-47", "extra-48", "extra-49"], Cards(searched).Order(StringComparer.Ordinal));

        // The totals stay every server's, whatever the filter; a page past the last shows the last.
        Assert.Contains("<strong>53</strong>", searched, StringComparison.Ordinal);
        Assert.Equal(5, Cards(await session.Client.GetStringAsync("/nodes?page=40")).Count);
        Assert.Empty(Cards(await session.Client.GetStringAsync("/nodes?search=nothing-like-this")));
    }

    private static List<string> Rows(string html) => [.. VmRowName().Matches(html).Select(m => m.Groups[1].Value)];

    private static List<string> Cards(string html) => [.. NodeCard().Matches(html).Select(m => m.Groups[1].Value)];

    [GeneratedRegex("<tr data-vm-id=\"[^\"]+\">\\s*<td><a href=\"/vms/[^\"]+\">([^<]+)</a>")]
    private static partial Regex VmRowName();

    [GeneratedRegex("<section class=\"card\" data-node=\"([^\"]+)\"")]
    private static partial Regex NodeCard();
}
