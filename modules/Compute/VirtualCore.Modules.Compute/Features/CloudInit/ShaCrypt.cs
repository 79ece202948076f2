using System.Security.Cryptography;
using System.Text;

namespace VirtualCore.Modules.Compute.Features.CloudInit;

/// <summary>
/// SHA-512 crypt ("$6$", Ulrich Drepper's specification), the password hash glibc, and so every Linux guest's
/// <c>/etc/shadow</c>, reads. A password given for a new VM is hashed here and never stored or sent in the clear.
/// </summary>
internal static class ShaCrypt
{
    /// <summary>glibc's default is 5,000; more rounds make a guessed hash dearer to test.</summary>
    public const int DefaultRounds = 100_000;

    private const string Alphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private const int MaxSaltLength = 16;

    // The order in which the 64 bytes of the digest are taken, three at a time, into the text.
    private static readonly (int, int, int)[] Order =
    [
        (0, 21, 42), (22, 43, 1), (44, 2, 23), (3, 24, 45), (25, 46, 4), (47, 5, 26), (6, 27, 48),
        (28, 49, 7), (50, 8, 29), (9, 30, 51), (31, 52, 10), (53, 11, 32), (12, 33, 54), (34, 55, 13),
        (56, 14, 35), (15, 36, 57), (37, 58, 16), (59, 17, 38), (18, 39, 60), (40, 61, 19), (62, 20, 41),
    ];

    /// <summary>Hashes <paramref name="password"/> with a random 16-character salt.</summary>
    public static string Hash(string password)
    {
        var salt = RandomNumberGenerator.GetString(Alphabet, MaxSaltLength);
        return Hash(password, salt, DefaultRounds);
    }

    /// <summary>Hashes with the salt (its first 16 characters) and rounds given; 5,000 rounds are written as the default.</summary>
    public static string Hash(string password, string salt, int rounds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1000);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rounds, 999_999_999);
        var p = Encoding.UTF8.GetBytes(password);
        var s = Encoding.UTF8.GetBytes(salt.Length > MaxSaltLength ? salt[..MaxSaltLength] : salt);

        var b = Digest(p, s, p);

        using var a = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        a.AppendData(p);
        a.AppendData(s);
        AppendRepeated(a, b, p.Length);
        for (var length = p.Length; length > 0; length >>= 1)
        {
            a.AppendData((length & 1) != 0 ? b : p);
        }

        var digestA = a.GetHashAndReset();

        using var dp = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        for (var i = 0; i < p.Length; i++)
        {
            dp.AppendData(p);
        }

        var pBytes = Stretch(dp.GetHashAndReset(), p.Length);

        using var ds = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        for (var i = 0; i < 16 + digestA[0]; i++)
        {
            ds.AppendData(s);
        }

        var sBytes = Stretch(ds.GetHashAndReset(), s.Length);

        var c = digestA;
        using var round = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        for (var i = 0; i < rounds; i++)
        {
            round.AppendData((i & 1) != 0 ? pBytes : c);
            if (i % 3 != 0)
            {
                round.AppendData(sBytes);
            }

            if (i % 7 != 0)
            {
                round.AppendData(pBytes);
            }

            round.AppendData((i & 1) != 0 ? c : pBytes);
            c = round.GetHashAndReset();
        }

        var text = new StringBuilder("$6$");
        if (rounds != 5000)
        {
            text.Append("rounds=").Append(rounds).Append('$');
        }

        text.Append(Encoding.UTF8.GetString(s)).Append('$');
        foreach (var (x, y, z) in Order)
        {
            Encode(text, (c[x] << 16) | (c[y] << 8) | c[z], 4);
        }

        Encode(text, c[63], 2);
        return text.ToString();
    }

    private static byte[] Digest(params byte[][] parts)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        foreach (var part in parts)
        {
            hash.AppendData(part);
        }

        return hash.GetHashAndReset();
    }

    private static void AppendRepeated(IncrementalHash hash, byte[] block, int length)
    {
        var left = length;
        for (; left > block.Length; left -= block.Length)
        {
            hash.AppendData(block);
        }

        hash.AppendData(block, 0, left);
    }

    /// <summary><paramref name="block"/> repeated and cut to <paramref name="length"/> bytes.</summary>
    private static byte[] Stretch(byte[] block, int length)
    {
        var result = new byte[length];
        for (var i = 0; i < length; i++)
        {
            result[i] = block[i % block.Length];
        }

        return result;
    }

    private static void Encode(StringBuilder text, int value, int characters)
    {
        for (var i = 0; i < characters; i++)
        {
            text.Append(Alphabet[value & 0x3f]);
            value >>= 6;
        }
    }
}
