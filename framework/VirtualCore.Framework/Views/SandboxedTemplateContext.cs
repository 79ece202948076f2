using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Scriban;
using Scriban.Parsing;
using Scriban.Runtime;

namespace VirtualCore.Framework.Views;

/// <summary>
/// A Scriban context that HTML-escapes every <c>{{ … }}</c> value unless it is <see cref="RawHtml"/>.
/// Both write paths are overridden: <c>RenderAsync</c> calls <c>WriteAsync</c> and never <c>Write</c>.
/// Create one per render; a context carries state from the previous render.
/// </summary>
internal sealed class SandboxedTemplateContext : TemplateContext
{
    // Non-ASCII text (brand names, customer names) stays readable; only markup-significant characters are encoded.
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    public SandboxedTemplateContext()
    {
        MemberFilter = IsPublicInstanceProperty;
    }

    public override TemplateContext Write(SourceSpan span, object? textAsObject) =>
        textAsObject switch
        {
            RawHtml raw => Write(raw.Html),
            null => this,
            _ => base.Write(span, Escape(textAsObject)),
        };

    public override ValueTask<TemplateContext> WriteAsync(SourceSpan span, object? textAsObject) =>
        textAsObject switch
        {
            RawHtml raw => WriteAsync(raw.Html),
            null => ValueTask.FromResult<TemplateContext>(this),
            _ => base.WriteAsync(span, Escape(textAsObject)),
        };

    /// <summary>
    /// Wraps <c>include</c> so included HTML is not escaped twice, adds <c>raw</c>, and removes what would let data
    /// become code: <c>include_join</c> (bypasses the wrapper), <c>object.eval</c> and <c>object.eval_template</c>
    /// (compile strings at render time, which upload validation never saw).
    /// </summary>
    public void RestrictBuiltins()
    {
        // The builtin object is created per context, so changing it affects this context only.
        var builtins = BuiltinObject;
        builtins.SetValue("include", new RawHtmlInclude((IScriptCustomFunction)builtins["include"]!), true);
        builtins.SetValue("raw", DelegateCustomFunction.CreateFunc<TemplateContext, object?, RawHtml>(Raw), true);
        builtins.Remove("include_join");
        if (builtins["object"] is ScriptObject objectFunctions)
        {
            objectFunctions.Remove("eval");
            objectFunctions.Remove("eval_template");
        }
    }

    private static RawHtml Raw(TemplateContext context, object? value) =>
        value switch
        {
            null => RawHtml.Empty,
            RawHtml raw => raw,
            _ => new RawHtml(context.ObjectToString(value) ?? string.Empty),
        };

    private string Escape(object value) => Encoder.Encode(ObjectToString(value) ?? string.Empty);

    // Templates may read the properties of view models and plain values, never call methods or read fields.
    private static bool IsPublicInstanceProperty(MemberInfo member) =>
        member is PropertyInfo { CanRead: true } property
        && property.GetMethod is { IsPublic: true, IsStatic: false }
        && property.GetIndexParameters().Length == 0;
}
