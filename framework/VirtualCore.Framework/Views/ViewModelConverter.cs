using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using Scriban.Runtime;

namespace VirtualCore.Framework.Views;

/// <summary>
/// Copies a view model into Scriban's own data types before a template sees it. Templates then hold
/// plain data (script objects, arrays, strings, numbers, dates) instead of live .NET objects, so neither
/// a method nor a field nor anything reachable through one can be touched, whatever the model's type.
/// </summary>
internal static class ViewModelConverter
{
    private const int MaxDepth = 32;

    private static readonly ConcurrentDictionary<Type, (string Name, PropertyInfo Property)[]> PropertiesByType = new();

    public static object? Convert(object? value, string path) => Convert(value, path, 0, new HashSet<object>(ReferenceEqualityComparer.Instance));

    private static object? Convert(object? value, string path, int depth, HashSet<object> ancestors)
    {
        switch (value)
        {
            case null:
                return null;
            case string or bool or char or byte or sbyte or short or ushort or int or uint or long or ulong
                or float or double or decimal or DateTimeOffset or DateTime or TimeSpan or RawHtml:
                return value;
            case Enum or Guid or DateOnly or TimeOnly or Uri:
                return value.ToString();
            case Type or MemberInfo or Delegate or Assembly or Task or Stream or IntPtr or UIntPtr:
                throw new ArgumentException($"View model value '{path}' of type {value.GetType().Name} cannot be exposed to templates.", nameof(value));
        }

        if (depth >= MaxDepth)
        {
            throw new ArgumentException($"View model value '{path}' is nested deeper than {MaxDepth} levels.", nameof(value));
        }

        if (!ancestors.Add(value))
        {
            throw new ArgumentException($"View model value '{path}' refers back to one of its parents.", nameof(value));
        }

        try
        {
            return value switch
            {
                IDictionary dictionary => ConvertDictionary(dictionary, path, depth, ancestors),
                IEnumerable sequence => ConvertSequence(sequence, path, depth, ancestors),
                _ => ConvertObject(value, path, depth, ancestors),
            };
        }
        finally
        {
            ancestors.Remove(value);
        }
    }

    private static ScriptObject ConvertDictionary(IDictionary dictionary, string path, int depth, HashSet<object> ancestors)
    {
        // Keys are data, not member names, so they keep their spelling.
        var result = new ScriptObject();
        foreach (DictionaryEntry entry in dictionary)
        {
            var key = entry.Key as string
                ?? throw new ArgumentException($"View model dictionary '{path}' must have string keys.", nameof(dictionary));
            result.SetValue(key, Convert(entry.Value, $"{path}[{key}]", depth + 1, ancestors), false);
        }

        return result;
    }

    private static ScriptArray ConvertSequence(IEnumerable sequence, string path, int depth, HashSet<object> ancestors)
    {
        var result = new ScriptArray();
        var index = 0;
        foreach (var item in sequence)
        {
            result.Add(Convert(item, $"{path}[{index++}]", depth + 1, ancestors));
        }

        return result;
    }

    private static ScriptObject ConvertObject(object value, string path, int depth, HashSet<object> ancestors)
    {
        var result = new ScriptObject();
        foreach (var (name, property) in PropertiesByType.GetOrAdd(value.GetType(), ReadableProperties))
        {
            result.SetValue(name, Convert(property.GetValue(value), $"{path}.{name}", depth + 1, ancestors), false);
        }

        return result;
    }

    // Scriban's default naming: VmName is read as vm_name.
    private static (string, PropertyInfo)[] ReadableProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0)
            .Select(p => (StandardMemberRenamer.Rename(p.Name), p))
            .ToArray();
}
