using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;

namespace VirtualCore.Portal.Tests;

/// <summary>
/// A simulated rack server's node file as it stands with its journal applied: a running rack server appends each change
/// to <c>&lt;file&gt;.journal.&lt;generation&gt;</c> (the generation in a comment of the file) and writes the file whole
/// only now and then, so reading the file alone shows an older state.
/// </summary>
public static class NodeFile
{
    private static readonly XNamespace Test = "http://libvirt.org/schemas/domain/test/1.0";
    private const string GenerationPrefix = " vcore-journal-generation ";

    /// <summary>The node file's document with every journaled change applied.</summary>
    public static XDocument Current(string path)
    {
        var document = XDocument.Load(path);
        var generation = document.Root!.Nodes().OfType<XComment>()
            .Where(c => c.Value.StartsWith(GenerationPrefix, StringComparison.Ordinal))
            .Select(c => long.Parse(c.Value[GenerationPrefix.Length..].Trim(), CultureInfo.InvariantCulture))
            .FirstOrDefault();
        var journal = $"{path}.journal.{generation.ToString(CultureInfo.InvariantCulture)}";
        if (!File.Exists(journal))
        {
            return document;
        }

        using var stream = new FileStream(journal, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            JsonElement record;
            try
            {
                record = JsonDocument.Parse(line).RootElement;
            }
            catch (JsonException)
            {
                continue;
            }

            var id = record.GetProperty("Id").GetGuid().ToString("D");
            document.Root!.Elements("domain").Where(d => (string?)d.Element("uuid") == id).Remove();
            if (record.GetProperty("Xml").GetString() is { } xml)
            {
                var domain = XElement.Parse(xml);
                domain.SetAttributeValue(XNamespace.Xmlns + "test", Test.NamespaceName);
                domain.Add(new XElement(Test + "runstate", record.GetProperty("State").GetInt32()));
                document.Root!.Add(domain);
            }
        }

        return document;
    }

    /// <summary>A copy of the node file with its journal applied, for virsh to read as libvirt would after a restart.</summary>
    public static string FoldedCopy(string path, string directory)
    {
        var copy = Path.Combine(directory, $"folded-{Guid.NewGuid():N}.xml");
        Current(path).Save(copy);
        return copy;
    }
}
