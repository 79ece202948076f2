namespace VirtualCore.Framework.Views;

/// <summary>One rejected value of a theme manifest.</summary>
/// <param name="Field">Path of the field in theme.json, e.g. <c>variables.primaryColor</c>.</param>
/// <param name="Reason">Why the value was rejected.</param>
public sealed record ThemeValidationError(string Field, string Reason)
{
    public override string ToString() => $"{Field}: {Reason}";
}

/// <summary>A theme manifest was rejected; <see cref="Errors"/> names every offending field.</summary>
public sealed class ThemeValidationException : Exception
{
    public ThemeValidationException(IReadOnlyList<ThemeValidationError> errors)
        : base("Invalid theme manifest: " + string.Join("; ", errors))
    {
        Errors = errors;
    }

    public IReadOnlyList<ThemeValidationError> Errors { get; }
}
