namespace VirtualCore.Framework.Modules;

/// <summary>The modules of one host, ordered so that every module comes after its dependencies.</summary>
public sealed class ModuleCatalog
{
    private ModuleCatalog(IReadOnlyList<IModule> ordered) => Modules = ordered;

    public IReadOnlyList<IModule> Modules { get; }

    /// <summary>Orders the modules; refuses a missing dependency, a duplicate id or a cycle, naming the modules.</summary>
    public static ModuleCatalog Create(IEnumerable<IModule> modules)
    {
        var byId = new Dictionary<string, IModule>(StringComparer.Ordinal);
        foreach (var module in modules)
        {
            if (!byId.TryAdd(module.Manifest.Id, module))
            {
                throw new ModuleDependencyException($"Module '{module.Manifest.Id}' is registered twice.");
            }
        }

        foreach (var module in byId.Values)
        {
            foreach (var dependency in module.Manifest.Dependencies)
            {
                if (!byId.ContainsKey(dependency))
                {
                    throw new ModuleDependencyException(
                        $"Module '{module.Manifest.Id}' depends on module '{dependency}', which is not present.");
                }
            }
        }

        var ordered = new List<IModule>(byId.Count);
        var state = new Dictionary<string, bool>(StringComparer.Ordinal); // false = visiting, true = done
        var path = new Stack<string>();

        void Visit(IModule module)
        {
            var id = module.Manifest.Id;
            if (state.TryGetValue(id, out var done))
            {
                if (done)
                {
                    return;
                }

                var cycle = path.Reverse().SkipWhile(p => p != id).Append(id);
                throw new ModuleDependencyException($"Module dependencies form a cycle: {string.Join(" → ", cycle)}.");
            }

            state[id] = false;
            path.Push(id);
            foreach (var dependency in module.Manifest.Dependencies.Order(StringComparer.Ordinal))
            {
                Visit(byId[dependency]);
            }

            path.Pop();
            state[id] = true;
            ordered.Add(module);
        }

        foreach (var module in byId.Values.OrderBy(m => m.Manifest.Id, StringComparer.Ordinal))
        {
            Visit(module);
        }

        return new ModuleCatalog(ordered);
    }
}

public sealed class ModuleDependencyException(string message) : Exception(message);
