using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace VirtualCore.Plugins.Sdk;

/// <summary>
/// What cloud-init reads on a guest's first boot, as its NoCloud data source takes it: the three files of a
/// <c>cidata</c> volume. The portal writes them; an adapter only delivers them (<see cref="ToIsoImage"/> builds the
/// volume) and never reads or changes them.
/// </summary>
/// <param name="MetaData">The <c>meta-data</c> file (YAML: instance-id, local-hostname).</param>
/// <param name="UserData">The <c>user-data</c> file (a cloud-config, a script or a MIME multipart of them).</param>
/// <param name="NetworkConfig">The <c>network-config</c> file (network config version 2), or null to leave it out and
/// let the guest use DHCP.</param>
public sealed record CloudInitSeed(string MetaData, string UserData, string? NetworkConfig)
{
    /// <summary>The largest seed, all files together, an adapter has to take (cloud providers allow 16 KiB to 64 KiB of user data).</summary>
    public const int MaxBytes = 256 * 1024;

    /// <summary>The volume label cloud-init looks for.</summary>
    public const string VolumeLabel = "cidata";

    /// <summary>The files in the order of their names, as they appear in the volume.</summary>
    public IReadOnlyList<(string Name, byte[] Content)> Files()
    {
        var files = new List<(string, byte[])>
        {
            ("meta-data", Encoding.UTF8.GetBytes(MetaData)),
            ("user-data", Encoding.UTF8.GetBytes(UserData)),
        };
        if (NetworkConfig is not null)
        {
            files.Insert(1, ("network-config", Encoding.UTF8.GetBytes(NetworkConfig)));
        }

        return files;
    }

    /// <summary>
    /// The seed as an ISO 9660 image with Joliet names, labelled <c>cidata</c>, as <c>genisoimage -V cidata -J</c> makes
    /// it: Linux, and so cloud-init, reads the files under their own names. The same seed and time give the same bytes.
    /// </summary>
    /// <param name="recorded">The time written as the files' and the volume's date.</param>
    /// <exception cref="ArgumentException">The files together exceed <see cref="MaxBytes"/>.</exception>
    public byte[] ToIsoImage(DateTimeOffset recorded)
    {
        var files = Files();
        if (files.Sum(f => (long)f.Content.Length) > MaxBytes)
        {
            throw new ArgumentException($"A cloud-init seed holds at most {MaxBytes / 1024} KiB.");
        }

        return Iso9660Image.Build(VolumeLabel, files, recorded);
    }
}

/// <summary>
/// A minimal ISO 9660 writer: one root directory holding a few files, with a Joliet supplementary volume descriptor so
/// file names keep their case and hyphens. Layout in 2,048-byte sectors: 16 empty, the primary and the Joliet volume
/// descriptors, the terminator, four path tables, the two root directories, then each file's data.
/// </summary>
internal static class Iso9660Image
{
    private const int Sector = 2048;
    private const int PrimaryDescriptor = 16;
    private const int JolietDescriptor = 17;
    private const int Terminator = 18;
    private const int PrimaryLittlePathTable = 19;
    private const int PrimaryBigPathTable = 20;
    private const int JolietLittlePathTable = 21;
    private const int JolietBigPathTable = 22;
    private const int PrimaryRoot = 23;
    private const int JolietRoot = 24;
    private const int FirstFile = 25;
    private const int PathTableBytes = 10;

    public static byte[] Build(string label, IReadOnlyList<(string Name, byte[] Content)> files, DateTimeOffset recorded)
    {
        var extents = new int[files.Count];
        var next = FirstFile;
        for (var i = 0; i < files.Count; i++)
        {
            extents[i] = next;
            next += Math.Max(1, SectorsFor(files[i].Content.Length));
        }

        var image = new byte[next * Sector];
        var time = recorded.ToUniversalTime();

        var primaryNames = files.Select(f => Encoding.ASCII.GetBytes(PrimaryName(f.Name))).ToArray();
        var jolietNames = files.Select(f => Encoding.BigEndianUnicode.GetBytes(f.Name)).ToArray();
        WriteDirectory(image.AsSpan(PrimaryRoot * Sector, Sector), PrimaryRoot, files, extents, primaryNames, time);
        WriteDirectory(image.AsSpan(JolietRoot * Sector, Sector), JolietRoot, files, extents, jolietNames, time);

        WriteDescriptor(image.AsSpan(PrimaryDescriptor * Sector, Sector), joliet: false, label, next, time);
        WriteDescriptor(image.AsSpan(JolietDescriptor * Sector, Sector), joliet: true, label, next, time);
        var terminator = image.AsSpan(Terminator * Sector, Sector);
        terminator[0] = 255;
        Encoding.ASCII.GetBytes("CD001", terminator[1..]);
        terminator[6] = 1;

        WritePathTable(image.AsSpan(PrimaryLittlePathTable * Sector), PrimaryRoot, bigEndian: false);
        WritePathTable(image.AsSpan(PrimaryBigPathTable * Sector), PrimaryRoot, bigEndian: true);
        WritePathTable(image.AsSpan(JolietLittlePathTable * Sector), JolietRoot, bigEndian: false);
        WritePathTable(image.AsSpan(JolietBigPathTable * Sector), JolietRoot, bigEndian: true);

        for (var i = 0; i < files.Count; i++)
        {
            files[i].Content.CopyTo(image.AsSpan(extents[i] * Sector));
        }

        return image;
    }

