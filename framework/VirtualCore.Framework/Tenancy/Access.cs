namespace VirtualCore.Framework.Tenancy;

/// <summary>What a user may do with one VM: see it; operate it (power, console); manage it (edit, delete, recovery points).</summary>
public enum AccessLevel
{
    None = 0,
    View = 1,
    Operate = 2,
    Manage = 3,
}

/// <summary>
/// Per-resource rights of the current caller, beyond the tenant filter: a customer's admin manages all its VMs,
/// a customer's user only what was granted (per VM or for the whole account).
/// </summary>
public interface IResourceAccess
{
    /// <summary>The caller's level on a VM of its own tenant.</summary>
    ValueTask<AccessLevel> VmAccessAsync(Guid vmId, CancellationToken cancellationToken);

    /// <summary>The VMs the caller may see, or null when it may see every VM its tenant filter lets through.</summary>
    ValueTask<IReadOnlySet<Guid>?> VisibleVmsAsync(CancellationToken cancellationToken);
}

/// <summary>The security audit log: who changed what, when, from which address. Written in the caller's transaction.</summary>
public interface ISecurityAudit
{
    /// <param name="action">What happened, e.g. "login.failed", "user.created", "token.revoked".</param>
    /// <param name="target">What it concerned, e.g. a user name or a VM name.</param>
    /// <param name="detail">More, for people; never a secret.</param>
    /// <param name="resellerId">The tenant it belongs to when the caller has none yet (a failed login).</param>
    /// <param name="customerId">The customer, likewise.</param>
    /// <param name="actor">Who acted, when it is not the caller: the user who just signed in.</param>
    void Record(string action, string target, string? detail = null, Guid? resellerId = null, Guid? customerId = null, string? actor = null);
}

/// <summary>
/// A request about one VM, declared by the module that owns it (requests live in Contracts, which know no
/// framework). The pipeline checks, before anything else looks at the request, that the caller can see the VM (else
/// "not found") and holds <see cref="Level"/> on it (else "not allowed"): one guard for every VM request, so a
/// refusal never depends on what else the request contains.
/// </summary>
public sealed record VmRequestDeclaration(Type RequestType, Func<object, Guid> VmId, AccessLevel Level);

/// <summary>Checks a caller's access to one VM; implemented by the module that owns VMs.</summary>
public interface IVmGuard
{
    /// <summary>Throws "not found" when the caller cannot see the VM, "not allowed" when it lacks <paramref name="needed"/> or may not act now.</summary>
    ValueTask EnsureAsync(Guid vmId, AccessLevel needed, CancellationToken cancellationToken) => EnsureAsync(vmId, needed, acting: true, cancellationToken);

    /// <summary>
    /// As <see cref="EnsureAsync(Guid, AccessLevel, CancellationToken)"/>; <paramref name="acting"/> is false for a request
    /// that only reads, which a caller who may not act now (a suspended customer's user) still makes.
    /// </summary>
    ValueTask EnsureAsync(Guid vmId, AccessLevel needed, bool acting, CancellationToken cancellationToken);
}
