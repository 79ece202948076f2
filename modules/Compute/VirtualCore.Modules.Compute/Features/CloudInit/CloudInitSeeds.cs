using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using VirtualCore.Framework.Mediation;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Infrastructure.Contracts;
using VirtualCore.Node.Contracts.V1;

namespace VirtualCore.Modules.Compute.Features.CloudInit;

/// <summary>What a new VM's cloud-init options may hold.</summary>
internal static partial class CloudInitRules
{
    public const int MaxKeys = 32;
    public const int MaxKeyLength = 16 * 1024;
    public const int MinPasswordLength = 8;
    public const int MaxPasswordLength = 128;
    public const int MaxUserDataBytes = 64 * 1024;
    public const int MaxHostnameLength = 253;

    private static readonly string[] KeyTypes =
    [
        "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
    ];

    /// <summary>Adds a field error, named <c>cloudInit.…</c>, for each part that cannot go into a seed.</summary>
    public static void Check(List<FieldError> errors, CloudInitOptions? options)
    {
        if (options is null)
        {
            return;
        }

        if (options.Hostname is { } hostname && !IsHostname(hostname))
        {
            errors.Add(new("cloudInit.hostname", $"Use a host name of up to {MaxHostnameLength} characters: labels of letters, digits and inner hyphens, separated by dots."));
        }

        var keys = options.SshAuthorizedKeys ?? [];
        if (keys.Count > MaxKeys)
        {
            errors.Add(new("cloudInit.sshAuthorizedKeys", $"Give at most {MaxKeys} SSH keys."));
        }
        else
        {
            for (var i = 0; i < keys.Count; i++)
            {
                if (KeyProblem(keys[i]) is { } problem)
                {
                    errors.Add(new($"cloudInit.sshAuthorizedKeys[{i}]", problem));
                }
            }
        }

        if (options.Password is { } password
            && (password.Length is < MinPasswordLength or > MaxPasswordLength || password.Any(char.IsControl)))
        {
            errors.Add(new("cloudInit.password", $"Choose a password of {MinPasswordLength} to {MaxPasswordLength} characters without control characters."));
        }

        if (options.UserData is { } userData)
        {
            if (Encoding.UTF8.GetByteCount(userData) > MaxUserDataBytes)
            {
                errors.Add(new("cloudInit.userData", $"User data holds at most {MaxUserDataBytes / 1024} KiB."));
            }
            else if (userData.Contains('\0', StringComparison.Ordinal))
            {
                errors.Add(new("cloudInit.userData", "User data is text: it holds no NUL characters."));
            }
            else if (!(userData.StartsWith("#cloud-config", StringComparison.Ordinal) || userData.StartsWith("#!", StringComparison.Ordinal)))
            {
                errors.Add(new("cloudInit.userData", "Start user data with \"#cloud-config\" (a cloud-config) or \"#!\" (a script)."));
            }
        }
    }

    public static bool IsHostname(string name) =>
        name.Length <= MaxHostnameLength && Hostname().IsMatch(name);

    /// <summary>Why <paramref name="key"/> is no OpenSSH public key line ("type base64 [comment]"), or null when it is one.</summary>
    public static string? KeyProblem(string? key)
    {
        const string Form = "Paste an OpenSSH public key: its type (e.g. ssh-ed25519), its base64 part and an optional comment (printable ASCII), on one line.";
        if (string.IsNullOrWhiteSpace(key) || key.Length > MaxKeyLength)
        {
            return Form;
        }

        var match = PublicKey().Match(key.Trim());
        if (!match.Success || !KeyTypes.Contains(match.Groups["type"].Value, StringComparer.Ordinal))
        {
            return Form;
        }

        // The key's blob begins with its own type, length-prefixed: a pasted fragment or a mismatched type is refused.
        var blob = match.Groups["blob"].Value;
        var bytes = new byte[Base64.GetMaxDecodedFromUtf8Length(blob.Length)];
        if (!Convert.TryFromBase64String(blob, bytes, out var length) || length < 4)
        {
            return "The key's base64 part does not decode: it is cut short or mistyped.";
        }

        // Then its parts, each length-prefixed, exactly filling the blob: a key cut short has a part that runs past its end.
        var fields = new List<int>();
        for (var offset = 0; offset < length;)
        {
            if (length - offset < 4)
            {
                return "The key's base64 part is cut short.";
            }

            var fieldLength = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(offset));
            if (fieldLength < 0 || fieldLength > length - offset - 4)
            {
                return "The key's base64 part is cut short.";
            }

            fields.Add(offset);
            offset += 4 + fieldLength;
        }

        var typeLength = BinaryPrimitives.ReadInt32BigEndian(bytes);
        if (fields.Count < 2 || Encoding.ASCII.GetString(bytes, 4, typeLength) != match.Groups["type"].Value)
        {
            return "The key's base64 part is not a key of the type it names.";
        }

        return null;
    }

    [GeneratedRegex(@"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\z", RegexOptions.CultureInvariant)]
    private static partial Regex Hostname();

    [GeneratedRegex(@"^(?<type>[a-z0-9@.-]+) (?<blob>[A-Za-z0-9+/]+={0,2})(?: (?<comment>[\x20-\x7e]{1,1024}))?\z", RegexOptions.CultureInvariant)]
    private static partial Regex PublicKey();
}

