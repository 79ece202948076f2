using VirtualCore.Modules.Compute.Jobs;
using VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Modules.Compute.Tests;

/// <summary>The portal words the facts agents report; what users read does not come from the rack server.</summary>
public sealed class JobInfoTextTests
{
    private static JobResultV1 Fact(string code, params (string Key, string Value)[] values) =>
        new(code, values.ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal));

    public static TheoryData<string, string> Facts => new()
    {
        { "defined|node=rack-1|vcpus=2|memoryMiB=2048", "Defined on rack-1 with 2 vCPUs and 2048 MiB." },
        { "started|node=rack-2", "Running on rack-2." },
        { "unparked|cores=4,5", "Restored to where it was parked, on cores 4, 5." },
        { "unparked|cores=", "Restored to where it was parked." },
        { "recovery-point-taken|live=true", "Recovery point taken while running." },
        { "recovery-point-taken|live=false", "Recovery point taken." },
        { "hardware-changed|live=vcpus,memory|nextBoot=nic-model", "Applied now: vCPUs, RAM. At the next boot: NIC model." },
        { "hardware-changed|live=|nextBoot=", "Nothing to change." },
        { "migrating|target=rack-2|percent=40", "Moving to rack-2: 40 % sent." },
        { "migrated|target=rack-2|durationMs=2350|downtimeMs=31|transferredBytes=209715200", "Moved to rack-2 in 2.4 s; downtime 31 ms; 200 MiB sent." },
        { "arrived-earlier|target=rack-2", "Already on rack-2: the move had finished before the rack server's agent restarted." },
    };

    [Theory]
    [MemberData(nameof(Facts))]
    public void A_fact_is_worded_from_its_code_and_values(string fact, string words)
    {
        var parts = fact.Split('|');
        var values = parts.Skip(1).Select(p => p.Split('=', 2)).Select(kv => (kv[0], kv[1])).ToArray();
        Assert.Equal(words, JobInfoText.Of(Fact(parts[0], values), parts[0]));
    }

    [Fact]
    public void An_agent_without_codes_keeps_its_text_and_an_unknown_code_never_shows_node_text()
    {
        Assert.Equal("Old agent's words.", JobInfoText.Of(null, "Old agent's words."));
        Assert.Equal("Done.", JobInfoText.Of(Fact("something-new", ("x", "<script>")), "something-new"));
    }
}
