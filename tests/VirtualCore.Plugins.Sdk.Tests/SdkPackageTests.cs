using System.IO.Compression;
using System.Xml.Linq;
using VirtualCore.Tests.Shared;

namespace VirtualCore.Plugins.Sdk.Tests;

/// <summary>
/// The SDK's two NuGet packages as partners get them (packed from this build with <c>dotnet pack</c>), and the
/// declared public API that keeps a 1.x release from breaking an adapter built against an earlier 1.x.
/// </summary>
public sealed class SdkPackageTests
{
    private static string RepositoryRoot => DotnetCli.RepositoryRoot;

    private static string SdkProjectDirectory => Path.Combine(RepositoryRoot, "plugins-sdk", "VirtualCore.Plugins.Sdk");

    private static string TestingProjectDirectory => Path.Combine(RepositoryRoot, "plugins-sdk", "VirtualCore.Plugins.Sdk.Testing");

    [Fact]
    public async Task The_sdk_package_carries_its_version_licence_readme_icon_docs_and_no_dependency()
    {
        var output = CreateTempDirectory();
        try
        {
            await PackAsync(SdkProjectDirectory, output);
            var version = $"{SdkInfo.Version.Major}.{SdkInfo.Version.Minor}.";
            var package = Assert.Single(Directory.GetFiles(output, "VirtualCore.Plugins.Sdk.*.nupkg"));
            Assert.Single(Directory.GetFiles(output, "VirtualCore.Plugins.Sdk.*.snupkg"));

            using var zip = ZipFile.OpenRead(package);
            var metadata = Metadata(zip, "VirtualCore.Plugins.Sdk.nuspec");
            // The package's major and minor are the SDK's own: an adapter that reports SdkInfo.Version gets what it names.
            Assert.StartsWith(version, Value(metadata, "version"), StringComparison.Ordinal);
            Assert.Equal("Apache-2.0", Value(metadata, "license"));
            Assert.Equal("README.md", Value(metadata, "readme"));
            Assert.Equal("icon.png", Value(metadata, "icon"));
            Assert.Matches("^[0-9a-f]{40}$", metadata.Element(metadata.Name.Namespace + "repository")?.Attribute("commit")?.Value ?? string.Empty);
            Assert.DoesNotContain("IHypervisorAdapter v", Value(metadata, "description"), StringComparison.Ordinal);

            // The BCL only: no dependency at all, for the one framework.
            var groups = metadata.Descendants(metadata.Name.Namespace + "group").ToList();
            Assert.Equal("net10.0", Assert.Single(groups).Attribute("targetFramework")?.Value);
            Assert.Empty(metadata.Descendants(metadata.Name.Namespace + "dependency"));

            var entries = zip.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
            Assert.Contains("lib/net10.0/VirtualCore.Plugins.Sdk.dll", entries);
            Assert.Contains("README.md", entries);
            Assert.Contains("icon.png", entries);
            // The documentation comments travel with the assembly, so partners see them in their editor.
            using var docs = zip.GetEntry("lib/net10.0/VirtualCore.Plugins.Sdk.xml")!.Open();
            var members = XDocument.Load(docs).Descendants("member").Select(m => m.Attribute("name")?.Value).ToList();
            Assert.Contains("T:VirtualCore.Plugins.Sdk.IHypervisorAdapter", members);
            Assert.Contains("T:VirtualCore.Plugins.Sdk.AdapterCapabilities", members);

            using var readme = new StreamReader(zip.GetEntry("README.md")!.Open());
            Assert.Contains("IHypervisorAdapterFactory", await readme.ReadToEndAsync(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    [Fact]
    public async Task The_testing_package_depends_on_the_sdk_of_the_same_version_and_ships_its_test_list()
    {
        var output = CreateTempDirectory();
        try
        {
            await PackAsync(TestingProjectDirectory, output);
            var package = Assert.Single(Directory.GetFiles(output, "VirtualCore.Plugins.Sdk.Testing.*.nupkg"));
            using var zip = ZipFile.OpenRead(package);
            var metadata = Metadata(zip, "VirtualCore.Plugins.Sdk.Testing.nuspec");
            var version = Value(metadata, "version");

            var dependencies = metadata.Descendants(metadata.Name.Namespace + "dependency")
                .ToDictionary(d => d.Attribute("id")!.Value, d => d.Attribute("version")!.Value, StringComparer.Ordinal);
            Assert.Equal(version, dependencies["VirtualCore.Plugins.Sdk"]);
            Assert.Contains("xunit", dependencies.Keys);
            // The analyzer that checks the public API is a build tool of this repository, never a partner's dependency.
            Assert.DoesNotContain(dependencies.Keys, id => id.Contains("Analyzers", StringComparison.Ordinal));

            var entries = zip.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
            Assert.Contains("lib/net10.0/VirtualCore.Plugins.Sdk.Testing.dll", entries);
            Assert.Contains("lib/net10.0/VirtualCore.Plugins.Sdk.Testing.xml", entries);
            Assert.Contains("CONFORMANCE.md", entries);
            Assert.Contains("README.md", entries);
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    [Fact]
    public void Every_shipped_line_of_the_public_api_names_a_public_member_and_the_version_line_is_the_packages()
    {
        // The files the analyzer reads: sorted, the nullable header first, nothing unshipped left over in a release.
        foreach (var directory in new[] { SdkProjectDirectory, TestingProjectDirectory })
        {
            var shipped = File.ReadAllLines(Path.Combine(directory, "PublicAPI.Shipped.txt"));
            Assert.Equal("#nullable enable", shipped[0]);
            Assert.True(shipped.Length > 50, $"{directory}: the shipped API lists only {shipped.Length} lines");
            Assert.Equal(shipped.Skip(1).Order(StringComparer.Ordinal), shipped.Skip(1));
        }

        var sdk = File.ReadAllLines(Path.Combine(SdkProjectDirectory, "PublicAPI.Shipped.txt"));
        Assert.Contains("VirtualCore.Plugins.Sdk.IHypervisorAdapter.StartDomainAsync(System.Guid domainId, System.Threading.CancellationToken cancellationToken) -> System.Threading.Tasks.Task!", sdk);
        Assert.Contains("static VirtualCore.Plugins.Sdk.SdkInfo.Version.get -> System.Version!", sdk);

        var props = XDocument.Load(Path.Combine(RepositoryRoot, "plugins-sdk", "Directory.Build.props"));
        var packageVersion = Version.Parse(props.Descendants("Version").Single().Value);
        Assert.Equal((SdkInfo.Version.Major, SdkInfo.Version.Minor), (packageVersion.Major, packageVersion.Minor));
    }

    [Fact]
    public async Task Removing_or_adding_public_api_without_declaring_it_fails_the_build_and_the_pack_within_the_major_version()
    {
        // A copy of the SDK with one shipped method renamed: the build names the missing one (RS0017) and the new
        // one (RS0016) — a partner's adapter compiled against the old name would no longer load.
        var copy = CreateTempDirectory();
        try
        {
            foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props", "global.json", "nuget.config" })
            {
                File.Copy(Path.Combine(RepositoryRoot, file), Path.Combine(copy, file));
            }

            var sdkRoot = Path.Combine(copy, "plugins-sdk");
            Directory.CreateDirectory(sdkRoot);
            File.Copy(Path.Combine(RepositoryRoot, "plugins-sdk", "Directory.Build.props"), Path.Combine(sdkRoot, "Directory.Build.props"));
            File.Copy(Path.Combine(RepositoryRoot, "plugins-sdk", "icon.png"), Path.Combine(sdkRoot, "icon.png"));
            Directory.CreateDirectory(Path.Combine(sdkRoot, "baseline"));
            foreach (var baseline in Directory.GetFiles(Path.Combine(RepositoryRoot, "plugins-sdk", "baseline")))
            {
                File.Copy(baseline, Path.Combine(sdkRoot, "baseline", Path.GetFileName(baseline)));
            }
            var project = Path.Combine(sdkRoot, "VirtualCore.Plugins.Sdk");
            Directory.CreateDirectory(project);
            foreach (var file in Directory.GetFiles(SdkProjectDirectory).Where(f => !f.EndsWith(".user", StringComparison.Ordinal)))
            {
                File.Copy(file, Path.Combine(project, Path.GetFileName(file)));
            }

            var adapter = Path.Combine(project, "IHypervisorAdapter.cs");
            var source = await File.ReadAllTextAsync(adapter);
            const string Shipped = "Task StartDomainAsync(Guid domainId, CancellationToken cancellationToken);";
            Assert.Contains(Shipped, source, StringComparison.Ordinal);
            await File.WriteAllTextAsync(adapter, source.Replace(Shipped, "Task BootDomainAsync(Guid domainId, CancellationToken cancellationToken);", StringComparison.Ordinal));

            var (exitCode, output) = await DotnetCli.RunAsync(copy, "build", project, "-nologo", "-v", "q", "-p:TreatWarningsAsErrors=true");

            Assert.NotEqual(0, exitCode);
            Assert.Contains("RS0017", output, StringComparison.Ordinal);
            Assert.Contains("StartDomainAsync", output, StringComparison.Ordinal);
            Assert.Contains("RS0016", output, StringComparison.Ordinal);
            Assert.Contains("BootDomainAsync", output, StringComparison.Ordinal);

            // The second line: packed with the analyzer off, the package is compared with the last released one and
            // refused (ApiCompat's CP0002, a member gone) — within the major version. As 2.0.0 it may break.
            var (packed, packOutput) = await DotnetCli.RunAsync(copy, "pack", project, "-nologo", "-v", "q", "-p:RunAnalyzers=false", "-o", Path.Combine(copy, "out"));
            Assert.NotEqual(0, packed);
            Assert.Contains("CP0002", packOutput, StringComparison.Ordinal);
            Assert.Contains("StartDomainAsync", packOutput, StringComparison.Ordinal);
            var (major, majorOutput) = await DotnetCli.RunAsync(copy, "pack", project, "-nologo", "-v", "q", "-p:RunAnalyzers=false", "-p:Version=2.0.0", "-o", Path.Combine(copy, "out"));
            Assert.True(major == 0, majorOutput);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    private static async Task PackAsync(string projectDirectory, string output)
    {
        // The build of this run, packed as CI packs it (test.sh): nothing is compiled again.
        await DotnetCli.RunOkAsync(RepositoryRoot, "pack", projectDirectory, "--no-build", "-c", DotnetCli.Configuration, "-nologo", "-v", "q", "-o", output);
    }

    private static XElement Metadata(ZipArchive zip, string nuspec)
    {
        using var stream = zip.GetEntry(nuspec)!.Open();
        var document = XDocument.Load(stream);
        return document.Root!.Element(document.Root.Name.Namespace + "metadata")!;
    }

    private static string Value(XElement metadata, string name) =>
        metadata.Element(metadata.Name.Namespace + name)?.Value ?? string.Empty;

    private static string CreateTempDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "vcore-sdk-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(path);
        return path;
    }
}
