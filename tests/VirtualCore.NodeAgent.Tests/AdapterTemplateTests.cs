using System.Runtime.Loader;
using System.Text.Json;
using System.Xml.Linq;
using VirtualCore.Plugins.Sdk;
using VirtualCore.Tests.Shared;

namespace VirtualCore.NodeAgent.Tests;

/// <summary>
/// <c>dotnet new vcore-adapter</c> as a partner uses it: the template package and the SDK's packages from this build,
/// installed into a hive of their own, a new adapter made from the template, its conformance tests run (they pass,
/// and fail by name once the adapter is broken), and the adapter published into a node agent's plugins folder and
/// loaded from there. No package from this build reaches the machine's NuGet cache.
/// </summary>
public sealed class AdapterTemplateTests
{
    private const string Project = "R&D Hyper-V";

    private static string RepositoryRoot => DotnetCli.RepositoryRoot;

    private static string Configuration => DotnetCli.Configuration;

    [Fact]
    public async Task A_new_adapter_from_the_template_passes_its_conformance_tests_fails_them_when_broken_and_loads_as_a_plugin()
    {
        var root = Path.Combine(Path.GetTempPath(), "vcore-template-" + Guid.NewGuid().ToString("N")[..12]);
        var feed = Path.Combine(root, "feed");
        var hive = Path.Combine(root, "hive");
        var work = Path.Combine(root, "work");
        Directory.CreateDirectory(feed);
        try
        {
            await DotnetCli.RunOkAsync(RepositoryRoot, "pack", "plugins-sdk/VirtualCore.Plugins.Sdk", "--no-build", "-c", Configuration, "-o", feed);
            await DotnetCli.RunOkAsync(RepositoryRoot, "pack", "plugins-sdk/VirtualCore.Plugins.Sdk.Testing", "--no-build", "-c", Configuration, "-o", feed);
            await DotnetCli.RunOkAsync(RepositoryRoot, "pack", "templates/VirtualCore.Templates", "-c", Configuration, "-o", feed);
            var template = Assert.Single(Directory.GetFiles(feed, "VirtualCore.Templates.*.nupkg"));

            await DotnetCli.RunOkAsync(root, "new", "install", template, "--debug:custom-hive", hive);
            // A name that is no C# identifier and holds what XML escapes: files, the assembly and the test project's
            // reference keep it, namespaces get a form C# accepts.
            await DotnetCli.RunOkAsync(root, "new", "vcore-adapter", "-n", Project, "--adapterName", "contoso", "-o", work, "--debug:custom-hive", hive);

            // The projects take the packages of this build from the feed and everything else from the machine's cache,
            // and restore into a folder of their own.
            var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } packages
                ? packages
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            new XDocument(new XElement("configuration",
                new XElement("config", new XElement("add", new XAttribute("key", "globalPackagesFolder"), new XAttribute("value", Path.Combine(root, "packages")))),
                new XElement("packageSources",
                    new XElement("clear"),
                    new XElement("add", new XAttribute("key", "build"), new XAttribute("value", feed)),
                    new XElement("add", new XAttribute("key", "cache"), new XAttribute("value", cache))))).Save(Path.Combine(work, "nuget.config"));

            Assert.True(File.Exists(Path.Combine(work, Project, Project + ".csproj")));
            var source = Path.Combine(work, Project, "Adapter.cs");
            var adapterCode = await File.ReadAllTextAsync(source);
            Assert.Contains("namespace R_D_Hyper_V;", adapterCode, StringComparison.Ordinal);
            Assert.DoesNotContain("Acme", adapterCode, StringComparison.Ordinal);

            // Out of the box: the suite passes, the optional capabilities' tests skipped with their reasons.
            var (passing, passingOutput) = await DotnetCli.RunAsync(work, "test", Path.Combine(work, Project + ".Tests"));
            Assert.True(passing == 0, passingOutput);
            var summary = Summary(passingOutput);
            Assert.Equal(0, summary.Failed);
            Assert.True(summary.Passed >= 20, passingOutput);
            Assert.True(summary.Skipped >= 10, passingOutput);

            // Edited so that a start does nothing: the suite names what broke.
            const string Start = "Find(domainId).State = DomainState.Running;";
            Assert.Contains(Start, adapterCode, StringComparison.Ordinal);
            await File.WriteAllTextAsync(source, adapterCode.Replace(Start, "_ = Find(domainId);", StringComparison.Ordinal));
            var (failing, failingOutput) = await DotnetCli.RunAsync(work, "test", Path.Combine(work, Project + ".Tests"));
            Assert.NotEqual(0, failing);
            Assert.Contains("A_domain_is_defined_started_shut_down_powered_off_and_undefined", failingOutput, StringComparison.Ordinal);
            Assert.Contains("Running", failingOutput, StringComparison.Ordinal);
            await File.WriteAllTextAsync(source, adapterCode);

            // Published into a plugins folder and loaded by the node agent's loader, beside nothing else.
            var plugins = Path.Combine(root, "agent", "plugins");
            await DotnetCli.RunOkAsync(work, "publish", Path.Combine(work, Project), "-c", "Release", "-o", Path.Combine(plugins, Project));
            Assert.True(File.Exists(Path.Combine(plugins, Project, Project + ".dll")));
            Assert.False(File.Exists(Path.Combine(plugins, Project, "VirtualCore.Plugins.Sdk.dll")), "The SDK is the host's to share, not the plugin's to bring.");

            var factory = new AdapterPlugins(plugins).Get("contoso");
            Assert.Equal(SdkInfo.Version, factory.SdkVersion);
            // The plugin lives in a load context of its own; the SDK's types are the host's.
            Assert.NotSame(AssemblyLoadContext.Default, AssemblyLoadContext.GetLoadContext(factory.GetType().Assembly));
            Assert.Same(typeof(IHypervisorAdapterFactory).Assembly, factory.GetType().GetInterfaces().Single(i => i.Name == nameof(IHypervisorAdapterFactory)).Assembly);
            await using var adapter = factory.Create(new NodeConnectionOptions("rack-t", "stand-in://rack-t", new Dictionary<string, string>()));
            await adapter.ConnectAsync(CancellationToken.None);
            var id = Guid.NewGuid();
            await adapter.DefineDomainAsync(new DomainSpec(id, "from-the-template", 1, 64L << 20, [], [], null, []), CancellationToken.None);
            await adapter.StartDomainAsync(id, CancellationToken.None);
            Assert.Equal(DomainState.Running, await adapter.GetDomainStateAsync(id, CancellationToken.None));
            var missing = await Assert.ThrowsAsync<HypervisorAdapterException>(() => adapter.PauseDomainAsync(id, CancellationToken.None));
            Assert.Equal(AdapterErrorCode.NotSupported, missing.Code);

            // Built for a newer minor version of the SDK than the host's: refused at loading, with both versions.
            var factorySource = Path.Combine(work, Project, "AdapterFactory.cs");
            var newer = new Version(SdkInfo.Version.Major, SdkInfo.Version.Minor + 1);
            await File.WriteAllTextAsync(factorySource, (await File.ReadAllTextAsync(factorySource)).Replace(
                $"new({SdkInfo.Version.Major}, {SdkInfo.Version.Minor})", $"new({newer.Major}, {newer.Minor})", StringComparison.Ordinal));
            var newerPlugins = Path.Combine(root, "newer-agent", "plugins");
            await DotnetCli.RunOkAsync(work, "publish", Path.Combine(work, Project), "-c", "Release", "-o", Path.Combine(newerPlugins, Project));
            var refused = Assert.Throws<InvalidOperationException>(() => new AdapterPlugins(newerPlugins).Get("contoso"));
            Assert.Contains($"was built for SDK {newer}; this host speaks SDK {SdkInfo.Version}", refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void The_template_builds_against_the_sdk_version_of_this_repository()
    {
        var content = Path.Combine(RepositoryRoot, "templates", "VirtualCore.Templates");
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(content, "content", "vcore-adapter", ".template.config", "template.json")));
        var sdkVersion = config.RootElement.GetProperty("symbols").GetProperty("sdkVersion").GetProperty("defaultValue").GetString();
        var sdkProps = XDocument.Load(Path.Combine(RepositoryRoot, "plugins-sdk", "Directory.Build.props"));
        var templateProject = XDocument.Load(Path.Combine(content, "VirtualCore.Templates.csproj"));

        Assert.Equal(sdkProps.Descendants("Version").Single().Value, sdkVersion);
        Assert.Equal(sdkVersion, templateProject.Descendants("Version").Single().Value);
        var factory = File.ReadAllText(Path.Combine(content, "content", "vcore-adapter", "Acme.Adapter", "AdapterFactory.cs"));
        Assert.Contains($"SdkVersion {{ get; }} = new({SdkInfo.Version.Major}, {SdkInfo.Version.Minor});", factory, StringComparison.Ordinal);
    }

    private static (int Passed, int Failed, int Skipped) Summary(string output)
    {
        var line = output.Split('\n').Last(l => l.Contains("Passed!", StringComparison.Ordinal) || l.Contains("Failed!", StringComparison.Ordinal));
        int Count(string name)
        {
            var at = line.IndexOf(name + ":", StringComparison.Ordinal) + name.Length + 1;
            var end = line.IndexOf(',', at);
            return int.Parse(line[at..end].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }

        return (Count("Passed"), Count("Failed"), Count("Skipped"));
    }
}
