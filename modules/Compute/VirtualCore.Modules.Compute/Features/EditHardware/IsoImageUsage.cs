using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Persistence;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Domain;
using VirtualCore.Modules.Infrastructure.Contracts;

namespace VirtualCore.Modules.Compute.Features.EditHardware;

/// <summary>Which VMs have an image in their drive, so the library does not remove one a VM would boot from.</summary>
internal sealed class IsoImageUsage(PortalDbContext db) : IIsoImageUsage
{
    public async ValueTask<IReadOnlyList<string>> VmsUsingAsync(string isoName, CancellationToken cancellationToken) =>
        await db.Set<VirtualMachine>().IgnoreQueryFilters().AsNoTracking()
            .Where(v => (v.IsoName == isoName && v.State != VmStates.Failed && v.State != VmStates.Deleted)
                || (v.ImageName == isoName && v.State == VmStates.Pending))
            .OrderBy(v => v.Name).Select(v => v.Name).ToListAsync(cancellationToken);
}
