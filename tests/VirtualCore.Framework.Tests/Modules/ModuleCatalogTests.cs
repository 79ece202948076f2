using VirtualCore.Framework.Modules;

namespace VirtualCore.Framework.Tests.Modules;

public sealed class ModuleCatalogTests
{
    private sealed class Module(string id, params string[] dependencies) : IModule
    {
        public ModuleManifest Manifest { get; } = new(id, id, new Version(1, 0), dependencies, []);
    }

    [Fact]
    public void Modules_come_after_their_dependencies()
    {
        var catalog = ModuleCatalog.Create([new Module("Compute", "Infrastructure", "Identity"), new Module("Identity"), new Module("Infrastructure", "Identity")]);
        Assert.Equal(["Identity", "Infrastructure", "Compute"], catalog.Modules.Select(m => m.Manifest.Id));
    }

    [Fact]
    public void A_missing_dependency_is_refused_naming_both_modules()
    {
        var error = Assert.Throws<ModuleDependencyException>(() => ModuleCatalog.Create([new Module("Compute", "Billing")]));
        Assert.Equal("Module 'Compute' depends on module 'Billing', which is not present.", error.Message);
    }

    [Fact]
    public void A_cycle_is_refused_naming_the_cycle()
    {
        var error = Assert.Throws<ModuleDependencyException>(() =>
            ModuleCatalog.Create([new Module("A", "B"), new Module("B", "C"), new Module("C", "A")]));
        Assert.Equal("Module dependencies form a cycle: A → B → C → A.", error.Message);
    }

    [Fact]
    public void A_module_depending_on_itself_is_a_cycle()
    {
        var error = Assert.Throws<ModuleDependencyException>(() => ModuleCatalog.Create([new Module("A", "A")]));
        Assert.Contains("A → A", error.Message);
    }

    [Fact]
    public void The_same_module_twice_is_refused()
    {
        var error = Assert.Throws<ModuleDependencyException>(() => ModuleCatalog.Create([new Module("A"), new Module("A")]));
        Assert.Contains("'A' is registered twice", error.Message);
    }
}
