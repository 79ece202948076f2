using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using VirtualCore.Framework.Localisation;

namespace VirtualCore.Architecture.Tests;

/// <summary>
/// German is complete: every word the Default theme's pages and scripts say goes through the catalogue and has a German
/// entry, and so does every reason a request can be refused with. Read from the source tree, as a translator would.
/// </summary>
public sealed partial class LocalisationCompletenessTests
{
    /// <summary>Literal text in templates that is not language: code, file names and examples of what to type.</summary>
    private static readonly HashSet<string> NotLanguage = new(StringComparer.Ordinal)
    {
        "web-1", "cidata", "~/.ssh/id_ed25519.pub", "#cloud-config", "#!", "j.smith", "theme.json",
        "VirtualCore-Signature: t=…,v1=…", "Authorization: Bearer &lt;token&gt;",

        // Examples of what to type, in the inputs' placeholders.
        "web-1.example.com", "ssh-ed25519 AAAAC3Nza… you@laptop", "#cloud-config\npackages: [nginx]", "ops@example.com",
        "https://example.com/hooks/vcore", "https://cdimage.debian.org/…/debian-12.8.0-amd64-netinst.iso",
        "cloud.example.com, example.localhost",
    };

    private static readonly string Root = RepoRoot();

    private static readonly Lazy<TextCatalogue> German = new(() =>
        TextCatalogue.Parse(File.ReadAllText(Path.Combine(Root, "themes", "Default", "locales", "de.json"))));