    /// <summary>An 8.3 name of d-characters with version 1: "user-data" becomes "USER_DAT.;1".</summary>
    internal static string PrimaryName(string name)
    {
        var chars = name.ToUpperInvariant().Select(c => c is (>= 'A' and <= 'Z') or (>= '0' and <= '9') ? c : '_').ToArray();
        return new string(chars, 0, Math.Min(8, chars.Length)) + ".;1";
    }

    private static int SectorsFor(long bytes) => (int)((bytes + Sector - 1) / Sector);

    private static void WriteDescriptor(Span<byte> d, bool joliet, string label, int totalSectors, DateTimeOffset time)
    {
        d[0] = (byte)(joliet ? 2 : 1);
        Encoding.ASCII.GetBytes("CD001", d[1..]);
        d[6] = 1;
        FillText(d.Slice(8, 32), "", joliet);
        FillText(d.Slice(40, 32), label, joliet);
        BothEndian32(d[80..], totalSectors);
        if (joliet)
        {
            // UCS-2 level 3.
            d[88] = (byte)'%';
            d[89] = (byte)'/';
            d[90] = (byte)'E';
        }

        BothEndian16(d[120..], 1);
        BothEndian16(d[124..], 1);
        BothEndian16(d[128..], Sector);
        BothEndian32(d[132..], PathTableBytes);
        BinaryPrimitives.WriteInt32LittleEndian(d[140..], joliet ? JolietLittlePathTable : PrimaryLittlePathTable);
        BinaryPrimitives.WriteInt32BigEndian(d[148..], joliet ? JolietBigPathTable : PrimaryBigPathTable);
        WriteRecord(d.Slice(156, 34), joliet ? JolietRoot : PrimaryRoot, Sector, directory: true, [0], time);
        FillText(d.Slice(190, 128), "", joliet);
        FillText(d.Slice(318, 128), "", joliet);
        FillText(d.Slice(446, 128), "", joliet);
        FillText(d.Slice(574, 128), "VIRTUALCORE PLATFORM", joliet);
        FillText(d.Slice(702, 37 * 3), "", joliet);
        var stamp = time.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "00";
        Encoding.ASCII.GetBytes(stamp, d[813..]);
        Encoding.ASCII.GetBytes(stamp, d[830..]);
        Encoding.ASCII.GetBytes("0000000000000000", d[847..]);
        Encoding.ASCII.GetBytes("0000000000000000", d[864..]);
        d[881] = 1;
    }

    /// <summary>Spaces, or UCS-2 spaces, after the text; Joliet fields are big-endian UCS-2.</summary>
    private static void FillText(Span<byte> field, string text, bool joliet)
    {
        if (joliet)
        {
            for (var i = 0; i + 1 < field.Length; i += 2)
            {
                field[i] = 0;
                field[i + 1] = (byte)' ';
            }

            Encoding.BigEndianUnicode.GetBytes(text.AsSpan(0, Math.Min(text.Length, field.Length / 2)), field);
        }
        else
        {
            field.Fill((byte)' ');
            Encoding.ASCII.GetBytes(text.AsSpan(0, Math.Min(text.Length, field.Length)), field);
        }
    }

    private static void WriteDirectory(
        Span<byte> sector,
        int self,
        IReadOnlyList<(string Name, byte[] Content)> files,
        int[] extents,
        byte[][] names,
        DateTimeOffset time)
    {
        var offset = WriteRecord(sector, self, Sector, directory: true, [0], time);
        offset += WriteRecord(sector[offset..], self, Sector, directory: true, [1], time);

        // Records sorted by their identifier's bytes, as the standard asks.
        foreach (var i in Enumerable.Range(0, files.Count).OrderBy(i => names[i], ByteOrder.Instance))
        {
            offset += WriteRecord(sector[offset..], extents[i], files[i].Content.Length, directory: false, names[i], time);
        }
    }

    private static int WriteRecord(Span<byte> r, int extent, int length, bool directory, byte[] name, DateTimeOffset time)
    {
        var size = 33 + name.Length + (name.Length % 2 == 0 ? 1 : 0);
        r[0] = (byte)size;
        r[1] = 0;
        BothEndian32(r[2..], extent);
        BothEndian32(r[10..], length);
        r[18] = (byte)(time.Year - 1900);
        r[19] = (byte)time.Month;
        r[20] = (byte)time.Day;
        r[21] = (byte)time.Hour;
        r[22] = (byte)time.Minute;
        r[23] = (byte)time.Second;
        r[24] = 0;
        r[25] = (byte)(directory ? 2 : 0);
        BothEndian16(r[28..], 1);
        r[32] = (byte)name.Length;
        name.CopyTo(r[33..]);
        return size;
    }

    private static void WritePathTable(Span<byte> table, int root, bool bigEndian)
    {
        table[0] = 1;
        table[1] = 0;
        if (bigEndian)
        {
            BinaryPrimitives.WriteInt32BigEndian(table[2..], root);
            BinaryPrimitives.WriteInt16BigEndian(table[6..], 1);
        }
        else
        {
            BinaryPrimitives.WriteInt32LittleEndian(table[2..], root);
            BinaryPrimitives.WriteInt16LittleEndian(table[6..], 1);
        }

        table[8] = 0;
    }

    private static void BothEndian16(Span<byte> field, int value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(field, (ushort)value);
        BinaryPrimitives.WriteUInt16BigEndian(field[2..], (ushort)value);
    }

    private static void BothEndian32(Span<byte> field, int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(field, value);
        BinaryPrimitives.WriteInt32BigEndian(field[4..], value);
    }

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
