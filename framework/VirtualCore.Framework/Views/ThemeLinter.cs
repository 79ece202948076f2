using System.Collections;
using System.Reflection;
using Scriban;
using Scriban.Runtime;
using Scriban.Syntax;
using VirtualCore.Framework.Web;

namespace VirtualCore.Framework.Views;

/// <summary>A problem the linter found in a template; <see cref="Line"/> is 1-based.</summary>
public sealed record TemplateLintProblem(int Line, string Variable, string Reason);

/// <summary>
/// Checks that a template only reads what its page provides: the globals every page gets (<c>model</c>, <c>theme</c>,
/// <c>user</c>, <c>nav</c>, <c>csrf</c>, <c>path</c>, <c>brand</c>, <c>page_title</c>, <c>body</c>), the sandbox's
/// functions, names the template assigns itself, and — for a page whose model type is declared — only members that
/// type has, followed through loops and assignments. A misspelt <c>model.vm_nmae</c> renders as nothing at run
/// time; the linter names it at upload, with its line.
/// </summary>
public sealed class ThemeLinter(PageModelCatalogue pages)
{
    private static readonly Shape Unknown = new(null, null);

    private static readonly Lazy<Dictionary<string, Shape>> Builtins = new(ReadBuiltins);

    /// <summary>The globals every page gets, with their shapes.</summary>
    private static readonly Dictionary<string, Shape> PageGlobals = new(StringComparer.Ordinal)
    {
        ["model"] = Unknown,
        ["theme"] = new(null, ThemeNames()),
        ["user"] = new(typeof(PageUser), null),
        ["nav"] = new(typeof(NavLink[]), null),
        ["csrf"] = new(typeof(CsrfField), null),
        ["path"] = new(typeof(string), null),
        ["brand"] = new(typeof(string), null),
        ["page_title"] = new(typeof(string), null),
        ["body"] = new(typeof(RawHtml), null),
        ["layout"] = new(typeof(string), null),
        ["t"] = Unknown,
        ["lang"] = new(typeof(string), null),
        ["languages"] = new(typeof(PageLanguage[]), null),
    };

