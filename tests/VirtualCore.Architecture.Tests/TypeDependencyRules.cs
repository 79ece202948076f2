using System.Reflection;
using NetArchTest.Rules;

namespace VirtualCore.Architecture.Tests;

/// <summary>
/// The same boundaries seen from the types' code (NetArchTest reads the IL), which also catches a use that the
/// compiler would not record as an assembly reference, such as a type named only in a signature.
/// </summary>
public static class TypeDependencyRules
{
    /// <summary>What partners' code and the SDK must never see: our internals and the portal's infrastructure.</summary>
    public static readonly string[] PortalInternals =
        ["VirtualCore.Framework", "VirtualCore.Modules", "VirtualCore.Portal", "VirtualCore.NodeAgent", "VirtualCore.Node.Contracts", "MassTransit", "Mediator", "Microsoft.EntityFrameworkCore"];

    /// <summary>The namespace of ASP.NET Core's authentication schemes and handlers, which belong to the Identity module.</summary>
    public const string Authentication = "Microsoft.AspNetCore.Authentication";

    /// <summary>
    /// A host composes modules and reads configuration: of a module it uses the module type and its options (the
    /// module's root namespace), its Contracts and its requests (Features), never its web layer, domain or other
    /// internals, and it sets up no authentication scheme of its own. The host's Mediator code, which the source
    /// generator writes to dispatch to every module's handlers, is not the host's own.
    /// </summary>
    public static IReadOnlyList<string> HostTypesReachingIntoModules(IEnumerable<Assembly> hosts, IEnumerable<Assembly> modules)
    {
        var forbidden = ModuleInternalNamespaces(modules).Append(Authentication).ToArray();
        var result = Types.InAssemblies(hosts).That().DoNotResideInNamespace("Mediator").ShouldNot().HaveDependencyOnAny(forbidden).GetResult();
        return result.IsSuccessful ? [] : result.FailingTypeNames?.ToArray() ?? ["(unnamed)"];
    }

    /// <summary>The namespaces of module implementations other than each module's root namespace and its Features.</summary>
    public static IReadOnlyList<string> ModuleInternalNamespaces(IEnumerable<Assembly> modules) =>
        modules.SelectMany(module =>
            {
                var root = module.GetName().Name ?? "";
                return Types.InAssembly(module).GetTypes().Select(t => t.Namespace ?? "")
                    .Where(ns => ns.StartsWith(root + ".", StringComparison.Ordinal) && !ns.StartsWith(root + ".Features", StringComparison.Ordinal));
            })
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToArray();

    /// <summary>Types of the given assemblies that depend on any of <paramref name="forbidden"/> namespaces.</summary>
    public static IReadOnlyList<string> TypesDependingOn(IEnumerable<Assembly> assemblies, params string[] forbidden)
    {
        var result = Types.InAssemblies(assemblies).ShouldNot().HaveDependencyOnAny(forbidden).GetResult();
        return result.IsSuccessful ? [] : result.FailingTypeNames?.ToArray() ?? ["(unnamed)"];
    }
}
