using VirtualCore.Modules.Compute.Domain;
using VirtualCore.Modules.Infrastructure.Contracts;

namespace VirtualCore.Portal.Tests.Modules.Compute;

public sealed class PlacementTests
{
    private const long Gib = Placement.Gib;

    private static Placement.NodeUsage Node(string name, int cores, int usedFrom = 0, int usedCount = 0, long memoryGiB = 43, long usedGiB = 0, int reservedCores = 0, bool online = true, string role = "compute") =>
        new(
            new RackServerView(name, role, cores, reservedCores, (memoryGiB + 5) * Gib, 5 * Gib, "x86_64", online, DateTimeOffset.UnixEpoch),
            Enumerable.Range(usedFrom, usedCount).ToHashSet(),
            usedGiB * Gib);

    [Fact]
    public void The_server_with_the_most_free_cores_gets_the_lowest_free_cores()
    {
        var (decision, _) = Placement.Choose([Node("rack-1", 12, 0, 8), Node("rack-2", 12, 0, 2)], 3, 4 * Gib);
        Assert.Equal("rack-2", decision!.NodeName);
        Assert.Equal([2, 3, 4], decision.Cores);
    }

    [Fact]
    public void Cores_kept_for_the_host_are_never_given_to_a_vm()
    {
        var (decision, _) = Placement.Choose([Node("rack-1", 12, reservedCores: 2)], 2, Gib);
        Assert.Equal([2, 3], decision!.Cores);
        var (none, reason) = Placement.Choose([Node("rack-1", 4, reservedCores: 2)], 3, Gib);
        Assert.Null(none);
        Assert.Contains("at most 2 free", reason);
    }

    [Fact]
    public void Reserve_and_offline_servers_take_no_new_vms()
    {
        var (decision, reason) = Placement.Choose([Node("reserve-1", 12, role: "reserve"), Node("rack-1", 12, online: false)], 1, Gib);
        Assert.Null(decision);
        Assert.Equal("No rack server is online to take a new VM.", reason);
    }

    [Fact]
    public void Memory_is_not_overcommitted()
    {
        var (decision, reason) = Placement.Choose([Node("rack-1", 12, memoryGiB: 43, usedGiB: 40)], 1, 4 * Gib);
        Assert.Null(decision);
        Assert.Contains("4 GiB of free memory (at most 3 GiB free on one server)", reason);
    }

    [Fact]
    public void Cores_in_use_are_skipped_even_between_free_ones()
    {
        var usage = new Placement.NodeUsage(
            new RackServerView("rack-1", "compute", 6, 0, 48 * Gib, 5 * Gib, "x86_64", true, null),
            new HashSet<int> { 0, 2, 3 },
            0);
        var (decision, _) = Placement.Choose([usage], 3, Gib);
        Assert.Equal([1, 4, 5], decision!.Cores);
    }
}
