namespace VirtualCore.Framework.Modules;

/// <summary>Demo data a module adds to an empty installation of the embedded default, in module order.</summary>
public interface ISeedData
{
    Task SeedAsync(CancellationToken cancellationToken);
}
