using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace VirtualCore.Modules.Identity.Otp;

/// <summary>
/// One-time recovery codes for a lost authenticator. Codes are shown once and stored only as salted PBKDF2 hashes.
/// </summary>
internal static class RecoveryCodes
{
    public const int DefaultCount = 10;

    // Crockford's Base32 in lower case: no i, l, o or u, so 0/o and 1/l/i cannot be confused;
    // 32 symbols give exactly 5 bits each, 12 symbols give 60 bits per code.
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
    private const int Symbols = 12;
    private const int GroupLength = 4;

    private const string Scheme = "pbkdf2";
    private const int Iterations = 100_000;
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    // A tampered hash must not be able to make one login attempt run for minutes.
    private const int MaxIterations = 10_000_000;

    /// <summary>Distinct codes formatted like <c>k7p3-9xq2-m4ta</c>.</summary>
    public static IReadOnlyList<string> Generate(int count = DefaultCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var codes = new List<string>(count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (codes.Count < count)
        {
            var code = NewCode();
            if (seen.Add(code))
            {
                codes.Add(code);
            }
        }

        return codes;
    }

    /// <summary>Hash for storage, encoded <c>pbkdf2$iterations$salt$hash</c> (salt and hash Base64).</summary>
    public static string Hash(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Derive(Normalise(code), salt, Iterations, HashBytes);
        return string.Join('$', Scheme, Iterations.ToString(CultureInfo.InvariantCulture),
            Convert.ToBase64String(salt), Convert.ToBase64String(hash));
    }

    /// <summary>
    /// Whether <paramref name="code"/>, as typed (any case, with or without hyphens or spaces), belongs to
    /// <paramref name="hash"/>. Never throws for bad input; an unreadable hash simply does not match.
    /// </summary>
    public static bool Matches(string? code, string? hash)
    {
        if (code is null || !TryParse(hash, out var iterations, out var salt, out var expected))
        {
            return false;
        }

        var actual = Derive(Normalise(code), salt, iterations, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    private static string NewCode()
    {
        var text = new StringBuilder(Symbols + (Symbols / GroupLength) - 1);
        for (var i = 0; i < Symbols; i++)
        {
            if (i > 0 && i % GroupLength == 0)
            {
                text.Append('-');
            }

            text.Append(Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)]);
        }

        return text.ToString();
    }

    // People retype codes from paper: ignore case, separators and look-alike letters, as Crockford's decoding does.
    private static string Normalise(string code)
    {
        var text = new StringBuilder(code.Length);
        foreach (var c in code.Trim())
        {
            if (c == '-' || char.IsWhiteSpace(c))
            {
                continue;
            }

            text.Append(char.ToLowerInvariant(c) switch
            {
                'o' => '0',
                'i' or 'l' => '1',
                var other => other,
            });
        }

        return text.ToString();
    }

    private static byte[] Derive(string normalised, byte[] salt, int iterations, int length) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(normalised), salt, iterations, HashAlgorithmName.SHA256, length);

    private static bool TryParse(string? encoded, out int iterations, out byte[] salt, out byte[] hash)
    {
        iterations = 0;
        salt = [];
        hash = [];
        var parts = encoded?.Split('$');
        if (parts is not { Length: 4 } || parts[0] != Scheme
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out iterations)
            || iterations is < 1 or > MaxIterations)
        {
            return false;
        }

        try
        {
            salt = Convert.FromBase64String(parts[2]);
            hash = Convert.FromBase64String(parts[3]);
        }
        catch (FormatException)
        {
            return false;
        }

        return salt.Length > 0 && hash.Length > 0;
    }
}
