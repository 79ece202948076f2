using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt;

/// <summary>
/// Host descriptions for libvirt's test driver (<c>test:///absolute/path.xml</c>): simulated rack servers
/// with a chosen CPU topology and memory, whose domains can be kept across restarts.
/// </summary>
public static class TestDriverNodeFile
{
    /// <summary>The namespace of the test driver's per-domain extras, such as the run state.</summary>
    internal static readonly XNamespace TestNamespace = "http://libvirt.org/schemas/domain/test/1.0";

    /// <summary>
    /// Writes a host description with one NUMA cell, the given topology and memory, no domains and a NAT
    /// network named "default" (what domains attach to unless told otherwise). Replaces an existing file atomically.
    /// </summary>
    /// <param name="path">Where to write; the connection URI is then <c>test://</c> followed by this absolute path.</param>
    /// <param name="hostName">The rack server's DNS-safe name, recorded in the file for people reading it.</param>
    /// <param name="sockets">CPU sockets.</param>
    /// <param name="coresPerSocket">Cores per socket.</param>
    /// <param name="threadsPerCore">Hardware threads per core.</param>
    /// <param name="memoryBytes">Physical memory; a whole number of KiB, at least 1 MiB.</param>
    public static void Write(string path, string hostName, int sockets, int coresPerSocket, int threadsPerCore, long memoryBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(sockets, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(coresPerSocket, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(threadsPerCore, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(memoryBytes, DomainXmlBuilder.MinimumMemoryBytes);
        if (memoryBytes % 1024 != 0)
        {
            throw new ArgumentException("Memory must be a whole number of KiB.", nameof(memoryBytes));
        }

        if (!DomainXmlBuilder.IsDnsLabel(hostName))
        {
            throw new ArgumentException("The host name must be a DNS label.", nameof(hostName));
        }

        var node = new XElement(
            "node",
            new XComment($" Simulated rack server {hostName} "),
            new XElement(
                "cpu",
                new XElement("nodes", 1),
                new XElement("sockets", sockets),
                new XElement("cores", coresPerSocket),
                new XElement("threads", threadsPerCore),
                new XElement("active", checked(sockets * coresPerSocket * threadsPerCore)),
                new XElement("mhz", 2400),
                new XElement("model", "x86_64")),
            new XElement("memory", (memoryBytes / 1024).ToString(CultureInfo.InvariantCulture)),
            new XElement(
                "network",
                new XElement("name", "default"),
                // Fixed here so the network keeps its identity across opens; libvirt would draw a new one each time.
                new XElement("uuid", Guid.NewGuid().ToString("D")),
                new XElement("bridge", new XAttribute("name", "virbr0")),
                new XElement("forward", new XAttribute("mode", "nat")),
                new XElement(
                    "ip",
                    new XAttribute("address", "192.168.122.1"),
                    new XAttribute("netmask", "255.255.255.0"),
                    new XElement(
                        "dhcp",
                        new XElement("range", new XAttribute("start", "192.168.122.2"), new XAttribute("end", "192.168.122.254"))))));

        WriteAtomically(path, new XDocument(node));
    }

    /// <summary>
    /// Replaces the domains in the host description at <paramref name="path"/> with <paramref name="domains"/>,
    /// keeping everything else in the file, so the next open of the file starts with them in the same state.
    /// </summary>
    /// <param name="path">The host description the connection was opened on.</param>
    /// <param name="domains">Each domain's persistent XML, run state, saved memory and snapshots.</param>
    /// <param name="generation">The journal generation the file starts (see <see cref="FoldJournal"/>).</param>
    internal static void ReplaceDomains(string path, IEnumerable<TestDriverDomain> domains, long generation)
    {
        var document = Load(path);
        var node = document.Root!;
        node.Elements("domain").Remove();
        foreach (var saved in domains)
        {
            node.Add(DomainElement(saved));
        }

        SetGeneration(document, generation);
        Save(path, document);
    }

    /// <summary>The journal beside the node file that records the changes made since the file was last written whole.</summary>
    internal static string JournalPath(string path, long generation) => $"{path}.journal.{generation.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// Appends the domains' new states (a null <see cref="TestDriverDomain"/>: the domain is gone) to the journal of
    /// <paramref name="generation"/> and flushes it to the disk before returning: a change is kept once its call
    /// returned, without rewriting the whole file. A crash in the middle of an append leaves a torn last line, which
    /// <see cref="FoldJournal"/> skips: that call had not returned.
    /// </summary>
    internal static void AppendJournal(string path, long generation, IEnumerable<(Guid Id, TestDriverDomain? Domain)> changes)
    {
        var text = new StringBuilder();
        foreach (var (id, domain) in changes)
        {
            text.Append(JsonSerializer.Serialize(new JournalRecord(
                id, domain?.Xml, domain?.State ?? 0, domain?.HasManagedSave ?? false, domain?.Snapshots.Select(s => new JournalSnapshot(s.Xml, s.Current)).ToArray())));
            text.Append('\n');
        }

        try
        {
            using var stream = new FileStream(JournalPath(path, generation), FileMode.Append, FileAccess.Write, FileShare.Read);
            stream.Write(Encoding.UTF8.GetBytes(text.ToString()));
            stream.Flush(flushToDisk: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HypervisorAdapterException(AdapterErrorCode.OperationFailed, $"Could not write the journal of {path}: {e.Message}", innerException: e);
        }
    }

    /// <summary>
    /// Brings the node file up to date before libvirt opens it: the journal of the file's generation is applied to it
    /// and the file is written whole under the next generation, then the journals are deleted. A journal of another
    /// generation is older than the file (a crash after the file was written and before its journal was deleted) and
    /// is only deleted. Answers the generation whose journal takes the changes from now on.
    /// </summary>
    internal static long FoldJournal(string path)
    {
        var journals = Directory.GetFiles(Path.GetDirectoryName(Path.GetFullPath(path))!, Path.GetFileName(path) + ".journal.*");
        var (document, generation, applied) = ReadCurrent(path);
        if (applied)
        {
            generation++;
            SetGeneration(document, generation);
            Save(path, document);
        }

        foreach (var journal in journals)
        {
            File.Delete(journal);
        }

        return generation;
    }

    /// <summary>The node file as it stands with its journal applied, without writing anything (for reading and tests).</summary>
    internal static XDocument Current(string path) => ReadCurrent(path).Document;

    private static (XDocument Document, long Generation, bool Applied) ReadCurrent(string path)
    {
        var document = Load(path);
        var generation = GenerationOf(document);
        var journal = JournalPath(path, generation);
        if (!File.Exists(journal))
        {
            return (document, generation, false);
        }

        var domains = document.Root!.Elements("domain")
            .Where(d => Guid.TryParse((string?)d.Element("uuid"), out _))
            .ToDictionary(d => Guid.Parse((string)d.Element("uuid")!));
        foreach (var line in File.ReadLines(journal))
        {
            JournalRecord? record;
            try
            {
                record = JsonSerializer.Deserialize<JournalRecord>(line);
            }
            catch (JsonException)
            {
                // A torn last line: the append it belongs to never returned.
                continue;
            }

            if (record is null)
            {
                continue;
            }

            if (domains.Remove(record.Id, out var old))
            {
                old.Remove();
            }

            if (record.Xml is not null)
            {
                var domain = DomainElement(new TestDriverDomain(
                    record.Xml, record.State, record.HasManagedSave, (record.Snapshots ?? []).Select(s => (s.Xml, s.Current)).ToList()));
                document.Root!.Add(domain);
                domains[record.Id] = domain;
            }
        }

        return (document, generation, true);
    }

    private static XElement DomainElement(TestDriverDomain saved)
    {
        var domain = XElement.Parse(saved.Xml);
        domain.Elements().Where(e => e.Name.Namespace == TestNamespace).Remove();
        domain.SetAttributeValue(XNamespace.Xmlns + "test", TestNamespace.NamespaceName);
        domain.Add(new XElement(TestNamespace + "runstate", saved.State));

        // The driver reads managed save only for a shut-off domain, and each snapshot as the children of a
        // <test:domainsnapshot> plus <active> for the current one, parents first.
        if (saved.HasManagedSave)
        {
            domain.Add(new XElement(TestNamespace + "hasmanagedsave"));
        }

        foreach (var (xml, current) in saved.Snapshots)
        {
            domain.Add(new XElement(TestNamespace + "domainsnapshot", XElement.Parse(xml).Elements(), new XElement("active", current ? 1 : 0)));
        }

        return domain;
    }

    // The generation is a comment at the top of the node element: libvirt reads past comments.
    private const string GenerationPrefix = " vcore-journal-generation ";

    private static long GenerationOf(XDocument document) =>
        document.Root!.Nodes().OfType<XComment>()
            .Select(c => c.Value.StartsWith(GenerationPrefix, StringComparison.Ordinal)
                && long.TryParse(c.Value[GenerationPrefix.Length..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var g) ? g : (long?)null)
            .FirstOrDefault(g => g is not null) ?? 0;

    private static void SetGeneration(XDocument document, long generation)
    {
        document.Root!.Nodes().OfType<XComment>().Where(c => c.Value.StartsWith(GenerationPrefix, StringComparison.Ordinal)).Remove();
        document.Root!.AddFirst(new XComment(GenerationPrefix + generation.ToString(CultureInfo.InvariantCulture) + " "));
    }

    private static XDocument Load(string path)
    {
        try
        {
            return XDocument.Load(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or XmlException)
        {
            throw new HypervisorAdapterException(AdapterErrorCode.OperationFailed, $"Could not read the node file {path}: {e.Message}", innerException: e);
        }
    }

    private static void Save(string path, XDocument document)
    {
        try
        {
            WriteAtomically(path, document);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HypervisorAdapterException(AdapterErrorCode.OperationFailed, $"Could not write the node file {path}: {e.Message}", innerException: e);
        }
    }

    /// <summary>
    /// Names every domain in the host description at <paramref name="path"/> by its UUID, as
    /// <see cref="LibvirtAdapter.DomainNameOf"/> does, keeping an old name as its title: domains defined by older
    /// versions carry their customer's name. Snapshots keep the definition they froze, so theirs are renamed too. A
    /// missing file or one with nothing to rename is left as it is.
    /// </summary>
    /// <param name="path">The host description, before the test driver opens it.</param>
    internal static void NameDomainsById(string path)
    {
        if (!File.Exists(path))
        {
            return;
        }

        XDocument document;
        try
        {
            document = XDocument.Load(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or XmlException)
        {
            throw new HypervisorAdapterException(AdapterErrorCode.OperationFailed, $"Could not read the node file {path}: {e.Message}", innerException: e);
        }

        var changed = false;
        foreach (var domain in document.Root!.Elements("domain"))
        {
            if (!Guid.TryParse((string?)domain.Element("uuid"), out var id))
            {
                continue;
            }

            var idName = LibvirtAdapter.DomainNameOf(id);
            var definitions = domain.Elements(TestNamespace + "domainsnapshot").Elements("domain").Prepend(domain);
            foreach (var definition in definitions.Where(d => d.Element("name") is { } name && name.Value != idName))
            {
                var name = definition.Element("name")!;
                if (definition.Element("title") is null)
                {
                    // After the uuid, where libvirt writes it.
                    (definition.Element("uuid") ?? name).AddAfterSelf(new XElement("title", name.Value));
                }

                name.Value = idName;
                changed = true;
            }
        }

        if (!changed)
        {
            return;
        }

        try
        {
            WriteAtomically(path, document);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HypervisorAdapterException(AdapterErrorCode.OperationFailed, $"Could not write the node file {path}: {e.Message}", innerException: e);
        }
    }

    // A crash mid-write must never leave a truncated file: the next open of the node would fail.
    private static void WriteAtomically(string path, XDocument document)
    {
        var fullPath = Path.GetFullPath(path);
        var temporary = Path.Combine(Path.GetDirectoryName(fullPath)!, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                using (var writer = XmlWriter.Create(stream, new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false) }))
                {
                    document.Save(writer);
                }

                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, fullPath, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}

/// <summary>One domain as the test driver's host description keeps it.</summary>
/// <param name="Xml">The persistent domain XML.</param>
/// <param name="State">The virDomainState number.</param>
/// <param name="HasManagedSave">True when the domain is parked.</param>
/// <param name="Snapshots">Each snapshot's XML, parents first, and whether it is the current one.</param>
internal sealed record TestDriverDomain(string Xml, int State, bool HasManagedSave, IReadOnlyList<(string Xml, bool Current)> Snapshots);

/// <summary>One line of a node file's journal: a domain as it is now, or (no XML) that it is gone.</summary>
internal sealed record JournalRecord(Guid Id, string? Xml, int State, bool HasManagedSave, JournalSnapshot[]? Snapshots);

/// <summary>A snapshot in a <see cref="JournalRecord"/>.</summary>
internal sealed record JournalSnapshot(string Xml, bool Current);
