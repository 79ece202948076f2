using VirtualCore.Framework.Localisation;

namespace VirtualCore.Framework.Tests.Localisation;

public sealed class TextCatalogueTests
{
    private static readonly TextCatalogue German = TextCatalogue.Parse("""
        {
          "Sign in": "Anmelden",
          "The VM": "Der vServer",
          "shut-off": "ausgeschaltet",
          "{0} was not found.": "{0} wurde nicht gefunden.",
          "A VM named '{0}' already exists in this account.": "Ein vServer namens '{0}' existiert in diesem Konto bereits.",
          "'{0}' is {1}. {2}": "'{0}' ist {1}. {2}",
          "It can be started when it is shut off.": "Er kann gestartet werden, wenn er ausgeschaltet ist.",
          "Moved to {0} in {1} s.": "In {1} s nach {0} verschoben.",
          "{0} of {1}": "{0} von {1}",
          "{0} of {1} failed": "{0} von {1} fehlgeschlagen",
          "Price (in $) {0} [net]": "Preis (in $) {0} [netto]"
        }
        """);

    [Fact]
    public void A_text_of_the_catalogue_is_translated_and_one_without_an_entry_is_not()
    {
        Assert.True(German.TryTranslate("Sign in", out var translated));
        Assert.Equal("Anmelden", translated);
        Assert.False(German.TryTranslate("Sign out", out _));
    }

    [Fact]
    public void A_message_built_in_English_is_matched_against_the_patterns_and_its_values_keep_their_place()
    {
        Assert.True(German.TryTranslate("Moved to rack-2 in 3.4 s.", out var moved));
        Assert.Equal("In 3.4 s nach rack-2 verschoben.", moved);
        Assert.True(German.TryTranslate("Price (in $) 12.50 [net]", out var price));
        Assert.Equal("Preis (in $) 12.50 [netto]", price);
    }

    [Fact]
    public void Words_in_a_message_are_translated_but_a_quoted_name_stays_even_when_it_is_spelt_like_a_word()
    {
        Assert.True(German.TryTranslate("The VM was not found.", out var notFound));
        Assert.Equal("Der vServer wurde nicht gefunden.", notFound);

        // A VM may be called "shut-off": its name is quoted, its state is not.
        Assert.True(German.TryTranslate("'shut-off' is shut-off. It can be started when it is shut off.", out var state));
        Assert.Equal("'shut-off' ist ausgeschaltet. Er kann gestartet werden, wenn er ausgeschaltet ist.", state);
        Assert.True(German.TryTranslate("A VM named 'The VM' already exists in this account.", out var named));
        Assert.Equal("Ein vServer namens 'The VM' existiert in diesem Konto bereits.", named);
    }

    [Fact]
    public void The_most_specific_pattern_wins()
    {
        Assert.True(German.TryTranslate("3 of 5 failed", out var failed));
        Assert.Equal("3 von 5 fehlgeschlagen", failed);
        Assert.True(German.TryTranslate("3 of 5", out var part));
        Assert.Equal("3 von 5", part);
    }

    [Fact]
    public void Fill_puts_values_in_their_placeholders_and_leaves_missing_ones()
    {
        Assert.Equal("b a {2}", TextCatalogue.Fill("{1} {0} {2}", ["a", "b"]));
        Assert.Equal("no braces", TextCatalogue.Fill("no braces", ["x"]));
    }

    [Fact]
    public void Entries_of_an_override_win_over_the_base()
    {
        var own = German.Over(TextCatalogue.Parse("""{ "Sign in": "Einloggen", "Cloud": "Wolke" }"""));

        Assert.True(own.TryGet("Sign in", out var signIn));
        Assert.Equal("Einloggen", signIn);
        Assert.True(own.TryGet("The VM", out var vm));
        Assert.Equal("Der vServer", vm);
        Assert.Same(German, German.Over(null));
    }

    [Theory]
    [InlineData("[]", "must be one JSON object")]
    [InlineData("{ \"a\": 1 }", "the translation must be a string")]
    [InlineData("{ \"a\": { \"b\": \"c\" } }", "the translation must be a string")]
    [InlineData("{ \"Hello\": \"Hallo {0}\" }", "the translation uses {0}, which the English text does not have")]
    [InlineData("{ \"\": \"leer\" }", "texts have 1 to")]
    [InlineData("{ \"bell\\u0007\": \"x\" }", "holds control characters")]
    [InlineData("{ \"a\": \"b\", \"a\": \"c\" }", "appears more than once")]
    [InlineData("{ \"a\": ", "is not valid JSON")]
    [InlineData("\"just text\"", "must be one JSON object")]
    public void A_catalogue_that_is_not_flat_texts_within_the_limits_is_refused_with_the_reason(string json, string reason)
    {
        var refused = Assert.Throws<TextCatalogueException>(() => TextCatalogue.Parse(json));

        Assert.Contains(refused.Problems, p => p.Reason.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public void A_catalogue_with_too_many_or_too_long_texts_is_refused()
    {
        var many = "{" + string.Join(",", Enumerable.Range(0, TextCatalogue.MaxEntries + 1).Select(i => $"\"t{i}\": \"x\"")) + "}";
        Assert.Contains(Assert.Throws<TextCatalogueException>(() => TextCatalogue.Parse(many)).Problems, p => p.Reason.Contains("more than", StringComparison.Ordinal));

        var longText = $$"""{ "a": "{{new string('x', TextCatalogue.MaxTextLength + 1)}}" }""";
        Assert.Throws<TextCatalogueException>(() => TextCatalogue.Parse(longText));
    }

    [Fact]
    public void Patterns_that_backtrack_badly_give_up_instead_of_hanging_the_request()
    {
        // Placeholders side by side match ambiguously: the match is bounded by a timeout and falls through.
        var hostile = TextCatalogue.Parse("{ \"{0}{1}{2}{3}{4}{5}{6}{7}{8}{9}!\": \"x\" }");
        var text = new string('a', 5000);

        Assert.False(hostile.TryTranslate(text, out _));
    }
}
