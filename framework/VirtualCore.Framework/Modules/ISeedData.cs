namespace VirtualCore.Framework.Modules;

/// <summary>
/// Demo data a module adds to an empty installation of the embedded default, in module order. Never run by a
/// production configuration: demo logins have well-known passwords.
/// </summary>
public interface ISeedData
{
    Task SeedAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Records every installation needs (the provider's own reseller, the configured rack servers), added or brought up
/// to date at every start, before any demo data, in module order.
/// </summary>
public interface IRequiredData
{
    Task EnsureAsync(CancellationToken cancellationToken);
}

/// <summary>Looks for a module's demo data in a database a production configuration is about to serve.</summary>
public interface IDemoDataProbe
{
    /// <summary>What demo data was found, said briefly (for the refusal to start), or null when there is none.</summary>
    Task<string?> FindAsync(CancellationToken cancellationToken);
}
