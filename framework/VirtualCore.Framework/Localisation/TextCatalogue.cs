using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace VirtualCore.Framework.Localisation;

/// <summary>One reason a text catalogue was refused.</summary>
public sealed record TextCatalogueProblem(string Key, string Reason)
{
    public override string ToString() => Key.Length == 0 ? Reason : $"\"{Shorten(Key)}\": {Reason}";

    private static string Shorten(string key) => key.Length > 60 ? key[..60] + "…" : key;
}

/// <summary>A text catalogue was refused; <see cref="Problems"/> names every entry and why.</summary>
public sealed class TextCatalogueException(IReadOnlyList<TextCatalogueProblem> problems)
    : Exception("The texts were refused: " + string.Join("; ", problems.Take(10)))
{
    public IReadOnlyList<TextCatalogueProblem> Problems { get; } = problems;
}

/// <summary>
/// The translations of one language: a JSON object from English source text to the translated text, as gettext and
/// Orchard Core keep them. A source text may hold numbered placeholders (<c>"A name has at most {0} characters."</c>);
/// the translation places them where the language wants them. A message that was built in English with its values
/// already in it — a problem detail, a reason a form was refused — is matched against those patterns, so the values
/// keep their place in the translation.
/// </summary>
public sealed partial class TextCatalogue
{
    /// <summary>Entries a catalogue may hold.</summary>
    public const int MaxEntries = 5000;

    /// <summary>Characters a source text or a translation may have.</summary>
    public const int MaxTextLength = 4000;

    private readonly FrozenDictionary<string, string> _entries;
    private readonly Lazy<(Regex Pattern, string Translation, HashSet<int> Names)[]> _patterns;

    private TextCatalogue(Dictionary<string, string> entries)
    {
        _entries = entries.ToFrozenDictionary(StringComparer.Ordinal);

        // The most specific pattern first: the one with the most fixed text.
        // Compiled when a message first needs them: most catalogues (a theme's merged ones) only ever look texts up.
        _patterns = new(() => [.. _entries
            .Where(e => Placeholder().IsMatch(e.Key))
            .OrderByDescending(e => Placeholder().Replace(e.Key, string.Empty).Length)
            .Select(e => (PatternOf(e.Key), e.Value, NamePlaceholders(e.Key)))]);
    }

    public static TextCatalogue Empty { get; } = new([]);

    /// <summary>Every source text and its translation.</summary>
    public IReadOnlyDictionary<string, string> Entries => _entries;

    public int Count => _entries.Count;

