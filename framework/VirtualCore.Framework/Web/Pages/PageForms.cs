using System.Globalization;
using VirtualCore.Framework.Mediation;

namespace VirtualCore.Framework.Web.Pages;

/// <summary>Reading posted form fields and showing validation errors beside them, the same way on every page.</summary>
public static class PageForms
{
    /// <summary>Null for an empty or blank field, else the text as posted.</summary>
    public static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    /// <summary>The field as a whole number; 0 when it is empty or not a number (validation then names the field).</summary>
    public static int Int(string? value) => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;

    /// <summary>The field as a whole number, or null when it is empty or not a number.</summary>
    public static int? OptionalInt(string? value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;

    /// <summary>True for a checked checkbox ("on", "true").</summary>
    public static bool Checked(string? value) => value is "on" or "true";

    /// <summary>
    /// A day typed as <c>yyyy-MM-dd</c>; null when empty. A day that cannot be read adds an error for
    /// <paramref name="field"/> and gives null.
    /// </summary>
    public static DateOnly? Day(string? text, string field, ICollection<FieldError> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            return day;
        }

        errors.Add(new FieldError(field, "Enter a date as YYYY-MM-DD."));
        return null;
    }

    /// <summary>Each field's reasons in one sentence, for the template to show beside the field.</summary>
    public static IReadOnlyDictionary<string, string> ErrorsByField(IEnumerable<FieldError> errors) =>
        errors.GroupBy(e => e.Field, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => string.Join(" ", g.Select(e => e.Reason)), StringComparer.Ordinal);
}