    /// <summary>
    /// Lints <paramref name="template"/> (parsed without errors) at <paramref name="templatePath"/>. A page template
    /// may read the page globals and what it assigns; the layout and partials (templates no page renders by
    /// themselves) may also read what any template in <paramref name="namesAssignedInTheme"/> assigns.
    /// </summary>
    public IReadOnlyList<TemplateLintProblem> Lint(string templatePath, Template template, IReadOnlySet<string> namesAssignedInTheme)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(namesAssignedInTheme);
        var isPage = pages.TryGetModelType(templatePath, out var modelType);
        var walker = new Walker(modelType, isPage ? null : namesAssignedInTheme);
        walker.Collect(template.Page);
        walker.Visit(template.Page);
        return walker.Problems;
    }

    /// <summary>The names a template assigns (<c>x = …</c>, <c>capture x</c>, <c>for x in …</c>, <c>func x</c>).</summary>
    public static IReadOnlySet<string> AssignedNames(Template template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var walker = new Walker(null, null);
        walker.Collect(template.Page);
        return walker.Declared;
    }

    private static Dictionary<string, Shape> ThemeNames()
    {
        var names = ThemeSettingsSchema.Fields.ToDictionary(f => f.TemplateName, f => f.Kind == ThemeSettingKind.Links ? new Shape(typeof(ThemeLink[]), null) : new Shape(typeof(string), null), StringComparer.Ordinal);
        names["name"] = new Shape(typeof(string), null);
        return names;
    }

    private static Dictionary<string, Shape> ReadBuiltins()
    {
        var context = new SandboxedTemplateContext();
        context.RestrictBuiltins();
        var builtins = new Dictionary<string, Shape>(StringComparer.Ordinal);
        foreach (var name in context.BuiltinObject.GetMembers())
        {
            builtins[name] = context.BuiltinObject[name] is ScriptObject functions
                ? new Shape(null, functions.GetMembers().ToDictionary(m => m, _ => Unknown, StringComparer.Ordinal))
                : Unknown;
        }

        // The loop objects Scriban provides inside loops.
        foreach (var loop in new[] { "for", "while", "tablerow" })
        {
            builtins[loop] = Unknown;
        }

        return builtins;
    }

    /// <summary>What is known of a value: its .NET type (a model's), or its fixed member names (theme, functions).</summary>
    private sealed record Shape(Type? Type, Dictionary<string, Shape>? Members);

    private sealed class Walker(Type? modelType, IReadOnlySet<string>? alsoAllowed)
    {
        private readonly Dictionary<string, Shape> _bound = new(StringComparer.Ordinal);

        public HashSet<string> Declared { get; } = new(StringComparer.Ordinal);

        /// <summary>Names this template fills with <c>capture</c>: HTML it wrote itself, escaped as it was written.</summary>
        public HashSet<string> Captured { get; } = new(StringComparer.Ordinal);

        public List<TemplateLintProblem> Problems { get; } = [];

        public void Collect(ScriptNode? node)
        {
            switch (node)
            {
                case null:
                    return;
                case ScriptAssignExpression { Target: ScriptVariableGlobal target }:
                    Declared.Add(target.Name);
                    break;
                case ScriptForStatement { Variable: ScriptVariableGlobal variable }:
                    Declared.Add(variable.Name);
                    break;
                case ScriptCaptureStatement { Target: ScriptVariableGlobal captured }:
                    Declared.Add(captured.Name);
                    Captured.Add(captured.Name);
                    break;
                case ScriptFunction function:
                    if (function.NameOrDoToken is ScriptVariableGlobal name)
                    {
                        Declared.Add(name.Name);
                    }

                    foreach (var parameter in function.Parameters ?? [])
                    {
                        if (parameter.Name is ScriptVariableGlobal p)
                        {
                            Declared.Add(p.Name);
                        }
                    }

                    break;
            }

            for (var i = 0; i < node.ChildrenCount; i++)
            {
                Collect(node.GetChildren(i));
            }
        }

        public void Visit(ScriptNode? node)
        {
            switch (node)
            {
                case null:
                    return;
                case ScriptForStatement loop:
                    Evaluate(loop.Iterator);
                    var previous = loop.Variable is ScriptVariableGlobal v && _bound.TryGetValue(v.Name, out var before) ? before : null;
                    if (loop.Variable is ScriptVariableGlobal variable)
                    {
                        _bound[variable.Name] = ElementOf(Evaluate(loop.Iterator, report: false));
                    }

                    Visit(loop.Body);
                    Visit(loop.Else);
                    if (loop.Variable is ScriptVariableGlobal done)
                    {
                        if (previous is null)
                        {
                            _bound.Remove(done.Name);
                        }
                        else
                        {
                            _bound[done.Name] = previous;
                        }
                    }

                    return;
                case ScriptAssignExpression assign:
                    var value = Evaluate(assign.Value);
                    if (assign.Target is ScriptVariableGlobal target)
                    {
                        _bound[target.Name] = value;
                    }
                    else
                    {
                        Evaluate(assign.Target);
                    }

                    return;
                case ScriptCaptureStatement capture:
                    if (capture.Target is ScriptVariableGlobal captured)
                    {
                        _bound[captured.Name] = new Shape(typeof(string), null);
                    }

                    Visit(capture.Body);
                    return;
                case ScriptFunction function:
                    // A function's parameters are whatever it is called with.
                    foreach (var parameter in function.Parameters ?? [])
                    {
                        if (parameter.Name is ScriptVariableGlobal p)
                        {
                            _bound[p.Name] = Unknown;
                        }
                    }

                    Visit(function.Body);
                    return;
                case ScriptExpression expression:
                    Evaluate(expression);
                    return;
            }

            for (var i = 0; i < node.ChildrenCount; i++)
            {
                Visit(node.GetChildren(i));
            }
        }

        private Shape Evaluate(ScriptNode? node, bool report = true)
        {
            switch (node)
            {
                case null:
                    return Unknown;
                case ScriptVariableGlobal global:
                    return Lookup(global, report);
                case ScriptMemberExpression member:
                    var target = Evaluate(member.Target, report);
                    return member.Member is ScriptVariable name ? MemberOf(target, name.Name, member, report) : Unknown;
                case ScriptFunctionCall { Target: ScriptVariableGlobal { Name: "raw" } } rawCall:
                    CheckRaw(rawCall, rawCall.Arguments.Count > 0 ? rawCall.Arguments[0] : null, report);
                    return Unknown;
                case ScriptPipeCall { To: ScriptVariableGlobal { Name: "raw" } or ScriptFunctionCall { Target: ScriptVariableGlobal { Name: "raw" } } } rawPipe:
                    CheckRaw(rawPipe, rawPipe.From, report);
                    return Unknown;
                case ScriptFunctionCall { Target: ScriptVariableGlobal { Name: "include" } } call:
                    if (call.Arguments.Count == 0 || call.Arguments[0] is not ScriptLiteral { Value: string included })
                    {
                        Report(call, "include", "include takes the path of a template of the theme, written as text", report);
                    }
                    else if (!ThemePaths.IsSafeTemplatePath(included))
                    {
                        Report(call, "include", $"'{included}' is not a template path of the theme (relative, forward slashes, no '..', ending in {ThemePaths.TemplateExtension})", report);
                    }

                    foreach (var argument in call.Arguments.Skip(1))
                    {
                        Evaluate(argument, report);
                    }

                    return Unknown;
                case ScriptIndexerExpression indexer:
                    var collection = Evaluate(indexer.Target, report);
                    Evaluate(indexer.Index, report);
                    return ElementOf(collection);
                case ScriptAssignExpression or ScriptForStatement or ScriptFunction or ScriptCaptureStatement:
                    if (report)
                    {
                        Visit(node);
                    }

                    return Unknown;
            }

            for (var i = 0; i < node.ChildrenCount; i++)
            {
                Evaluate(node.GetChildren(i), report);
            }

            return Unknown;
        }

        /// <summary>
        /// <c>raw</c> writes HTML unescaped: allowed for the page's <c>body</c> and for what a template captured
        /// itself, never for data (a customer's VM name written raw would be markup the customer chose).
        /// </summary>
        private void CheckRaw(ScriptNode at, ScriptNode? argument, bool report)
        {
            if (argument is ScriptVariableGlobal { Name: var name } && (name == "body" || Captured.Contains(name) || alsoAllowed?.Contains(name) == true))
            {
                return;
            }

            Evaluate(argument, report);
            Report(at, "raw", "raw writes HTML unescaped; use it only for body or for what the template captured itself, never for data", report);
        }

        private Shape Lookup(ScriptVariableGlobal variable, bool report)
        {
            var name = variable.Name;
            if (_bound.TryGetValue(name, out var bound))
            {
                return bound;
            }

            if (name == "model")
            {
                return modelType is null ? Unknown : new Shape(modelType, null);
            }

            if (PageGlobals.TryGetValue(name, out var global))
            {
                return global;
            }

            if (Builtins.Value.TryGetValue(name, out var builtin))
            {
                return builtin;
            }

            if (Declared.Contains(name) || alsoAllowed?.Contains(name) == true)
            {
                return Unknown;
            }

            if (report)
            {
                Problems.Add(new TemplateLintProblem(variable.Span.Start.Line + 1, name, $"'{name}' is not a variable of this page (the page provides model, theme, user, nav, csrf, path, brand, page_title, lang, languages, t)"));
            }

            return Unknown;
        }

        private Shape MemberOf(Shape target, string member, ScriptMemberExpression at, bool report)
        {
            if (target.Members is { } members)
            {
                if (members.TryGetValue(member, out var known))
                {
                    return known;
                }

                Report(at, member, $"'{member}' is not one of {string.Join(", ", members.Keys.Order(StringComparer.Ordinal))}", report);
                return Unknown;
            }

            if (target.Type is not { } type)
            {
                return Unknown;
            }

            type = Nullable.GetUnderlyingType(type) ?? type;
            if (IsScalar(type) || typeof(IDictionary).IsAssignableFrom(type) || IsGenericDictionary(type) || type == typeof(object))
            {
                return Unknown;
            }

            if (typeof(IEnumerable).IsAssignableFrom(type))
            {
                // Lists have size, first and last in Scriban; nothing else.
                return member is "size" or "first" or "last" ? (member == "size" ? new Shape(typeof(int), null) : ElementOf(target)) : Problem(at, member, $"a list has no member '{member}'", report);
            }

            var property = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .FirstOrDefault(p => p.GetIndexParameters().Length == 0 && StandardMemberRenamer.Rename(p.Name) == member);
            return property is null
                ? Problem(at, member, $"{type.Name} has no member '{member}' (it has {string.Join(", ", type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => StandardMemberRenamer.Rename(p.Name)).Order(StringComparer.Ordinal))})", report)
                : new Shape(property.PropertyType, null);
        }

        private Shape Problem(ScriptMemberExpression at, string member, string reason, bool report)
        {
            Report(at, member, reason, report);
            return Unknown;
        }

        private void Report(ScriptNode at, string member, string reason, bool report)
        {
            if (report)
            {
                Problems.Add(new TemplateLintProblem(at.Span.Start.Line + 1, member, reason));
            }
        }

        private static Shape ElementOf(Shape collection)
        {
            if (collection.Type is not { } type || type == typeof(string))
            {
                return Unknown;
            }

            if (type.IsArray)
            {
                return new Shape(type.GetElementType(), null);
            }

            var enumerable = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IEnumerable<>)
                ? type
                : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
            return enumerable is null || IsGenericDictionary(type) ? Unknown : new Shape(enumerable.GetGenericArguments()[0], null);
        }

        private static bool IsScalar(Type type) =>
            type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(Guid)
            || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(TimeSpan) || type == typeof(DateOnly)
            || type == typeof(TimeOnly) || type == typeof(Uri) || type == typeof(RawHtml);

        private static bool IsGenericDictionary(Type type) =>
            type.GetInterfaces().Append(type).Any(i => i.IsGenericType
                && (i.GetGenericTypeDefinition() == typeof(IDictionary<,>) || i.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>)));
    }
}
