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

    /// <summary>Types of the given assemblies that depend on any of <paramref name="forbidden"/> namespaces.</summary>
    public static IReadOnlyList<string> TypesDependingOn(IEnumerable<Assembly> assemblies, params string[] forbidden)
    {
        var result = Types.InAssemblies(assemblies).ShouldNot().HaveDependencyOnAny(forbidden).GetResult();
        return result.IsSuccessful ? [] : result.FailingTypeNames?.ToArray() ?? ["(unnamed)"];
    }
}
