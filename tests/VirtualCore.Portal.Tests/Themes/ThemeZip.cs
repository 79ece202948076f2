using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;

namespace VirtualCore.Portal.Tests.Themes;

/// <summary>A theme zip built file by file, as a reseller packs one; raw entries can carry hostile names and attributes.</summary>
internal sealed class ThemeZip
{
    private readonly List<(string Name, byte[] Content, int? UnixMode)> _entries = [];

    public static ThemeZip Minimal(string settingsJson = """{ "brandName": "Kamp Blue", "primaryColor": "#123456" }""") =>
        new ThemeZip().Add("theme.json", $$"""{ "name": "KampBlue", "version": "1.0.0", "base": "Default", "settings": {{settingsJson}} }""");

    public ThemeZip Add(string name, string text) => Add(name, Encoding.UTF8.GetBytes(text));

    public ThemeZip Add(string name, byte[] content, int? unixMode = null)
    {
        _entries.Add((name, content, unixMode));
        return this;
    }

    public byte[] Build()
    {
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content, mode) in _entries)
            {
                var entry = archive.CreateEntry(name, CompressionLevel.Optimal);
                if (mode is { } unix)
                {
                    entry.ExternalAttributes = unix << 16;
                }

                using var stream = entry.Open();
                stream.Write(content);
            }
        }

        return buffer.ToArray();
    }

    public ByteArrayContent Content()
    {
        var content = new ByteArrayContent(Build());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        return content;
    }
}