    public static TheoryData<string> Templates() =>
        [.. Directory.GetFiles(Path.Combine(Root, "themes", "Default", "templates"), "*.sbn-html", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Root, f)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Templates))]
    public void A_Default_template_says_no_word_except_through_the_catalogue(string template)
    {
        var flat = CodeBlock().Replace(File.ReadAllText(Path.Combine(Root, template)), "\u0000");
        flat = ScriptOrStyle().Replace(flat, string.Empty);
        var words = TextNode().Matches(flat).Select(m => m.Groups[1].Value)
            .Concat(TextAttribute().Matches(flat).Select(m => m.Groups[2].Value))
            .SelectMany(text => text.Split('\u0000'))
            .Select(piece => piece.Trim())
            .Where(piece => Letters().IsMatch(piece) && !NotLanguage.Contains(piece))
            .ToList();

        Assert.True(words.Count == 0, $"{template} writes words without t: {string.Join(" | ", words)}");
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public void Every_text_a_Default_template_says_has_a_German_translation(string template)
    {
        var missing = TemplateText().Matches(File.ReadAllText(Path.Combine(Root, template)))
            .Select(m => Regex.Unescape(m.Groups[1].Value))
            .Where(text => !German.Value.TryGet(text, out _))
            .ToList();

        Assert.True(missing.Count == 0, $"{template}: no German for {string.Join(" | ", missing)}");
    }

    [Fact]
    public void Every_text_a_Default_script_says_has_a_German_translation()
    {
        var missing = new List<string>();
        foreach (var script in Directory.GetFiles(Path.Combine(Root, "themes", "Default", "assets"), "*.js"))
        {
            var source = File.ReadAllText(script);
            missing.AddRange(ScriptText().Matches(source).Select(m => m.Groups[2].Value)
                .Where(text => !German.Value.TryGet(text.Replace("\\'", "'", StringComparison.Ordinal).Replace("\\\"", "\"", StringComparison.Ordinal), out _))
                .Select(text => $"{Path.GetFileName(script)}: {text}"));
        }

        Assert.True(missing.Count == 0, "no German for: " + string.Join(" | ", missing));
        Assert.NotEmpty(ScriptText().Matches(File.ReadAllText(Path.Combine(Root, "themes", "Default", "assets", "addresses.js"))));
    }

    [Fact]
    public void Every_reason_a_request_is_refused_with_has_a_German_translation()
    {
        var missing = new List<string>();
        var seen = 0;
        foreach (var file in SourceFiles())
        {
            var root = CSharpSyntaxTree.ParseText(File.ReadAllText(file)).GetRoot();
            foreach (var creation in root.DescendantNodes().OfType<BaseObjectCreationExpressionSyntax>())
            {
                foreach (var message in Refusals(creation))
                {
                    seen++;
                    if (!German.Value.TryGet(message, out _))
                    {
                        var line = creation.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
                        missing.Add($"{Path.GetRelativePath(Root, file)}:{line}: {message}");
                    }
                }
            }
        }

        Assert.True(seen > 200, $"only {seen} refusals found: the scan no longer sees them");
        Assert.True(German.Value.TryGet("{0} was not found.", out _), "a missing thing's message has no German");
        Assert.True(missing.Count == 0, "no German for:\n" + string.Join("\n", missing));
    }

    /// <summary>
    /// The messages of a refusal: a field's reason, the message of an exception that becomes a problem document, or what
    /// was not found (said as "{what} was not found.").
    /// </summary>
    private static IEnumerable<string> Refusals(BaseObjectCreationExpressionSyntax creation)
    {
        var arguments = creation.ArgumentList?.Arguments ?? default;
        var type = creation is ObjectCreationExpressionSyntax explicitType ? explicitType.Type.ToString() : null;
        switch (type)
        {
            case "NotFoundException" when arguments.Count == 1 && Text(arguments[0].Expression) is { } what:
                yield return what;
                break;
            case "ForbiddenException" or "ConflictException" when arguments.Count >= 1 && Text(arguments[0].Expression) is { } message:
                yield return message;
                break;
            case "FieldError" or "RequestValidationException" or null when arguments.Count == 2
                && arguments[0].Expression is LiteralExpressionSyntax { Token.ValueText: var field } && FieldName().IsMatch(field)
                && Text(arguments[1].Expression) is { } reason:
                yield return reason;
                break;
        }
    }

    /// <summary>A string literal, or an interpolated string with its holes as {0}, {1}…; null for anything else.</summary>
    private static string? Text(ExpressionSyntax expression)
    {
        switch (expression)
        {
            case LiteralExpressionSyntax literal when literal.IsKind(SyntaxKind.StringLiteralExpression):
                return literal.Token.ValueText;
            case InterpolatedStringExpressionSyntax interpolated:
                var text = new StringBuilder();
                var hole = 0;
                foreach (var content in interpolated.Contents)
                {
                    if (content is InterpolatedStringTextSyntax part)
                    {
                        text.Append(part.TextToken.ValueText);
                    }
                    else
                    {
                        text.Append('{').Append(hole++).Append('}');
                    }
                }

                return text.ToString();
            default:
                return null;
        }
    }

    private static IEnumerable<string> SourceFiles() =>
        new[] { "modules", "framework" }
            .SelectMany(folder => Directory.GetFiles(Path.Combine(Root, folder), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    private static string RepoRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "VirtualCore.Platform.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("The source tree (VirtualCore.Platform.sln) was not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"\{\{.*?\}\}", RegexOptions.Singleline)]
    private static partial Regex CodeBlock();

    [GeneratedRegex(@"<(script|style)\b.*?</\1>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex ScriptOrStyle();

    [GeneratedRegex(@">([^<>]*)<")]
    private static partial Regex TextNode();

    [GeneratedRegex(@"\b(aria-label|title|placeholder|alt)=""([^""]*)""")]
    private static partial Regex TextAttribute();

    [GeneratedRegex("[A-Za-zÄÖÜäöüß]{2}")]
    private static partial Regex Letters();

    [GeneratedRegex(@"\bt\s+""((?:[^""\\]|\\.)*)""")]
    private static partial Regex TemplateText();

    [GeneratedRegex(@"vcoreText\((['""])((?:(?!\1)[^\\]|\\.)*)\1")]
    private static partial Regex ScriptText();

    [GeneratedRegex(@"^[a-z][A-Za-z0-9.\[\]]*$")]
    private static partial Regex FieldName();
}
