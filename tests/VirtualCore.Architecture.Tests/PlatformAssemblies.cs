using System.Reflection;

namespace VirtualCore.Architecture.Tests;

/// <summary>The platform's assemblies, found the way they are composed rather than listed by hand.</summary>
public static class PlatformAssemblies
{
    public static Assembly Portal { get; } = Assembly.Load("VirtualCore.Portal");

    /// <summary>The Portal and every assembly of ours it reaches, directly or not: what the composition root composes.</summary>
    public static IReadOnlyList<Assembly> Composed { get; } = ReachableFrom(Portal);

    public static IReadOnlyList<Assembly> ModuleImplementations { get; } = OfKind(AssemblyKind.ModuleImplementation);

    /// <summary>
    /// The Contracts the Portal reaches, and those of every module found: a Contracts assembly holding only
    /// constants leaves no reference behind in the assemblies that use it.
    /// </summary>
    public static IReadOnlyList<Assembly> ModuleContracts { get; } =
        OfKind(AssemblyKind.ModuleContracts)
            .Concat(ModuleImplementations.Select(m => $"VirtualCore.Modules.{AssemblyKinds.ModuleOf(m.GetName())}.Contracts")
                .Select(TryLoad).OfType<Assembly>())
            .DistinctBy(a => a.GetName().Name)
            .OrderBy(a => a.GetName().Name, StringComparer.Ordinal)
            .ToList();

    public static IReadOnlyList<Assembly> Framework { get; } = OfKind(AssemblyKind.Framework);

    public static IReadOnlyList<Assembly> Sdk { get; } = OfKind(AssemblyKind.Sdk);

    public static IReadOnlyList<Assembly> NodeAgent { get; } =
        Composed.Where(a => a.GetName().Name == "VirtualCore.NodeAgent").ToList();

    /// <summary>Adapters are plugins the Portal never references, so they are found beside the tests instead.</summary>
    public static IReadOnlyList<Assembly> Adapters { get; } =
        Directory.EnumerateFiles(AppContext.BaseDirectory, "VirtualCore.Adapters.*.dll")
            .Select(AssemblyName.GetAssemblyName)
            .Where(name => AssemblyKinds.Of(name) == AssemblyKind.Adapter)
            .Select(Assembly.Load)
            .ToList();

    public static IEnumerable<string> Names(IEnumerable<Assembly> assemblies) =>
        assemblies.Select(a => a.GetName().Name ?? "");

    private static Assembly? TryLoad(string name)
    {
        try
        {
            return Assembly.Load(name);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    private static List<Assembly> OfKind(AssemblyKind kind) =>
        Composed.Where(a => AssemblyKinds.Of(a) == kind).ToList();

    private static List<Assembly> ReachableFrom(Assembly root)
    {
        var found = new Dictionary<string, Assembly> { [root.GetName().Name!] = root };
        var pending = new Queue<Assembly>([root]);
        while (pending.TryDequeue(out var assembly))
        {
            foreach (var reference in assembly.GetReferencedAssemblies())
            {
                if (reference.Name is { } name && name.StartsWith("VirtualCore.", StringComparison.Ordinal) && !found.ContainsKey(name))
                {
                    var loaded = Assembly.Load(reference);
                    found[name] = loaded;
                    pending.Enqueue(loaded);
                }
            }
        }

        return found.Values.OrderBy(a => a.GetName().Name, StringComparer.Ordinal).ToList();
    }
}
