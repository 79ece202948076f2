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

    [Fact]
    public void The_portal_composes_modules_without_reaching_into_them() =>
        Assert.Empty(TypeDependencyRules.HostTypesReachingIntoModules([PlatformAssemblies.Portal], PlatformAssemblies.ModuleImplementations));

    [Fact]
    public void Module_internals_are_the_web_layer_and_domain_not_the_root_or_features()
    {
        var internals = TypeDependencyRules.ModuleInternalNamespaces(PlatformAssemblies.ModuleImplementations);
        Assert.Contains("VirtualCore.Modules.Identity.Web", internals);
        Assert.Contains("VirtualCore.Modules.Identity.Domain", internals);
        Assert.DoesNotContain("VirtualCore.Modules.Identity", internals);
        Assert.DoesNotContain(internals, ns => ns.Contains(".Features", StringComparison.Ordinal));
    }

    [Fact]
    public void The_host_rule_catches_a_host_setting_up_authentication_and_using_a_module_web_layer()
    {
        var offenders = TypeDependencyRules.HostTypesReachingIntoModules(Fixture, PlatformAssemblies.ModuleImplementations);
        Assert.Contains(typeof(RogueHost).FullName, offenders);
        Assert.Contains(typeof(RogueAuthenticationHost).FullName, offenders);

        // The module type itself is what a host composes.
        Assert.DoesNotContain(typeof(RogueReferences).FullName, offenders);
    }
}
