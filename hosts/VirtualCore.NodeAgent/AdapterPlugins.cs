using System.Collections.Concurrent;
using McMaster.NETCore.Plugins;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.NodeAgent;

/// <summary>
/// Finds hypervisor adapters in the plugins folder (one sub-folder per plugin, holding an assembly of the same
/// name). The SDK's types are shared with the host; everything else a plugin brings stays in its own load context.
/// </summary>
public sealed class AdapterPlugins(string pluginsPath)
{
    private readonly ConcurrentDictionary<string, IHypervisorAdapterFactory> _factories = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _loadLock = new();
    private bool _loaded;

    public string PluginsPath { get; } = pluginsPath;

    private static readonly Lazy<AdapterPlugins> AppDirectory = new(() => new(Path.Combine(AppContext.BaseDirectory, "plugins")));

    /// <summary>
    /// The plugins beside the application, loaded once per process: every host the process runs shares one load
    /// context per plugin, as the native hypervisor library it wraps is also loaded once.
    /// </summary>
    public static AdapterPlugins FromAppDirectory() => AppDirectory.Value;

    public IHypervisorAdapterFactory Get(string adapterName)
    {
        EnsureLoaded();
        if (_factories.TryGetValue(adapterName, out var factory))
        {
            return factory;
        }

        var known = _factories.IsEmpty ? "none" : string.Join(", ", _factories.Keys.Order());
        throw new InvalidOperationException($"No hypervisor adapter named '{adapterName}' in '{PluginsPath}' (found: {known}).");
    }

    public IReadOnlyCollection<string> Names
    {
        get
        {
            EnsureLoaded();
            return _factories.Keys.Order().ToArray();
        }
    }

    private void EnsureLoaded()
    {
        lock (_loadLock)
        {
            if (_loaded)
            {
                return;
            }

            if (Directory.Exists(PluginsPath))
            {
                foreach (var directory in Directory.GetDirectories(PluginsPath))
                {
                    var assemblyPath = Path.Combine(directory, Path.GetFileName(directory) + ".dll");
                    if (File.Exists(assemblyPath))
                    {
                        Load(assemblyPath);
                    }
                }
            }

            _loaded = true;
        }
    }

    private void Load(string assemblyPath)
    {
        var loader = PluginLoader.CreateFromAssemblyFile(
            assemblyPath,
            sharedTypes: [typeof(IHypervisorAdapterFactory)],
            configure: config => config.PreferSharedTypes = true);
        var assembly = loader.LoadDefaultAssembly();
        foreach (var type in assembly.GetExportedTypes())
        {
            if (type is { IsAbstract: false, IsInterface: false } && typeof(IHypervisorAdapterFactory).IsAssignableFrom(type)
                && type.GetConstructor(Type.EmptyTypes) is not null)
            {
                var factory = (IHypervisorAdapterFactory)Activator.CreateInstance(type)!;
                // Within a major version the SDK only grows: an adapter built for an older minor runs here, one built
                // for a newer minor may call what this host does not have, and is refused now rather than fail later.
                if (factory.SdkVersion.Major != SdkInfo.Version.Major || factory.SdkVersion.Minor > SdkInfo.Version.Minor)
                {
                    throw new InvalidOperationException(
                        $"Adapter '{factory.Name}' in '{assemblyPath}' was built for SDK {factory.SdkVersion}; this host speaks SDK {SdkInfo.Version} " +
                        $"and loads adapters built for {SdkInfo.Version.Major}.0 to {SdkInfo.Version}.");
                }

                _factories[factory.Name] = factory;
            }
        }
    }
}
