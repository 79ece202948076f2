using VirtualCore.Framework.Views;

namespace VirtualCore.Framework.Tests.Views;

public sealed class ThemeManifestTests
{
    [Fact]
    public void Parse_reads_every_field()
    {
        var manifest = ThemeManifest.Parse("""
            {
              "name": "Acme",
              "base": "Default",
              "variables": {
                "brandName": "Acme Cloud",
                "logoUrl": "assets/img/logo.svg",
                "primaryColor": "#0a0B0c",
                "accentColor": "#abc",
                "footerText": "© Acme GmbH"
              }
            }
            """);

        Assert.Equal(
            new ThemeManifest("Acme", "Default", new ThemeVariables("Acme Cloud", "assets/img/logo.svg", "#0a0B0c", "#abc", "© Acme GmbH")),
            manifest);
    }

    [Theory]
    [InlineData("primaryColor", "red; background:url(x)")]
    [InlineData("primaryColor", "red")]
    [InlineData("accentColor", "#12345")]
    [InlineData("accentColor", "#abcd")]
    [InlineData("accentColor", "#abc\n")]
    [InlineData("primaryColor", "#ggg")]
    public void Colours_other_than_hex_are_rejected_naming_the_field(string field, string value)
    {
        var error = Assert.Throws<ThemeValidationException>(() => ParseVariable(field, value));

        var single = Assert.Single(error.Errors);
        Assert.Equal("variables." + field, single.Field);
        Assert.Contains("#rgb or #rrggbb", single.Reason);
        Assert.Contains("variables." + field, error.Message);
    }

    [Theory]
    [InlineData("javascript:alert(1)")]
    [InlineData("JavaScript:alert(1)")]
    [InlineData("data:image/svg+xml;base64,PHN2Zz4=")]
    [InlineData("http://example.com/logo.png")]
    [InlineData("//example.com/logo.png")]
    [InlineData("/etc/passwd")]
    [InlineData("assets/../theme.json")]
    [InlineData("assets/img\\logo.svg")]
    [InlineData("logo.svg")]
    [InlineData("https://example.com/a'),url(x")]
    [InlineData("https://user:pw@example.com/logo.png")]
    [InlineData("https://example.com/logo one.png")]
    public void Logo_urls_outside_the_assets_or_https_are_rejected(string value)
    {
        var error = Assert.Throws<ThemeValidationException>(() => ParseVariable("logoUrl", value));

        Assert.Equal("variables.logoUrl", Assert.Single(error.Errors).Field);
    }

    [Theory]
    [InlineData("assets/logo.svg")]
    [InlineData("https://cdn.example.com/brand/logo.png?v=2")]
    public void Asset_paths_and_https_logo_urls_are_accepted(string value)
    {
        Assert.Equal(value, ParseVariable("logoUrl", value).Variables.LogoUrl);
    }

    [Fact]
    public void A_brand_name_longer_than_60_characters_is_rejected()
    {
        Assert.Equal(new string('x', 60), ParseVariable("brandName", new string('x', 60)).Variables.BrandName);

        var error = Assert.Throws<ThemeValidationException>(() => ParseVariable("brandName", new string('x', 61)));

        var single = Assert.Single(error.Errors);
        Assert.Equal("variables.brandName", single.Field);
        Assert.Contains("60", single.Reason);
    }

    [Fact]
    public void A_footer_longer_than_200_characters_is_rejected()
    {
        var error = Assert.Throws<ThemeValidationException>(() => ParseVariable("footerText", new string('x', 201)));

        Assert.Equal("variables.footerText", Assert.Single(error.Errors).Field);
    }

    [Fact]
    public void Every_invalid_field_is_reported_at_once()
    {
        var error = Assert.Throws<ThemeValidationException>(() => ThemeManifest.Parse("""
            { "base": "../x", "colour": 1, "variables": { "primaryColor": 5, "accentColor": "blue" } }
            """));

        Assert.Equal(
            ["base", "colour", "name", "variables.accentColor", "variables.primaryColor"],
            error.Errors.Select(e => e.Field).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    public void Text_that_is_not_a_json_object_is_rejected(string json)
    {
        var error = Assert.Throws<ThemeValidationException>(() => ThemeManifest.Parse(json));

        Assert.Equal("theme.json", Assert.Single(error.Errors).Field);
    }

    [Theory]
    [InlineData("Acme Cloud")]
    [InlineData("../Default")]
    [InlineData("")]
    public void Theme_names_that_cannot_be_a_folder_or_url_segment_are_rejected(string name)
    {
        var error = Assert.Throws<ThemeValidationException>(() => ThemeManifest.Parse($$"""{ "name": "{{name}}" }"""));

        Assert.Equal("name", Assert.Single(error.Errors).Field);
    }

    private static ThemeManifest ParseVariable(string field, string value) =>
        ThemeManifest.Parse($$"""{ "name": "Acme", "variables": { "{{field}}": {{System.Text.Json.JsonSerializer.Serialize(value)}} } }""");
}
