using System.Text.Json;

namespace VirtualCore.Cli;

/// <summary>The portal and token <c>vcore login</c> stored.</summary>
public sealed record StoredLogin(string Url, string Token, string? UserName = null);

/// <summary>
/// Where vcore keeps its login: <c>$VCORE_CONFIG</c>, else <c>$XDG_CONFIG_HOME/vcore/config.json</c>, else
/// <c>~/.config/vcore/config.json</c> — a file only its owner may read (0600) in a folder only its owner may open
/// (0700), since the token in it acts as the user. <c>VCORE_URL</c> and <c>VCORE_TOKEN</c> (and <c>--url</c>,
/// <c>--token</c>) come before it.
/// </summary>
public static class CliConfig
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string FilePath()
    {
        if (Environment.GetEnvironmentVariable("VCORE_CONFIG") is { Length: > 0 } own)
        {
            return own;
        }

        var home = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return Path.Combine(home, "vcore", "config.json");
    }

    public static StoredLogin? Load()
    {
        var path = FilePath();
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<StoredLogin>(File.ReadAllText(path), Json);
        }
        catch (JsonException ex)
        {
            throw new CliException(ExitCodes.NotSignedIn, $"{path} is not a vcore login ({ex.Message}); run vcore login again.");
        }
    }

    public static void Save(StoredLogin login)
    {
        var path = FilePath();
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(folder))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(folder);
            }
            else
            {
                Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        // Written beside and moved over: a reader never sees half a file, and the mode is set before the token is in it.
        // CreateNew refuses to follow a link someone left at the temporary name.
        var temporary = path + ".tmp";
        File.Delete(temporary);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(stream.SafeFileHandle, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            JsonSerializer.Serialize(stream, login, Json);
        }

        File.Move(temporary, path, overwrite: true);
    }

    public static bool Delete()
    {
        var path = FilePath();
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        return true;
    }
}
