using VirtualCore.Modules.Infrastructure.Contracts;

namespace VirtualCore.Modules.Compute.Domain;

/// <summary>
/// Chooses a rack server for a VM: cores are dedicated (never two VMs on one core, no overcommit), memory is
/// not overcommitted either. Among the servers that fit, the one with the most free cores wins, spreading load.
/// </summary>
internal static class Placement
{
    public sealed record NodeUsage(RackServerView Server, IReadOnlySet<int> UsedCores, long UsedMemoryBytes)
    {
        public IEnumerable<int> FreeCores =>
            Enumerable.Range(Server.ReservedHostCores, Server.CoresForVms).Where(core => !UsedCores.Contains(core));

        public long FreeMemoryBytes => Server.MemoryForVmsBytes - UsedMemoryBytes;
    }

    public sealed record Decision(string NodeName, IReadOnlyList<int> Cores);

    /// <returns>The decision, or null with the reason nothing fits.</returns>
    public static (Decision? Decision, string? Reason) Choose(IEnumerable<NodeUsage> nodes, int vcpus, long memoryBytes)
    {
        var candidates = nodes.Where(n => n.Server.Role == "compute" && n.Server.Online && n.Server.PhysicalCores > 0).ToList();
        if (candidates.Count == 0)
        {
            return (null, "No rack server is online to take a new VM.");
        }

        var fitting = candidates
            .Select(n => (Node: n, Free: n.FreeCores.ToList()))
            .Where(x => x.Free.Count >= vcpus && x.Node.FreeMemoryBytes >= memoryBytes)
            .OrderByDescending(x => x.Free.Count)
            .ThenBy(x => x.Node.Server.Name, StringComparer.Ordinal)
            .FirstOrDefault();
        if (fitting.Node is not null)
        {
            return (new Decision(fitting.Node.Server.Name, fitting.Free.Take(vcpus).ToArray()), null);
        }

        var mostCores = candidates.Max(n => n.FreeCores.Count());
        var mostMemory = candidates.Max(n => n.FreeMemoryBytes);
        var cores = vcpus == 1 ? "1 free dedicated core" : $"{vcpus} free dedicated cores";
        var reason = mostCores < vcpus
            ? $"No rack server has {cores} (at most {mostCores} free on one server)."
            : $"No rack server with {cores} also has {memoryBytes / Gib} GiB of free memory (at most {mostMemory / Gib} GiB free on one server).";
        return (null, reason);
    }

    public const long Gib = 1024L * 1024 * 1024;
}
