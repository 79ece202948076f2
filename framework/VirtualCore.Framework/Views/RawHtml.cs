namespace VirtualCore.Framework.Views;

/// <summary>
/// Markup the renderer writes without escaping. Only trusted code creates it: the template function
/// <c>raw</c>, <c>include</c> and the layout's <c>body</c>.
/// </summary>
public sealed record RawHtml(string Html)
{
    public static readonly RawHtml Empty = new(string.Empty);

    public override string ToString() => Html;
}
