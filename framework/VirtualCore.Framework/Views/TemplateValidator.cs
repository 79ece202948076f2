using Scriban;

namespace VirtualCore.Framework.Views;

/// <summary>A problem in an uploaded template; line and column are 1-based.</summary>
public sealed record TemplateValidationError(int Line, int Column, string Message);

/// <summary>Parses an uploaded template the way the renderer will, so a broken one is refused at upload.</summary>
public static class TemplateValidator
{
    public const int MaxTemplateLength = 512 * 1024;

    public static IReadOnlyList<TemplateValidationError> Validate(string templateText)
    {
        ArgumentNullException.ThrowIfNull(templateText);
        if (templateText.Length > MaxTemplateLength)
        {
            return [new TemplateValidationError(1, 1, $"The template is longer than {MaxTemplateLength} characters.")];
        }

        var template = Template.Parse(templateText, "template", ThemeRegistry.ParserOptions);
        return template.Messages
            .Where(message => message.Type == Scriban.Parsing.ParserMessageType.Error)
            .Select(message => new TemplateValidationError(message.Span.Start.Line + 1, message.Span.Start.Column + 1, message.Message))
            .ToList();
    }
}
