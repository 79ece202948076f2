using System.IO.Compression;

namespace VirtualCore.Portal.Tests.Themes;

/// <summary>The sample reseller theme of <c>samples/themes/Harbour</c>, zipped as its folder (the way a reseller packs one).</summary>
internal static class SampleTheme
{
    public static string Folder
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "samples", "themes", "Harbour");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new DirectoryNotFoundException("samples/themes/Harbour was not found above the test's folder.");
        }
    }

    public static byte[] Zip()
    {
        using var buffer = new MemoryStream();
        ZipFile.CreateFromDirectory(Folder, buffer, CompressionLevel.Optimal, includeBaseDirectory: true);
        return buffer.ToArray();
    }
}
