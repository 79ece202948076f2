using Mediator;
using Microsoft.EntityFrameworkCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Domain;
using VirtualCore.Modules.Compute.Live;

namespace VirtualCore.Modules.Compute.Features.Queries;

internal sealed class VmQueries(PortalDbContext db, IResourceAccess access) :
    IQueryHandler<ListVms, IReadOnlyList<VmView>>,
    IQueryHandler<GetVm, VmView>,
    IQueryHandler<CountVmsByState, IReadOnlyDictionary<string, int>>
{
    public async ValueTask<IReadOnlyDictionary<string, int>> Handle(CountVmsByState query, CancellationToken cancellationToken)
    {
        var visible = await access.VisibleVmsAsync(cancellationToken);
        var source = db.Set<VirtualMachine>().AsNoTracking();
        if (visible is not null)
        {
            source = source.Where(v => visible.Contains(v.Id));
        }

        return await source.GroupBy(v => v.State).Select(g => new { State = g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.State, g => g.Count, StringComparer.Ordinal, cancellationToken);
    }

    public async ValueTask<IReadOnlyList<VmView>> Handle(ListVms query, CancellationToken cancellationToken)
    {
        var visible = await access.VisibleVmsAsync(cancellationToken);
        var source = db.Set<VirtualMachine>().AsNoTracking().Include(v => v.Cores).AsQueryable();
        if (visible is not null)
        {
            source = source.Where(v => visible.Contains(v.Id));
        }

        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var text = query.Search.Trim().ToLowerInvariant();
            source = source.Where(v => v.Name.ToLower().Contains(text));
        }

        if (!string.IsNullOrEmpty(query.State))
        {
            source = source.Where(v => v.State == query.State);
        }

        // The name breaks ties (unique per customer, with the id after it across customers), so pages never overlap.
        source = query.Sort switch
        {
            "-name" => source.OrderByDescending(v => v.Name).ThenByDescending(v => v.Id),
            "state" => source.OrderBy(v => v.State).ThenBy(v => v.Name).ThenBy(v => v.Id),
            "-state" => source.OrderByDescending(v => v.State).ThenBy(v => v.Name).ThenBy(v => v.Id),
            "node" => source.OrderBy(v => v.NodeName).ThenBy(v => v.Name).ThenBy(v => v.Id),
            "-node" => source.OrderByDescending(v => v.NodeName).ThenBy(v => v.Name).ThenBy(v => v.Id),
            "created" => source.OrderBy(v => v.CreatedAt).ThenBy(v => v.Id),
            "-created" => source.OrderByDescending(v => v.CreatedAt).ThenBy(v => v.Id),
            _ => source.OrderBy(v => v.Name).ThenBy(v => v.Id),
        };
        if (query.Offset > 0)
        {
            source = source.Skip(query.Offset);
        }

        if (query.Limit is { } limit)
        {
            source = source.Take(limit);
        }

        var vms = await source.ToListAsync(cancellationToken);
        var open = await OpenJobsAsync(cancellationToken);
        return vms.Select(vm => Views.Of(vm, open.GetValueOrDefault(vm.Id))).ToArray();
    }

    public async ValueTask<VmView> Handle(GetVm query, CancellationToken cancellationToken)
    {
        var vm = await db.Set<VirtualMachine>().AsNoTracking().Include(v => v.Cores).SingleOrDefaultAsync(v => v.Id == query.VmId, cancellationToken);
        if (vm is null || await access.VmAccessAsync(vm.Id, cancellationToken) == AccessLevel.None)
        {
            throw new NotFoundException("The VM");
        }

        var open = await db.Set<Job>().Where(j => j.TargetId == vm.Id && (j.Status == JobStatuses.Queued || j.Status == JobStatuses.Running))
            .Select(j => (Guid?)j.Id).FirstOrDefaultAsync(cancellationToken);
        return Views.Of(vm, open);
    }

    private async Task<Dictionary<Guid, Guid?>> OpenJobsAsync(CancellationToken cancellationToken) =>
        (await db.Set<Job>().AsNoTracking().Where(j => j.Status == JobStatuses.Queued || j.Status == JobStatuses.Running)
            .Select(j => new { j.TargetId, j.Id }).ToListAsync(cancellationToken))
        .GroupBy(j => j.TargetId).ToDictionary(g => g.Key, g => (Guid?)g.First().Id);
}

