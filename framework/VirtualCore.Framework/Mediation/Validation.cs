using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Framework.Tenancy;

namespace VirtualCore.Framework.Mediation;

/// <summary>Checks a request before its handler runs. Register one per request type; several are combined.</summary>
public interface IValidator<in TRequest>
{
    ValueTask<IReadOnlyList<FieldError>> ValidateAsync(TRequest request, CancellationToken cancellationToken);
}

/// <summary>
/// The permission a request needs, declared by the module that handles it. A request with no declaration is
/// refused for everyone but the system: forgetting to declare one fails closed. A request about one VM declares
/// that too (<see cref="RequestPermissionRegistration.AddVmRequest"/>); other resource checks stay in the handler.
/// </summary>
/// <param name="RequestType">The request.</param>
/// <param name="Permission">The permission, or null for a request anyone may send (signing in).</param>
public sealed record RequestPermission(Type RequestType, string? Permission)
{
    public static RequestPermission Anonymous(Type requestType) => new(requestType, null);
}

/// <summary>All declared request permissions, by request type.</summary>
public sealed class RequestPermissions(IEnumerable<RequestPermission> declarations, IEnumerable<VmRequestDeclaration> vmRequests)
{
    private readonly Dictionary<Type, RequestPermission> _byType = declarations.ToDictionary(d => d.RequestType);

    private readonly Dictionary<Type, VmRequestDeclaration> _vmRequests = vmRequests.ToDictionary(d => d.RequestType);

    public bool TryGet(Type requestType, out RequestPermission declaration) => _byType.TryGetValue(requestType, out declaration!);

    /// <summary>The VM a request is about and the level it needs there, when it is about one.</summary>
    public bool TryGetVm(object request, out Guid vmId, out AccessLevel level)
    {
        if (_vmRequests.TryGetValue(request.GetType(), out var declaration))
        {
            (vmId, level) = (declaration.VmId(request), declaration.Level);
            return true;
        }

        (vmId, level) = (Guid.Empty, AccessLevel.None);
        return false;
    }
}

/// <summary>Decides whether the current caller holds a permission.</summary>
public interface IPermissionChecker
{
    bool Has(string permission);
}

public static class RequestPermissionRegistration
{
    /// <summary>Declares that each of <paramref name="requests"/> needs <paramref name="permission"/>.</summary>
    public static IServiceCollection AddRequestPermission(
        this IServiceCollection services, string permission, params Type[] requests)
    {
        foreach (var request in requests)
        {
            services.AddSingleton(new RequestPermission(request, permission));
        }

        return services;
    }

    /// <summary>Declares that <typeparamref name="TRequest"/> is about the VM <paramref name="vmId"/> names and needs <paramref name="level"/> on it.</summary>
    public static IServiceCollection AddVmRequest<TRequest>(this IServiceCollection services, AccessLevel level, Func<TRequest, Guid> vmId)
        where TRequest : notnull
    {
        services.AddSingleton(new VmRequestDeclaration(typeof(TRequest), request => vmId((TRequest)request), level));
        return services;
    }

    /// <summary>Declares requests anyone may send (the steps of signing in).</summary>
    public static IServiceCollection AddAnonymousRequests(
        this IServiceCollection services, params Type[] requests)
    {
        foreach (var request in requests)
        {
            services.AddSingleton(RequestPermission.Anonymous(request));
        }

        return services;
    }
}
