using Scriban;
using Scriban.Runtime;
using Scriban.Syntax;

namespace VirtualCore.Framework.Views;

/// <summary>
/// Scriban's <c>include</c>, returning <see cref="RawHtml"/>: the included template has already escaped its
/// own values, so writing its output through the escaping context would escape them a second time.
/// </summary>
internal sealed class RawHtmlInclude(IScriptCustomFunction include) : IScriptCustomFunction
{
    public int RequiredParameterCount => include.RequiredParameterCount;

    public int ParameterCount => include.ParameterCount;

    public ScriptVarParamKind VarParamKind => include.VarParamKind;

    public Type ReturnType => typeof(RawHtml);

    public ScriptParameterInfo GetParameterInfo(int index) => include.GetParameterInfo(index);

    public object? Invoke(TemplateContext context, ScriptNode? callerContext, ScriptArray arguments, ScriptBlockStatement? blockStatement) =>
        ToRawHtml(include.Invoke(context, callerContext, arguments, blockStatement));

    public async ValueTask<object?> InvokeAsync(TemplateContext context, ScriptNode? callerContext, ScriptArray arguments, ScriptBlockStatement? blockStatement) =>
        ToRawHtml(await include.InvokeAsync(context, callerContext, arguments, blockStatement).ConfigureAwait(false));

    private static RawHtml ToRawHtml(object? output) => output is null ? RawHtml.Empty : new RawHtml(output.ToString() ?? string.Empty);
}