/// <summary>
/// Writes a new VM's NoCloud seed: meta-data with its id and host name, user data (the portal's cloud-config, and the
/// customer's own part after it as a MIME multipart), and its pool addresses as a static network config version 2.
/// Every value the customer chose is written as a quoted YAML string, so none can add keys or lines of its own.
/// </summary>
internal static class CloudInitSeeds
{
    public static CloudInitSeedV1 Compose(Guid vmId, string vmName, string macAddress, CloudInitOptions options, IReadOnlyList<VmAddressView> addresses)
    {
        var hostname = (options.Hostname ?? vmName).ToLowerInvariant();
        var shortName = hostname.Split('.')[0];
        var metaData = new StringBuilder()
            .Append("instance-id: ").Append(Quote(vmId.ToString("D"))).Append('\n')
            .Append("local-hostname: ").Append(Quote(hostname)).Append('\n')
            .ToString();

        var config = new StringBuilder("#cloud-config\n")
            .Append("hostname: ").Append(Quote(shortName)).Append('\n');
        if (hostname.Contains('.', StringComparison.Ordinal))
        {
            config.Append("fqdn: ").Append(Quote(hostname)).Append('\n');
        }

        config.Append("manage_etc_hosts: true\n");
        var keys = (options.SshAuthorizedKeys ?? []).Select(k => k.Trim()).ToList();
        if (keys.Count != 0)
        {
            config.Append("ssh_authorized_keys:\n");
            foreach (var key in keys)
            {
                config.Append("  - ").Append(Quote(key)).Append('\n');
            }
        }

        if (options.Password is { } password)
        {
            config.Append("password: ").Append(Quote(ShaCrypt.Hash(password))).Append('\n')
                .Append("chpasswd:\n  expire: false\n")
                .Append("ssh_pwauth: true\n");
        }
        else
        {
            config.Append("ssh_pwauth: false\n");
        }

        var userData = options.UserData is { } own ? Multipart(config.ToString(), own) : config.ToString();
        return new CloudInitSeedV1(metaData, userData, NetworkConfig(macAddress, addresses));
    }

    /// <summary>The pool addresses as static configuration of the NIC with that MAC address; null (DHCP) without any.</summary>
    internal static string? NetworkConfig(string macAddress, IReadOnlyList<VmAddressView> addresses)
    {
        if (addresses.Count == 0)
        {
            return null;
        }

        var text = new StringBuilder("version: 2\nethernets:\n  primary:\n    match:\n")
            .Append("      macaddress: ").Append(Quote(macAddress.ToLowerInvariant())).Append('\n')
            .Append("    addresses:\n");
        foreach (var address in addresses)
        {
            text.Append("      - ").Append(Quote($"{address.Address}/{address.PrefixLength}")).Append('\n');
        }

        var routes = addresses.Where(a => a.Gateway is not null).ToList();
        if (routes.Count != 0)
        {
            text.Append("    routes:\n");
            foreach (var address in routes)
            {
                var everything = address.Address.Contains(':', StringComparison.Ordinal) ? "::/0" : "0.0.0.0/0";
                text.Append("      - to: ").Append(Quote(everything)).Append('\n')
                    .Append("        via: ").Append(Quote(address.Gateway!)).Append('\n');
            }
        }

        var dns = addresses.SelectMany(a => a.DnsServers).Distinct(StringComparer.Ordinal).ToList();
        if (dns.Count != 0)
        {
            text.Append("    nameservers:\n      addresses:\n");
            foreach (var server in dns)
            {
                text.Append("        - ").Append(Quote(server)).Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>The portal's cloud-config first, then the customer's part, as cloud-init's MIME multipart user data.</summary>
    private static string Multipart(string portalPart, string ownPart)
    {
        var boundary = "==vcore-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) + "==";
        var ownType = ownPart.StartsWith("#!", StringComparison.Ordinal) ? "text/x-shellscript" : "text/cloud-config";
        return new StringBuilder()
            .Append("Content-Type: multipart/mixed; boundary=\"").Append(boundary).Append("\"\n")
            .Append("MIME-Version: 1.0\n\n")
            .Append("--").Append(boundary).Append('\n')
            .Append("Content-Type: text/cloud-config; charset=\"utf-8\"\nMIME-Version: 1.0\nContent-Transfer-Encoding: 8bit\n")
            .Append("Content-Disposition: attachment; filename=\"portal.cfg\"\n\n")
            .Append(portalPart).Append('\n')
            .Append("--").Append(boundary).Append('\n')
            .Append("Content-Type: ").Append(ownType).Append("; charset=\"utf-8\"\nMIME-Version: 1.0\nContent-Transfer-Encoding: 8bit\n")
            .Append("Content-Disposition: attachment; filename=\"user-data\"\n\n")
            .Append(ownPart.EndsWith('\n') ? ownPart : ownPart + "\n")
            .Append("--").Append(boundary).Append("--\n")
            .ToString();
    }

    /// <summary>A YAML double-quoted scalar: quotes, backslashes and control characters escaped, so the value stays inside.</summary>
    internal static string Quote(string value)
    {
        var quoted = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"':
                    quoted.Append("\\\"");
                    break;
                case '\\':
                    quoted.Append("\\\\");
                    break;
                case < ' ' or '\u007f' or '\u0085' or '\u2028' or '\u2029':
                    quoted.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
                    break;
                default:
                    quoted.Append(c);
                    break;
            }
        }

        return quoted.Append('"').ToString();
    }
}
