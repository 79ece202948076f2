using System.Reflection;
using VirtualCore.Architecture.Tests.Fixtures;

namespace VirtualCore.Architecture.Tests;

/// <summary>
/// Each rule holds on the platform and breaks on the fixture, naming the offender: a rule that cannot fail is not a rule.
/// The fixture breaks every rule at once, so each fixture test also names what its rule must let through.
/// </summary>
public sealed class BoundaryRulesTests
{
    private static readonly Assembly[] Fixture = [typeof(RogueReferences).Assembly];

    [Fact]
    public void Discovery_finds_the_modules_the_portal_composes()
    {
        Assert.Superset(
            new HashSet<string> { "VirtualCore.Modules.Identity", "VirtualCore.Modules.Infrastructure", "VirtualCore.Modules.Compute" },
            PlatformAssemblies.Names(PlatformAssemblies.ModuleImplementations).ToHashSet());
        Assert.Superset(
            new HashSet<string> { "VirtualCore.Modules.Identity.Contracts", "VirtualCore.Modules.Infrastructure.Contracts", "VirtualCore.Modules.Compute.Contracts" },
            PlatformAssemblies.Names(PlatformAssemblies.ModuleContracts).ToHashSet());
    }

    [Fact]
    public void Discovery_finds_the_framework_sdk_node_agent_and_libvirt_adapter()
    {
        Assert.Equal(["VirtualCore.Framework"], PlatformAssemblies.Names(PlatformAssemblies.Framework));
        Assert.Equal(["VirtualCore.Plugins.Sdk"], PlatformAssemblies.Names(PlatformAssemblies.Sdk));
        Assert.Equal(["VirtualCore.NodeAgent"], PlatformAssemblies.Names(PlatformAssemblies.NodeAgent));
        Assert.Contains("VirtualCore.Adapters.Libvirt", PlatformAssemblies.Names(PlatformAssemblies.Adapters));
    }

    [Fact]
    public void Modules_use_other_modules_only_through_contracts() =>
        AssertHolds(ArchitectureRules.ModulesUseOtherModulesOnlyThroughContracts(PlatformAssemblies.ModuleImplementations));

    [Fact]
    public void Module_rule_catches_a_reference_to_another_modules_implementation()
    {
        var offenders = Offenders(ArchitectureRules.ModulesUseOtherModulesOnlyThroughContracts(Fixture));
        Assert.Contains("VirtualCore.Modules.Compute", offenders);
        Assert.DoesNotContain("VirtualCore.Modules.Compute.Contracts", offenders);
    }

    [Fact]
    public void Contracts_reference_only_bcl_mediator_and_contracts() =>
        AssertHolds(ArchitectureRules.ContractsReferenceOnlyBclMediatorAndContracts(PlatformAssemblies.ModuleContracts));

    [Fact]
    public void Contracts_rule_catches_module_and_framework_references()
    {
        var offenders = Offenders(ArchitectureRules.ContractsReferenceOnlyBclMediatorAndContracts(Fixture));
        Assert.Contains("VirtualCore.Modules.Compute", offenders);
        Assert.Contains("VirtualCore.Framework", offenders);
        Assert.DoesNotContain("VirtualCore.Modules.Compute.Contracts", offenders);
        Assert.DoesNotContain(ArchitectureRules.MediatorAbstractions, offenders);
        Assert.DoesNotContain("System.Runtime", offenders);
    }

    [Fact]
    public void Sdk_references_only_the_bcl() =>
        AssertHolds(ArchitectureRules.SdkReferencesOnlyBcl(PlatformAssemblies.Sdk));

    [Fact]
    public void Sdk_rule_catches_a_package_and_an_assembly_of_ours()
    {
        var offenders = Offenders(ArchitectureRules.SdkReferencesOnlyBcl(Fixture));
        Assert.Contains(ArchitectureRules.MediatorAbstractions, offenders);
        Assert.Contains("VirtualCore.Framework", offenders);
        Assert.DoesNotContain("System.Runtime", offenders);
    }