internal sealed class JobQueries(PortalDbContext db, IResourceAccess access) :
    IQueryHandler<ListJobs, IReadOnlyList<JobView>>,
    IQueryHandler<GetJob, JobView>
{
    public const int MaxLimit = 1000;

    public async ValueTask<IReadOnlyList<JobView>> Handle(ListJobs query, CancellationToken cancellationToken)
    {
        var jobs = db.Set<Job>().AsNoTracking();
        if (await access.VisibleVmsAsync(cancellationToken) is { } visible)
        {
            jobs = jobs.Where(j => visible.Contains(j.TargetId));
        }

        if (!string.IsNullOrEmpty(query.Status))
        {
            jobs = jobs.Where(j => j.Status == query.Status);
        }

        if (!string.IsNullOrEmpty(query.Action))
        {
            jobs = jobs.Where(j => j.Action == query.Action);
        }

        if (query.VmId is { } vmId)
        {
            jobs = jobs.Where(j => j.TargetId == vmId);
        }

        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var text = query.Search.Trim().ToLowerInvariant();
            jobs = jobs.Where(j => j.TargetName.ToLower().Contains(text) || j.UserName.ToLower().Contains(text) || j.Info.ToLower().Contains(text));
        }

        if (JobCursor.Parse(query.Before) is { } before)
        {
            jobs = jobs.Where(j => j.QueuedAt < before);
        }

        // Keyset paging, newest first: the next page starts below this page's last moment. Jobs queued at that same
        // moment all come on this page (a tie is rare: the clock counts in 100 ns), so the next page misses none.
        var rows = await jobs.OrderByDescending(j => j.QueuedAt).Take(query.Limit + 1).ToListAsync(cancellationToken);
        if (rows.Count > query.Limit && rows[query.Limit].QueuedAt == rows[query.Limit - 1].QueuedAt)
        {
            var tie = rows[query.Limit].QueuedAt;
            var page = rows.Take(query.Limit).ToList();
            var seen = page.Select(r => r.Id).ToHashSet();
            page.AddRange((await jobs.Where(j => j.QueuedAt == tie).ToListAsync(cancellationToken)).Where(r => !seen.Contains(r.Id)));
            return page.Select(Views.Of).ToArray();
        }

        return rows.Take(query.Limit).Select(Views.Of).ToArray();
    }

    public async ValueTask<JobView> Handle(GetJob query, CancellationToken cancellationToken)
    {
        var job = await db.Set<Job>().AsNoTracking().SingleOrDefaultAsync(j => j.Id == query.JobId, cancellationToken);
        if (job is null || await access.VmAccessAsync(job.TargetId, cancellationToken) == AccessLevel.None)
        {
            throw new NotFoundException("The job");
        }

        return Views.Of(job);
    }
}

internal sealed class ListVmsValidator : IValidator<ListVms>
{
    public const int MaxLimit = 1000;

    public ValueTask<IReadOnlyList<FieldError>> ValidateAsync(ListVms request, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        if (request.Limit is < 1 or > MaxLimit)
        {
            errors.Add(new("limit", $"Ask for 1 to {MaxLimit} VMs."));
        }

        if (request.Offset < 0)
        {
            errors.Add(new("offset", "The offset is 0 or more."));
        }

        if (request.Sort is not null && !VmSorts.All.Contains(request.Sort))
        {
            errors.Add(new("sort", $"Sort by one of: {string.Join(", ", VmSorts.All)}."));
        }

        if (!string.IsNullOrEmpty(request.State) && !VmStates.All.Contains(request.State))
        {
            errors.Add(new("state", $"Use one of: {string.Join(", ", VmStates.All)}."));
        }

        if (request.Search is { Length: > 63 })
        {
            errors.Add(new("search", "Search for at most 63 characters, the longest name."));
        }

        return ValueTask.FromResult<IReadOnlyList<FieldError>>(errors);
    }
}

internal sealed class ListJobsValidator : IValidator<ListJobs>
{
    public ValueTask<IReadOnlyList<FieldError>> ValidateAsync(ListJobs request, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        if (request.Limit is < 1 or > JobQueries.MaxLimit)
        {
            errors.Add(new("limit", $"Ask for 1 to {JobQueries.MaxLimit} rows."));
        }

        if (!string.IsNullOrEmpty(request.Status) && !JobStatuses.All.Contains(request.Status))
        {
            errors.Add(new("status", $"Use one of: {string.Join(", ", JobStatuses.All)}."));
        }

        if (request.Search is { Length: > 100 })
        {
            errors.Add(new("search", "Search for at most 100 characters."));
        }

        if (request.Before is not null && JobCursor.Parse(request.Before) is null)
        {
            errors.Add(new("before", "Use the cursor of the previous page (X-Next-Cursor or the Link header), unchanged."));
        }

        return ValueTask.FromResult<IReadOnlyList<FieldError>>(errors);
    }
}

internal sealed class NodeUsageQuery(NodeUsageReader usage) : IQueryHandler<ListNodeUsage, IReadOnlyList<NodeUsageView>>
{
    public async ValueTask<IReadOnlyList<NodeUsageView>> Handle(ListNodeUsage query, CancellationToken cancellationToken) =>
        (await usage.CountAsync(cancellationToken)).Select(n => new NodeUsageView(
            n.Server.Name,
            n.Server.Role,
            n.Server.Online,
            n.Server.LastHeartbeatAt,
            n.Server.CpuModel,
            n.Server.PhysicalCores,
            n.Server.ReservedHostCores,
            n.UsedCores,
            n.Server.MemoryBytes,
            n.Server.ReservedMemoryBytes,
            n.UsedMemoryBytes)).ToArray();
}

internal sealed class VdcCapacityQuery(ITenantContext tenant, VdcCapacity capacity) : IQueryHandler<GetVdcCapacity, VdcCapacityView>
{
    public async ValueTask<VdcCapacityView> Handle(GetVdcCapacity query, CancellationToken cancellationToken) =>
        tenant.CustomerId is { } customerId
            ? await capacity.ReadAsync(customerId, cancellationToken)
            : throw new NotFoundException("A vDataCenter of a customer");
}
