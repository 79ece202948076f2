using Scriban;
using Scriban.Runtime;
using Scriban.Syntax;
using VirtualCore.Framework.Localisation;

namespace VirtualCore.Framework.Views;

/// <summary>
/// The templates' <c>t</c>: <c>{{ t "Delete {0}?" vm.name }}</c> writes the page language's translation of the English
/// text with the values in its placeholders; a text without a translation stays English. A text that comes from the
/// model (a refusal's reason) is translated by the catalogue's patterns. The result is plain text: the context escapes
/// it like any other value, so no translation can write markup.
/// </summary>
internal sealed class TextFunction(TextCatalogue texts) : IScriptCustomFunction
{
    public int RequiredParameterCount => 1;

    public int ParameterCount => 1;

    public ScriptVarParamKind VarParamKind => ScriptVarParamKind.Direct;

    public Type ReturnType => typeof(string);

    public ScriptParameterInfo GetParameterInfo(int index) => new(typeof(object), index == 0 ? "text" : "value");

    public object? Invoke(TemplateContext context, ScriptNode? callerContext, ScriptArray arguments, ScriptBlockStatement? blockStatement)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(arguments);
        if (arguments.Count == 0 || arguments[0] is null)
        {
            return string.Empty;
        }

        var text = context.ObjectToString(arguments[0]) ?? string.Empty;
        var values = arguments.Skip(1).Select(v => (object?)(v is null ? string.Empty : context.ObjectToString(v))).ToArray();
        if (texts.TryGet(text, out var translation))
        {
            return TextCatalogue.Fill(translation, values);
        }

        return values.Length == 0 && texts.TryTranslate(text, out translation) ? translation : TextCatalogue.Fill(text, values);
    }

    public ValueTask<object?> InvokeAsync(TemplateContext context, ScriptNode? callerContext, ScriptArray arguments, ScriptBlockStatement? blockStatement) =>
        ValueTask.FromResult(Invoke(context, callerContext, arguments, blockStatement));
}
