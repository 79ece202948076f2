using System.Collections;
using System.Diagnostics;
using System.Reflection;
using VirtualCore.Framework.Web;

namespace VirtualCore.Framework.Views;

/// <summary>
/// Renders every page of a theme before it may be used, each with a sample of its declared model, and compares with
/// the installed default theme: a page the default renders but the theme cannot (a loop cut off, output too large,
/// too slow, a function refused) or that shows nothing of its page (an empty layout or page) is a problem.
/// </summary>
public sealed class ThemeTrial(IViewRenderer views, PageModelCatalogue pages, ThemeRegistry registry)
{
    /// <summary>A text every sample string holds; a page that shows its model shows it.</summary>
    public const string Marker = "vcore-sample";

    private const int MaxProblems = 5;

    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(15);

    public async Task<IReadOnlyList<ThemeProblem>> RunAsync(string themeName, CancellationToken cancellationToken)
    {
        var problems = new List<ThemeProblem>();
        var clock = Stopwatch.StartNew();
        var own = registry.TemplatePaths(themeName);
        foreach (var template in pages.Templates.Order(StringComparer.Ordinal))
        {
            if (problems.Count >= MaxProblems || clock.Elapsed > Budget)
            {
                break;
            }

            pages.TryGetModelType(template, out var modelType);
            var model = SampleModels.Create(modelType!);
            var globals = new Dictionary<string, object?>
            {
                ["page_title"] = Marker,
                ["user"] = new PageUser(Marker, Marker, "customer-admin"),
                ["nav"] = new[] { new NavLink(Marker, "/vms", true) },
                ["csrf"] = new CsrfField("__csrf", Marker),
                ["path"] = "/",
                ["brand"] = Marker,
            };

            string? expected;
            try
            {
                expected = await views.RenderPageAsync(ThemePaths.DefaultThemeName, template, model, globals, cancellationToken);
            }
            catch (TemplateRenderException)
            {
                // The sample does not suit this page even in the default theme: nothing to compare with.
                continue;
            }

            try
            {
                var html = await views.RenderPageAsync(themeName, template, model, globals, cancellationToken);
                if (expected.Contains(Marker, StringComparison.Ordinal) && !html.Contains(Marker, StringComparison.Ordinal))
                {
                    // The page's own template is the base theme's: the theme's layout left the page out.
                    var culprit = !own.Contains(template) && own.Contains(ThemePaths.LayoutTemplatePath) ? ThemePaths.LayoutTemplatePath : template;
                    problems.Add(new ThemeProblem($"{ThemePaths.TemplatesFolder}/{culprit}", null, $"shows nothing of its page ({template} rendered without what the page shows)"));
                    if (culprit == ThemePaths.LayoutTemplatePath)
                    {
                        break;
                    }
                }
            }
            catch (TemplateRenderException ex)
            {
                problems.Add(new ThemeProblem($"{ThemePaths.TemplatesFolder}/{template}", null, $"cannot be rendered: {ex.Reason}"));
            }
        }

        return problems;
    }
}

/// <summary>Builds a sample of a page model: every string the marker, numbers 1, one element in every list.</summary>
internal static class SampleModels
{
    private const int MaxDepth = 8;

    public static object Create(Type type) => Create(type, 0) ?? throw new InvalidOperationException($"No sample of {type.Name} can be built.");

    private static object? Create(Type type, int depth)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (underlying is not null)
        {
            return Create(underlying, depth);
        }

        if (type == typeof(string))
        {
            return ThemeTrial.Marker;
        }

        if (type == typeof(bool))
        {
            return true;
        }

        if (type.IsEnum)
        {
            return Enum.GetValues(type).GetValue(0);
        }

        if (type.IsPrimitive || type == typeof(decimal))
        {
            return Convert.ChangeType(1, type, System.Globalization.CultureInfo.InvariantCulture);
        }

        if (type == typeof(Guid))
        {
            return Guid.Parse("00000000-0000-4000-8000-000000000001");
        }

        if (type == typeof(DateTimeOffset))
        {
            return new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        }

        if (type == typeof(DateTime))
        {
            return new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        }

        if (type == typeof(TimeSpan))
        {
            return TimeSpan.FromMinutes(1);
        }

        if (type == typeof(RawHtml))
        {
            return new RawHtml(ThemeTrial.Marker);
        }

        if (depth >= MaxDepth)
        {
            return null;
        }

        if (IsDictionary(type))
        {
            var arguments = type.IsGenericType ? type.GetGenericArguments() : [typeof(string), typeof(string)];
            return Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(arguments.Length == 2 ? arguments : [typeof(string), typeof(string)]));
        }

        if (type.IsArray || (typeof(IEnumerable).IsAssignableFrom(type) && type != typeof(string)))
        {
            var element = type.IsArray ? type.GetElementType()! : type.GetGenericArguments().FirstOrDefault() ?? typeof(string);
            var array = Array.CreateInstance(element, 1);
            array.SetValue(Create(element, depth + 1), 0);
            if (type.IsArray || type.IsAssignableFrom(array.GetType()))
            {
                return array;
            }

            var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(element))!;
            list.Add(array.GetValue(0));
            return type.IsAssignableFrom(list.GetType()) ? list : null;
        }

        var constructor = type.GetConstructors(BindingFlags.Public | BindingFlags.Instance).OrderByDescending(c => c.GetParameters().Length).FirstOrDefault();
        if (constructor is null)
        {
            return null;
        }

        var values = constructor.GetParameters().Select(p => Create(p.ParameterType, depth + 1)).ToArray();
        object instance;
        try
        {
            instance = constructor.Invoke(values);
        }
        catch (TargetInvocationException)
        {
            return null;
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is { IsPublic: true } && p.GetValue(instance) is null))
        {
            property.SetValue(instance, Create(property.PropertyType, depth + 1));
        }

        return instance;
    }

    private static bool IsDictionary(Type type) =>
        typeof(IDictionary).IsAssignableFrom(type)
        || type.GetInterfaces().Append(type).Any(i => i.IsGenericType
            && (i.GetGenericTypeDefinition() == typeof(IDictionary<,>) || i.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>)));
}
