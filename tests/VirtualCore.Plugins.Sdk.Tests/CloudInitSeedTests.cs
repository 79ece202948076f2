using System.Diagnostics;
using System.Text;

namespace VirtualCore.Plugins.Sdk.Tests;

/// <summary>
/// The NoCloud seed image, read back by xorriso (a reader written by others, not this writer's mirror): the label
/// cloud-init looks for, the three files under their own names and their bytes, and the size limit.
/// </summary>
public sealed class CloudInitSeedTests : IDisposable
{
    private static readonly DateTimeOffset Recorded = new(2026, 12, 5, 10, 30, 0, TimeSpan.Zero);
    private readonly string directory = Directory.CreateTempSubdirectory("vcore-seed-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void The_image_is_labelled_cidata_and_holds_each_file_under_its_own_name()
    {
        var userData = "#cloud-config\nhostname: web-1\nwrite_files:\n  - path: /etc/motd\n    content: \"Grüße\"\n";
        var seed = new CloudInitSeed("instance-id: 7f0c\nlocal-hostname: web-1\n", userData, "version: 2\nethernets: {}\n");

        var iso = Write(seed);
        var label = Xorriso("-indev", iso, "-pvd_info");
        var extracted = Path.Combine(directory, "out");
        Xorriso("-osirrox", "on", "-indev", iso, "-extract", "/", extracted);

        Assert.Contains("Volume Id    : cidata", label, StringComparison.Ordinal);
        // What cloud-init asks for: util-linux's blkid finds the label (it reads the Joliet one when there is one).
        Assert.Equal("cidata", Run("blkid", "-p", "-o", "value", "-s", "LABEL", iso).Trim());
        Assert.Equal(["meta-data", "network-config", "user-data"], Directory.GetFiles(extracted).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(seed.MetaData, File.ReadAllText(Path.Combine(extracted, "meta-data"), Encoding.UTF8));
        Assert.Equal(userData, File.ReadAllText(Path.Combine(extracted, "user-data"), Encoding.UTF8));
        Assert.Equal(seed.NetworkConfig, File.ReadAllText(Path.Combine(extracted, "network-config"), Encoding.UTF8));
    }

    [Fact]
    public void Without_a_network_config_the_guest_gets_two_files_and_a_file_of_several_sectors_is_whole()
    {
        var big = string.Concat(Enumerable.Range(0, 3000).Select(i => $"line {i}\n"));
        var seed = new CloudInitSeed("instance-id: a\n", big, null);

        var extracted = Path.Combine(directory, "out");
        Xorriso("-osirrox", "on", "-indev", Write(seed), "-extract", "/", extracted);

        Assert.Equal(["meta-data", "user-data"], Directory.GetFiles(extracted).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(big, File.ReadAllText(Path.Combine(extracted, "user-data")));
    }

    [Fact]
    public void The_same_seed_and_time_give_the_same_bytes()
    {
        var seed = new CloudInitSeed("instance-id: a\n", "#cloud-config\n", null);

        Assert.Equal(seed.ToIsoImage(Recorded), seed.ToIsoImage(Recorded));
        Assert.NotEqual(seed.ToIsoImage(Recorded), (seed with { UserData = "#cloud-config\n#" }).ToIsoImage(Recorded));
    }

    [Fact]
    public void A_seed_over_the_limit_is_refused()
    {
        var seed = new CloudInitSeed("instance-id: a\n", new string('x', CloudInitSeed.MaxBytes), null);

        var refused = Assert.Throws<ArgumentException>(() => seed.ToIsoImage(Recorded));
        Assert.Contains("256 KiB", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("user-data", "USER_DAT.;1")]
    [InlineData("meta-data", "META_DAT.;1")]
    [InlineData("network-config", "NETWORK_.;1")]
    public void Primary_names_are_8_3_d_characters(string name, string expected) => Assert.Equal(expected, Iso9660Image.PrimaryName(name));

    private string Write(CloudInitSeed seed)
    {
        var path = Path.Combine(directory, "seed.iso");
        File.WriteAllBytes(path, seed.ToIsoImage(Recorded));
        return path;
    }

    private static string Xorriso(params string[] arguments) => Run("xorriso", arguments);

    private static string Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} failed: {errors}");
        return program == "blkid" ? output.Result : output.Result + errors;
    }
}
