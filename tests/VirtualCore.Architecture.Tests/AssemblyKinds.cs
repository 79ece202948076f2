using System.Reflection;

namespace VirtualCore.Architecture.Tests;

public enum AssemblyKind
{
    Bcl,
    ThirdParty,
    Framework,
    NodeContracts,
    Sdk,
    ModuleImplementation,
    ModuleContracts,
    Adapter,
    Host,
    OtherOfOurs,
}

/// <summary>What an assembly is, from its name alone, so that a reference can be judged without loading it.</summary>
public static class AssemblyKinds
{
    private const string ModulePrefix = "VirtualCore.Modules.";
    private const string ContractsSuffix = ".Contracts";

    private static readonly HashSet<string> Hosts = ["VirtualCore.Portal", "VirtualCore.NodeAgent", "VirtualCore.Cli"];

    // A name like System.* is not proof enough: packages such as System.CommandLine use it too.
    // The BCL is what ships in the runtime's own directory.
    private static readonly string RuntimeDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;

    public static AssemblyKind Of(AssemblyName assembly)
    {
        var name = assembly.Name ?? "";
        return name switch
        {
            "VirtualCore.Framework" => AssemblyKind.Framework,
            "VirtualCore.Node.Contracts" => AssemblyKind.NodeContracts,
            "VirtualCore.Plugins.Sdk" => AssemblyKind.Sdk,
            _ when Hosts.Contains(name) => AssemblyKind.Host,
            _ when name.StartsWith(ModulePrefix, StringComparison.Ordinal) && IsContracts(name) => AssemblyKind.ModuleContracts,
            // Anything of a module that is not its Contracts is implementation, however it is split.
            _ when name.StartsWith(ModulePrefix, StringComparison.Ordinal) => AssemblyKind.ModuleImplementation,
            _ when name.StartsWith("VirtualCore.Adapters.", StringComparison.Ordinal) => AssemblyKind.Adapter,
            _ when name.StartsWith("VirtualCore.", StringComparison.Ordinal) => AssemblyKind.OtherOfOurs,
            _ when IsBcl(name) => AssemblyKind.Bcl,
            _ => AssemblyKind.ThirdParty,
        };
    }

    public static AssemblyKind Of(Assembly assembly) => Of(assembly.GetName());

    /// <summary>The module an assembly belongs to ("Compute" for VirtualCore.Modules.Compute[.*]), or null.</summary>
    public static string? ModuleOf(AssemblyName assembly)
    {
        var name = assembly.Name ?? "";
        if (!name.StartsWith(ModulePrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = name[ModulePrefix.Length..];
        var dot = rest.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? rest : rest[..dot];
    }

    private static bool IsContracts(string name) =>
        name.EndsWith(ContractsSuffix, StringComparison.Ordinal) && name.Count(c => c == '.') == 3;

    private static bool IsBcl(string name) =>
        (name is "netstandard" or "mscorlib" or "System"
         || name.StartsWith("System.", StringComparison.Ordinal)
         || name.StartsWith("Microsoft.Win32.", StringComparison.Ordinal))
        && File.Exists(Path.Combine(RuntimeDirectory, name + ".dll"));
}
