using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Compute.Domain;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Modules.Compute.Features.Actions;

/// <summary>
/// The one check every VM request passes before validation and its handler: the VM is in the caller's tenant and
/// visible to it (else "not found", exactly as for an id that does not exist), and the caller holds the level.
/// </summary>
internal sealed class VmGuard(PortalDbContext db, IResourceAccess access, ITenantContext tenant, ISender sender) : IVmGuard
{
    public async ValueTask EnsureAsync(Guid vmId, AccessLevel needed, bool acting, CancellationToken cancellationToken)
    {
        var vm = await db.Set<VirtualMachine>().Where(v => v.Id == vmId).Select(v => new { v.Name, v.CustomerId }).SingleOrDefaultAsync(cancellationToken);
        var name = vm?.Name;
        var level = vm is null ? AccessLevel.None : await access.VmAccessAsync(vmId, cancellationToken);
        if (level == AccessLevel.None)
        {
            throw new NotFoundException("The VM");
        }

        if (level < needed)
        {
            throw new ForbiddenException(level switch
            {
                AccessLevel.View => $"You may see '{name}' but not {Verb(needed)} it.",
                _ => $"You may operate '{name}' but not manage it.",
            });
        }

        // A suspended customer's users still see their VMs, but do nothing with them; its reseller's staff still may.
        if (acting && needed >= AccessLevel.Operate && tenant.CustomerId is not null)
        {
            await EnsureNotSuspendedAsync(sender, vm!.CustomerId, cancellationToken);
        }
    }

    /// <summary>Refuses the work of a suspended customer's user, with the reason the customer was given.</summary>
    public static async ValueTask EnsureNotSuspendedAsync(ISender sender, Guid customerId, CancellationToken cancellationToken)
    {
        if (await sender.Send(new GetCustomerSuspension(customerId), cancellationToken) is { } suspension)
        {
            throw new ForbiddenException($"This account is suspended: {suspension.Reason} Its VMs and disks are kept; nothing can be started, changed or opened until the suspension is lifted.");
        }
    }

    private static string Verb(AccessLevel level) => level == AccessLevel.Manage ? "manage" : "operate";
}
