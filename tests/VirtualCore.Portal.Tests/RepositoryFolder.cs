namespace VirtualCore.Portal.Tests;

/// <summary>The checkout these tests were built from: the folder above them that holds the solution.</summary>
public static class RepositoryFolder
{
    public static string Root { get; } = Find();

    /// <summary>A path below the checkout, from its parts.</summary>
    public static string Of(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "VirtualCore.Platform.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No VirtualCore.Platform.sln above {AppContext.BaseDirectory}.");
    }
}
