using MassTransit;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace VirtualCore.Framework.Modules;

/// <summary>What a module is: its manifest and its registrations, in one place.</summary>
public interface IModule
{
    ModuleManifest Manifest { get; }

    void ConfigureServices(IServiceCollection services, IConfiguration configuration) { }

    /// <summary>The module's tables. Runs once per model build.</summary>
    void ConfigureModel(ModelBuilder modelBuilder) { }

    /// <summary>Consumers of bus messages the module handles.</summary>
    void ConfigureBus(IBusRegistrationConfigurator bus) { }

    void MapEndpoints(IEndpointRouteBuilder endpoints) { }
}

/// <summary>A module's identity and what it needs.</summary>
/// <param name="Id">Stable id, e.g. "Compute".</param>
/// <param name="Name">Human name.</param>
/// <param name="Version">Module version.</param>
/// <param name="Dependencies">Ids of modules that must be present and are set up first.</param>
/// <param name="Templates">Theme templates the module renders; the host checks the base theme has each.</param>
public sealed record ModuleManifest(
    string Id,
    string Name,
    Version Version,
    IReadOnlyList<string> Dependencies,
    IReadOnlyList<string> Templates);
