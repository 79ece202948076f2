using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace VirtualCore.Cli;

/// <summary>A column of a table: its header and how a row's JSON gives its cell.</summary>
public sealed record Column(string Header, Func<JsonElement, string> Cell);

/// <summary>
/// What a command prints on stdout: a table (or name–value lines for one thing) for people, or the API's own JSON for
/// scripts (<c>--output json</c>), or the same as YAML (<c>--output yaml</c>) — never both, and nothing else on stdout;
/// messages go to stderr.
/// </summary>
public sealed class Output(TextWriter stdout, bool json, bool yaml = false)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>For scripts: the API's objects as they are (JSON or YAML), no table.</summary>
    public bool IsJson => json || yaml;

    public void Rows(JsonElement array, params Column[] columns)
    {
        if (IsJson)
        {
            Json(array);
            return;
        }

        var table = new Table().Border(System.Console.IsOutputRedirected ? TableBorder.None : TableBorder.Minimal);
        foreach (var column in columns)
        {
            table.AddColumn(new TableColumn(column.Header).NoWrap());
        }

        foreach (var row in array.EnumerateArray())
        {
            table.AddRow(columns.Select(c => (IRenderable)new Text(Printable(c.Cell(row)))).ToArray());
        }

        Console().Write(table);
    }

    public void One(JsonElement item, params Column[] fields)
    {
        if (IsJson)
        {
            Json(item);
            return;
        }

        var width = fields.Max(f => f.Header.Length);
        foreach (var field in fields)
        {
            stdout.WriteLine($"{(field.Header + ":").PadRight(width + 2)}{Printable(field.Cell(item))}");
        }
    }

    /// <summary>
    /// Text from the portal as a terminal may show it: names and job texts come from users and rack servers, and a
    /// control character in them (an escape sequence) must not re-colour, retitle or rewrite the user's terminal.
    /// </summary>
    public static string Printable(string text) =>
        text.Any(char.IsControl) ? string.Concat(text.Select(c => char.IsControl(c) ? '?' : c)) : text;

    public void Json(JsonElement element)
    {
        if (yaml)
        {
            stdout.Write(YamlText.Of(element));
            return;
        }

        stdout.WriteLine(JsonSerializer.Serialize(element, Indented));
    }

    public void Line(string text)
    {
        if (!IsJson)
        {
            stdout.WriteLine(text);
        }
    }

    private IAnsiConsole Console()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(stdout),
            Ansi = System.Console.IsOutputRedirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = System.Console.IsOutputRedirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
        });

        // A pipe has no width: a table for grep or a log keeps each row on one line.
        if (System.Console.IsOutputRedirected)
        {
            console.Profile.Width = 400;
        }

        return console;
    }

    public static string Text(JsonElement e, string property) =>
        e.TryGetProperty(property, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString() ?? "",
            JsonValueKind.Null or JsonValueKind.Undefined => "",
            JsonValueKind.Array => string.Join(", ", v.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString() : x.GetRawText())),
            _ => v.GetRawText(),
        } : "";

    public static string Time(JsonElement e, string property) =>
        e.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(v.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var at)
            ? at.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)
            : "";
}