    /// <summary>Reads a catalogue, refusing it unless it is one flat JSON object of texts within the limits.</summary>
    /// <exception cref="TextCatalogueException">Names every problem found.</exception>
    public static TextCatalogue Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 4, CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new TextCatalogueException([new(string.Empty, $"is not valid JSON (line {ex.LineNumber + 1}): {ex.Message}")]);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new TextCatalogueException([new(string.Empty, "must be one JSON object of \"English text\": \"translation\"")]);
            }

            var problems = new List<TextCatalogueProblem>();
            var entries = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (entries.Count >= MaxEntries)
                {
                    problems.Add(new(string.Empty, $"holds more than {MaxEntries} texts"));
                    break;
                }

                if (Check(property) is { } reason)
                {
                    problems.Add(new(property.Name, reason));
                }
                else if (!entries.TryAdd(property.Name, property.Value.GetString()!))
                {
                    problems.Add(new(property.Name, "appears more than once"));
                }
            }

            return problems.Count > 0 ? throw new TextCatalogueException(problems) : new TextCatalogue(entries);
        }
    }

    /// <summary>A catalogue of these entries over this one's: the entries of <paramref name="overrides"/> win.</summary>
    public TextCatalogue Over(TextCatalogue? overrides)
    {
        if (overrides is null || overrides.Count == 0)
        {
            return this;
        }

        var merged = new Dictionary<string, string>(_entries, StringComparer.Ordinal);
        foreach (var (key, value) in overrides._entries)
        {
            merged[key] = value;
        }

        return new TextCatalogue(merged);
    }

    /// <summary>The translation of exactly this source text (placeholders unfilled).</summary>
    public bool TryGet(string text, [NotNullWhen(true)] out string? translation) => _entries.TryGetValue(text, out translation);

    /// <summary>
    /// The translation of a message: the entry of exactly this text, or of the pattern that matches it with the values
    /// put back in (a value that is itself a text of the catalogue, as "The VM" in "The VM was not found.", is
    /// translated too).
    /// </summary>
    public bool TryTranslate(string text, [NotNullWhen(true)] out string? translation)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (_entries.TryGetValue(text, out translation))
        {
            return true;
        }

        if (text.Length <= MaxTextLength * 2)
        {
            foreach (var (pattern, target, names) in _patterns.Value)
            {
                Match match;
                try
                {
                    match = pattern.Match(text);
                }
                catch (RegexMatchTimeoutException)
                {
                    continue;
                }

                if (match.Success)
                {
                    translation = Fill(target, i => match.Groups["p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)] is { Success: true } group
                        ? names.Contains(i) ? group.Value : _entries.GetValueOrDefault(group.Value, group.Value)
                        : null);
                    return true;
                }
            }
        }

        translation = null;
        return false;
    }

    /// <summary>
    /// The placeholders that stand for a name — quoted, as in "A VM named '{0}'" — whose value stays as it is even when
    /// it is spelt like a word of the catalogue; the others (a state, "The VM") are translated when the catalogue has them.
    /// </summary>
    private static HashSet<int> NamePlaceholders(string key) =>
        [.. QuotedPlaceholder().Matches(key).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))];

    /// <summary>Puts values into a text's numbered placeholders; a placeholder without a value stays as it is.</summary>
    public static string Fill(string text, IReadOnlyList<object?> values) =>
        Fill(text, i => i < values.Count ? Convert.ToString(values[i], System.Globalization.CultureInfo.CurrentCulture) ?? string.Empty : null);

    private static string Fill(string text, Func<int, string?> value) =>
        !text.Contains('{', StringComparison.Ordinal)
            ? text
            : Placeholder().Replace(text, m => value(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)) ?? m.Value);

    private static string? Check(JsonProperty property)
    {
        if (property.Value.ValueKind != JsonValueKind.String)
        {
            return "the translation must be a string";
        }

        var value = property.Value.GetString()!;
        if (property.Name.Length == 0 || property.Name.Length > MaxTextLength || value.Length > MaxTextLength)
        {
            return $"texts have 1 to {MaxTextLength} characters";
        }

        if ((property.Name + value).Any(c => char.IsControl(c) && c is not '\n' and not '\r' and not '\t'))
        {
            return "holds control characters";
        }

        var keyPlaceholders = Placeholders(property.Name);
        var extra = Placeholders(value).Except(keyPlaceholders).ToList();
        return extra.Count > 0
            ? $"the translation uses {string.Join(", ", extra.Select(p => "{" + p + "}"))}, which the English text does not have"
            : null;
    }

    private static HashSet<int> Placeholders(string text) =>
        [.. Placeholder().Matches(text).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))];

    private static Regex PatternOf(string key)
    {
        var pattern = new StringBuilder("^");
        var at = 0;
        var groups = new Dictionary<int, int>();
        foreach (Match placeholder in Placeholder().Matches(key))
        {
            pattern.Append(Regex.Escape(key[at..placeholder.Index]));
            var index = int.Parse(placeholder.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            pattern.Append(groups.TryAdd(index, index) ? $"(?<p{index}>.+?)" : $"\\k<p{index}>");
            at = placeholder.Index + placeholder.Length;
        }

        pattern.Append(Regex.Escape(key[at..])).Append("\\z");
        return new Regex(pattern.ToString(), RegexOptions.Singleline | RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture, TimeSpan.FromMilliseconds(50));
    }

    [GeneratedRegex("['‘“„\"]\\{([0-9])\\}['’”“\"]", RegexOptions.CultureInvariant)]
    private static partial Regex QuotedPlaceholder();

    /// <summary>Placeholders <c>{0}</c> … <c>{9}</c>.</summary>
    [GeneratedRegex(@"\{([0-9])\}", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();
}
