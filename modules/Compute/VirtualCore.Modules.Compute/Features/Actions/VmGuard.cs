using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Compute.Domain;

namespace VirtualCore.Modules.Compute.Features.Actions;

/// <summary>
/// The one check every VM request passes before validation and its handler: the VM is in the caller's tenant and
/// visible to it (else "not found", exactly as for an id that does not exist), and the caller holds the level.
/// </summary>
internal sealed class VmGuard(PortalDbContext db, IResourceAccess access) : IVmGuard
{
    public async ValueTask EnsureAsync(Guid vmId, AccessLevel needed, CancellationToken cancellationToken)
    {
        var name = await db.Set<VirtualMachine>().Where(v => v.Id == vmId).Select(v => v.Name).SingleOrDefaultAsync(cancellationToken);
        var level = name is null ? AccessLevel.None : await access.VmAccessAsync(vmId, cancellationToken);
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
    }

    private static string Verb(AccessLevel level) => level == AccessLevel.Manage ? "manage" : "operate";
}
