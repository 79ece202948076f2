using System.Text.Json;
using System.Text.Json.Nodes;
using VirtualCore.Cli;
using YamlDotNet.RepresentationModel;

namespace VirtualCore.Portal.Tests.Cli;

/// <summary>
/// <c>--output yaml</c> read back by a YAML parser (YamlDotNet) is the API's JSON, value for value and type for type —
/// also for text a user chose that YAML would otherwise read as something else.
/// </summary>
public sealed class YamlOutputTests
{
    [Theory]
    [InlineData("""[]""")]
    [InlineData("""{}""")]
    [InlineData(""" "just text" """)]
    [InlineData("""42""")]
    [InlineData("""[{"name":"web-1","vCpus":2,"memoryGiB":4,"addresses":["192.0.2.10","2001:db8::10"],"openJobId":null,"simulated":true,"ratio":0.25}]""")]
    [InlineData("""{"series":[{"name":"cpu","avg":[1.5,null,-3e-7],"min":[],"max":[{}]}],"nested":[[1,2],[],[["x"]]]}""")]
    public void Yaml_read_back_is_the_same_json(string json) => AssertSame(json);

    [Fact]
    public void Text_that_yaml_would_read_as_something_else_stays_text()
    {
        // Names, notes and job texts come from users: none of them may turn into a boolean, a number, null, a list,
        // a mapping, an alias, a tag, a comment or a second document when read back.
        string[] hostile =
        [
            "yes", "no", "on", "off", "true", "False", "null", "~", "", " ", "0x1F", "1e3", "0o17", ".inf", "-.nan", "2026-12-07",
            "- x: y", "a: b", "[1, 2]", "{a: 1}", "*alias", "&anchor x", "!!python/object:os.system", "# comment", "---", "...",
            "line\nbreak", "tab\there", "quote \" and back\\slash", "|\n  block", ">- folded", "%YAML 1.1", "@at", "`tick`",
            "trailing ", "\u00e4\u00f6\u00fc \u00df \u20ac", "\u001b]0;title\u0007", "\u2028\u2029",
        ];
        var document = new JsonObject
        {
            ["values"] = new JsonArray([.. hostile.Select(h => (JsonNode?)JsonValue.Create(h))]),
        };
        foreach (var key in hostile.Where(h => h.Length > 0))
        {
            document[key] = key;
        }

        AssertSame(document.ToJsonString());
    }

    private static void AssertSame(string json)
    {
        using var parsed = JsonDocument.Parse(json);
        var yaml = YamlText.Of(parsed.RootElement);
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var document = Assert.Single(stream.Documents);
        var readBack = ToJson(document.RootNode);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json), readBack), $"YAML:\n{yaml}\nread back as:\n{readBack?.ToJsonString()}");
    }

    // YAML's core schema: a double-quoted scalar is a string; a plain one is null, a boolean or a number.
    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c => KeyValuePair.Create(Key(c.Key), ToJson(c.Value)))),
        YamlSequenceNode sequence => new JsonArray([.. sequence.Children.Select(ToJson)]),
        YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.DoubleQuoted } text => JsonValue.Create(text.Value),
        YamlScalarNode { Value: "null" } => null,
        YamlScalarNode { Value: "true" } => JsonValue.Create(true),
        YamlScalarNode { Value: "false" } => JsonValue.Create(false),
        YamlScalarNode plain when plain.Value == "{}" || plain.Value == "[]" => throw new InvalidOperationException("a flow collection read as a scalar"),
        YamlScalarNode number => JsonNode.Parse(number.Value!),
        _ => throw new InvalidOperationException(node.GetType().Name),
    };

    private static string Key(YamlNode key)
    {
        var scalar = Assert.IsType<YamlScalarNode>(key);
        if (scalar.Style != YamlDotNet.Core.ScalarStyle.DoubleQuoted)
        {
            Assert.Matches("^[A-Za-z_][A-Za-z0-9_-]*$", scalar.Value);
            Assert.DoesNotContain(scalar.Value, new[] { "true", "false", "null", "yes", "no", "on", "off", "y", "n" });
        }

        return scalar.Value!;
    }
}
