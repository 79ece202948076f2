using System.Reflection;
using VirtualCore.Architecture.Tests.Fixtures;

namespace VirtualCore.Architecture.Tests;

public sealed class TypeDependencyRulesTests
{
    private static readonly Assembly[] Fixture = [typeof(RogueReferences).Assembly];

    [Fact]
    public void The_sdk_and_the_adapters_use_no_portal_internals() =>
        Assert.Empty(TypeDependencyRules.TypesDependingOn(PlatformAssemblies.Sdk.Concat(PlatformAssemblies.Adapters), TypeDependencyRules.PortalInternals));

    [Fact]
    public void The_framework_uses_no_module_host_or_adapter() =>
        Assert.Empty(TypeDependencyRules.TypesDependingOn(PlatformAssemblies.Framework, "VirtualCore.Modules", "VirtualCore.Portal", "VirtualCore.NodeAgent", "VirtualCore.Adapters"));

    [Fact]
    public void The_type_rule_catches_a_type_using_a_module_and_the_framework()
    {
        var offenders = TypeDependencyRules.TypesDependingOn(Fixture, TypeDependencyRules.PortalInternals);
        Assert.Contains(typeof(RogueReferences).FullName, offenders);
    }

    [Fact]
    public void The_type_rule_lets_a_type_using_only_the_sdk_through()
    {
        var offenders = TypeDependencyRules.TypesDependingOn(Fixture, TypeDependencyRules.PortalInternals);
        Assert.DoesNotContain(typeof(SdkOnlyAdapterFactory).FullName, offenders);
    }
}