    [Fact]
    public void Adapters_reference_only_the_sdk_and_the_bcl() =>
        AssertHolds(ArchitectureRules.AdaptersReferenceOnlySdkAndBcl(PlatformAssemblies.Adapters));

    [Fact]
    public void Adapter_rule_catches_framework_module_and_mediator_references()
    {
        var offenders = Offenders(ArchitectureRules.AdaptersReferenceOnlySdkAndBcl(Fixture));
        Assert.Contains("VirtualCore.Framework", offenders);
        Assert.Contains("VirtualCore.Modules.Compute", offenders);
        Assert.Contains(ArchitectureRules.MediatorAbstractions, offenders);
        Assert.DoesNotContain("VirtualCore.Plugins.Sdk", offenders);
    }

    [Fact]
    public void Framework_knows_no_module_host_or_adapter() =>
        AssertHolds(ArchitectureRules.FrameworkKnowsNoModuleHostOrAdapter(PlatformAssemblies.Framework));

    [Fact]
    public void Framework_rule_catches_module_host_and_adapter_references()
    {
        var offenders = Offenders(ArchitectureRules.FrameworkKnowsNoModuleHostOrAdapter(Fixture));
        Assert.Contains("VirtualCore.Modules.Compute", offenders);
        Assert.Contains("VirtualCore.Modules.Compute.Contracts", offenders);
        Assert.Contains("VirtualCore.NodeAgent", offenders);
        Assert.Contains("VirtualCore.Adapters.Libvirt", offenders);
        Assert.DoesNotContain(ArchitectureRules.MediatorAbstractions, offenders);
    }

    [Fact]
    public void Node_agent_speaks_only_node_contracts_and_the_sdk() =>
        AssertHolds(ArchitectureRules.NodeAgentSpeaksOnlyNodeContractsAndSdk(PlatformAssemblies.NodeAgent));

    [Fact]
    public void Node_agent_rule_catches_module_and_framework_references()
    {
        var offenders = Offenders(ArchitectureRules.NodeAgentSpeaksOnlyNodeContractsAndSdk(Fixture));
        Assert.Contains("VirtualCore.Modules.Compute", offenders);
        Assert.Contains("VirtualCore.Framework", offenders);
        Assert.DoesNotContain("VirtualCore.Plugins.Sdk", offenders);
        Assert.DoesNotContain(ArchitectureRules.MediatorAbstractions, offenders);
    }

    [Fact]
    public void Module_handlers_are_found()
    {
        var handlers = PlatformAssemblies.ModuleImplementations.SelectMany(ArchitectureRules.Handlers).Select(t => t.Name);
        Assert.Contains("CreateVmHandler", handlers);
    }

    [Fact]
    public void Module_handlers_are_internal_and_sealed() =>
        AssertHolds(ArchitectureRules.HandlersAreInternalAndSealed(PlatformAssemblies.ModuleImplementations));

    [Fact]
    public void Handler_rule_catches_a_public_and_an_unsealed_handler()
    {
        var violations = ArchitectureRules.HandlersAreInternalAndSealed(Fixture);
        Assert.Equal(
            [
                $"{typeof(PublicHandler).FullName} a handler must not be public",
                $"{typeof(RogueReferences).Namespace}.UnsealedHandler a handler must be sealed",
            ],
            violations.Select(v => $"{v.Offender} {v.Reason}").Order(StringComparer.Ordinal));
    }

    private static HashSet<string> Offenders(IEnumerable<Violation> violations) =>
        violations.Select(v => v.Offender).ToHashSet();

    private static void AssertHolds(IReadOnlyList<Violation> violations) =>
        Assert.True(violations.Count == 0, "Broken:" + Environment.NewLine + string.Join(Environment.NewLine, violations));
}
