using System.Reflection;

namespace VirtualCore.Architecture.Tests;

/// <summary>One broken rule: which assembly, and the reference or type that breaks it.</summary>
public sealed record Violation(string Assembly, string Offender, string Reason)
{
    public override string ToString() => $"{Assembly}: {Offender} ({Reason})";
}

/// <summary>
/// The boundary rules, each a function of the assemblies it judges, so that the same rule runs against
/// the platform and against the deliberately violating fixture.
/// </summary>
/// <remarks>
/// References are read from assembly metadata, which lists every assembly whose types are used, however
/// they are used (base types, signatures, method bodies, attributes).
/// </remarks>
public static class ArchitectureRules
{
    /// <summary>The assembly the Mediator.Abstractions package ships (it is named "Mediator").</summary>
    public static string MediatorAbstractions { get; } = typeof(Mediator.IMediator).Assembly.GetName().Name!;

    /// <summary>Rule 1: a module reaches another module only through that module's Contracts.</summary>
    public static IReadOnlyList<Violation> ModulesUseOtherModulesOnlyThroughContracts(IEnumerable<Assembly> modules) =>
        ForbiddenReferences(
            modules,
            (subject, reference) => AssemblyKinds.Of(reference) == AssemblyKind.ModuleImplementation
                && AssemblyKinds.ModuleOf(reference) != AssemblyKinds.ModuleOf(subject.GetName()),
            "another module's implementation; use its Contracts");

    /// <summary>Rule 2: Contracts are the public surface: the BCL, Mediator.Abstractions and other Contracts only.</summary>
    public static IReadOnlyList<Violation> ContractsReferenceOnlyBclMediatorAndContracts(IEnumerable<Assembly> contracts) =>
        ForbiddenReferences(
            contracts,
            (_, reference) => AssemblyKinds.Of(reference) is not (AssemblyKind.Bcl or AssemblyKind.ModuleContracts)
                && reference.Name != MediatorAbstractions,
            "Contracts may reference only the BCL, Mediator.Abstractions and other Contracts");

    /// <summary>Rule 3: partners compile against the SDK, so it brings nothing but the BCL with it.</summary>
    public static IReadOnlyList<Violation> SdkReferencesOnlyBcl(IEnumerable<Assembly> sdk) =>
        ForbiddenReferences(
            sdk,
            (_, reference) => AssemblyKinds.Of(reference) != AssemblyKind.Bcl,
            "the SDK may reference only the BCL");

    /// <summary>Rule 4: an adapter is a plugin that sees the SDK and the BCL, never Mediator, MassTransit, EF or our internals.</summary>
    public static IReadOnlyList<Violation> AdaptersReferenceOnlySdkAndBcl(IEnumerable<Assembly> adapters) =>
        ForbiddenReferences(
            adapters,
            (_, reference) => AssemblyKinds.Of(reference) is not (AssemblyKind.Bcl or AssemblyKind.Sdk),
            "an adapter may reference only the SDK and the BCL");

    /// <summary>Rule 5: the framework knows no module, no host and no adapter.</summary>
    public static IReadOnlyList<Violation> FrameworkKnowsNoModuleHostOrAdapter(IEnumerable<Assembly> framework) =>
        ForbiddenReferences(
            framework,
            (_, reference) => AssemblyKinds.Of(reference) is AssemblyKind.ModuleImplementation or AssemblyKind.ModuleContracts
                or AssemblyKind.Host or AssemblyKind.Adapter,
            "the framework knows no module, host or adapter");

    /// <summary>Rule 6: a node agent speaks Node.Contracts and the SDK; of our assemblies it references nothing else.</summary>
    public static IReadOnlyList<Violation> NodeAgentSpeaksOnlyNodeContractsAndSdk(IEnumerable<Assembly> nodeAgent) =>
        ForbiddenReferences(
            nodeAgent,
            (_, reference) => AssemblyKinds.Of(reference) is not (AssemblyKind.Bcl or AssemblyKind.ThirdParty
                or AssemblyKind.NodeContracts or AssemblyKind.Sdk),
            "the node agent may use only Node.Contracts and the SDK of ours");

    /// <summary>Rule 7: Mediator handlers are internal sealed: reached through the mediator, never by type.</summary>
    public static IReadOnlyList<Violation> HandlersAreInternalAndSealed(IEnumerable<Assembly> assemblies)
    {
        var violations = new List<Violation>();
        foreach (var handler in assemblies.SelectMany(Handlers))
        {
            var assembly = handler.Assembly.GetName().Name ?? "";
            if (handler.IsPublic || handler.IsNestedPublic)
            {
                violations.Add(new Violation(assembly, handler.FullName ?? handler.Name, "a handler must not be public"));
            }

            if (!handler.IsSealed)
            {
                violations.Add(new Violation(assembly, handler.FullName ?? handler.Name, "a handler must be sealed"));
            }
        }

        return violations;
    }

    private static readonly Type[] HandlerInterfaces =
        [typeof(Mediator.IRequestHandler<,>), typeof(Mediator.ICommandHandler<,>), typeof(Mediator.IQueryHandler<,>)];

    /// <summary>Concrete types implementing a Mediator request, command or query handler.</summary>
    public static IEnumerable<Type> Handlers(Assembly assembly) =>
        LoadableTypes(assembly).Where(type => type is { IsClass: true, IsAbstract: false }
            && type.GetInterfaces().Any(i => i.IsGenericType && HandlerInterfaces.Contains(i.GetGenericTypeDefinition())));

    private static IEnumerable<Type> LoadableTypes(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            return e.Types.OfType<Type>();
        }
    }

    private static List<Violation> ForbiddenReferences(
        IEnumerable<Assembly> subjects, Func<Assembly, AssemblyName, bool> isForbidden, string reason) =>
        subjects
            .SelectMany(subject => subject.GetReferencedAssemblies()
                .Where(reference => isForbidden(subject, reference))
                .Select(reference => new Violation(subject.GetName().Name ?? "", reference.Name ?? "", reason)))
            .ToList();
}
