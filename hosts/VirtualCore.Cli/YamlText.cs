using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace VirtualCore.Cli;

/// <summary>
/// The API's JSON as YAML (1.2) for <c>--output yaml</c>: block style, two spaces per level, every string
/// double-quoted with JSON's escapes (which YAML's double-quoted scalars share), so no text from the portal — a name
/// like <c>yes</c>, <c>0x1F</c> or <c>- x: y</c> — is ever read back as anything but that string.
/// </summary>
public static partial class YamlText
{
    private static readonly JsonSerializerOptions Strings = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Of(JsonElement element)
    {
        var text = new StringBuilder();
        if (Inline(element) is { } scalar)
        {
            text.Append(scalar).Append('\n');
        }
        else
        {
            Block(text, element, 0);
        }

        return text.ToString();
    }

    /// <summary>A value that fits on its key's line: a scalar, or an empty object or array.</summary>
    private static string? Inline(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => e.EnumerateObject().Any() ? null : "{}",
        JsonValueKind.Array => e.GetArrayLength() == 0 ? "[]" : null,
        JsonValueKind.String => JsonSerializer.Serialize(e.GetString(), Strings),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Number => e.GetRawText(),
        _ => "null",
    };

    private static void Block(StringBuilder text, JsonElement e, int indent)
    {
        var pad = new string(' ', indent);
        if (e.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in e.EnumerateObject())
            {
                text.Append(pad).Append(Key(property.Name)).Append(':');
                if (Inline(property.Value) is { } scalar)
                {
                    text.Append(' ').Append(scalar).Append('\n');
                }
                else
                {
                    text.Append('\n');
                    Block(text, property.Value, indent + 2);
                }
            }

            return;
        }

        foreach (var item in e.EnumerateArray())
        {
            text.Append(pad).Append("- ");
            if (Inline(item) is { } scalar)
            {
                text.Append(scalar).Append('\n');
                continue;
            }

            // The item's first line goes after the dash; the rest keep the item's indentation.
            var nested = new StringBuilder();
            Block(nested, item, indent + 2);
            text.Append(nested.ToString(indent + 2, nested.Length - indent - 2));
        }
    }

    // Plain where YAML reads a plain key back as the same string; quoted otherwise (true, null, 1e3, "a: b", …).
    private static string Key(string name) =>
        PlainKey().IsMatch(name) && !Reserved.Contains(name) ? name : JsonSerializer.Serialize(name, Strings);

    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "true", "false", "null", "yes", "no", "on", "off", "y", "n", "~",
    };

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_-]*$")]
    private static partial Regex PlainKey();
}
