using System.Globalization;
using System.Text;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Framework.Web;
using VirtualCore.Framework.Web.Pages;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Features.Actions;
using VirtualCore.Modules.Compute.Features.Create;
using VirtualCore.Modules.Compute.Features.Migrate;
using VirtualCore.Modules.Compute.Features.Queries;
using VirtualCore.Modules.Infrastructure.Contracts;

namespace VirtualCore.Modules.Compute.Web;

/// <summary>The themed pages: VM list, create form, VM detail with power buttons, rack servers, job log.</summary>
internal static class ComputePages
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var pages = endpoints.MapGroup("").RequireAuthorization().ExcludeFromDescription();
        pages.MapGet("/", () => Results.Redirect("/vms"));

        pages.MapGet("/vms", async (HttpContext http, IPageRenderer renderer, ISender sender, IPermissionChecker permissions) =>
        {
            var vms = await sender.Send(new ListVms(), http.RequestAborted);
            var canCreate = permissions.Has(Identity.Contracts.Permissions.VmCreate);
            return await renderer.RenderAsync(http, "Compute/VmList.sbn-html", "vServers", new
            {
                Vms = vms.Select(VmRow.Of).ToArray(),
                CanCreate = canCreate,
                Capacity = canCreate ? CapacityRow.Of(await sender.Send(new GetVdcCapacity(), http.RequestAborted)) : null,
            });
        });

        pages.MapGet("/vms/new", async (HttpContext http, IPageRenderer renderer, ISender sender) =>
            await renderer.RenderAsync(http, "Compute/VmNew.sbn-html", "New vServer", await CreateFormAsync(sender, http, new CreateForm("", 1, 1, 50, ""), [])));

        pages.MapPost("/vms", async (HttpContext http, IPageRenderer renderer, ISender sender) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            var input = new CreateForm(form["name"].ToString().Trim(), PageForms.Int(form["vcpus"]), PageForms.Int(form["memoryGiB"]), PageForms.Int(form["diskGiB"]), form["isoName"].ToString());
            try
            {
                var accepted = await sender.Send(new CreateVm(input.Name, input.Vcpus, input.MemoryGib, input.DiskGib, string.IsNullOrEmpty(input.IsoName) ? null : input.IsoName), http.RequestAborted);
                return Results.Redirect($"/vms/{accepted.VmId}");
            }
            catch (RequestValidationException ex)
            {
                return await renderer.RenderAsync(http, "Compute/VmNew.sbn-html", "New vServer", await CreateFormAsync(sender, http, input, ex.Errors), StatusCodes.Status400BadRequest);
            }
        }).AddEndpointFilter<AntiforgeryFilter>();

        pages.MapGet("/vms/{vmId:guid}", (Guid vmId, HttpContext http, IPageRenderer renderer, ISender sender) =>
            DetailAsync(vmId, http, renderer, sender, null, StatusCodes.Status200OK));

        // Every action that takes nothing but the VM posts its button's form here; its descriptor makes the command.
        foreach (var action in VmActions.Simple)
        {
            pages.MapPost($"/vms/{{vmId:guid}}/{action.Name}", async (Guid vmId, HttpContext http, IPageRenderer renderer, ISender sender) =>
            {
                try
                {
                    await http.Request.ReadFormAsync(http.RequestAborted);
                    await sender.Send(action.Command!(vmId, IdempotencyKey.Of(http)), http.RequestAborted);
                    return Results.Redirect($"/vms/{vmId}");
                }
                catch (RequestValidationException ex)
                {
                    return await DetailAsync(vmId, http, renderer, sender, ex.Errors[0].Reason, StatusCodes.Status400BadRequest);
                }
                catch (ConflictException ex)
                {
                    return await DetailAsync(vmId, http, renderer, sender, ex.Message, StatusCodes.Status409Conflict);
                }
            }).AddEndpointFilter<AntiforgeryFilter>();
        }

        pages.MapGet("/vms/{vmId:guid}/hardware", async (Guid vmId, HttpContext http, IPageRenderer renderer, ISender sender) =>
        {
            var vm = await sender.Send(new GetVm(vmId), http.RequestAborted);
            return await HardwareFormAsync(vm, http, renderer, sender, HardwareForm.Of(vm), [], null, StatusCodes.Status200OK);
        });

        pages.MapPost("/vms/{vmId:guid}/hardware", async (Guid vmId, HttpContext http, IPageRenderer renderer, ISender sender) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            var vm = await sender.Send(new GetVm(vmId), http.RequestAborted);
            var input = new HardwareForm(
                form.ContainsKey("vcpus") ? PageForms.Int(form["vcpus"]) : vm.VCpus,
                form.ContainsKey("memoryGiB") ? PageForms.Int(form["memoryGiB"]) : vm.MemoryGiB,
                form.ContainsKey("diskGiB") ? PageForms.Int(form["diskGiB"]) : vm.DiskGiB,
                form.ContainsKey("isoName") ? form["isoName"].ToString() : vm.IsoName ?? "",
                form.ContainsKey("bootOrder") ? form["bootOrder"].ToString() : string.Join(',', vm.BootOrder),
                form.ContainsKey("diskBus") ? form["diskBus"].ToString() : vm.DiskBus,
                form.ContainsKey("nicModel") ? form["nicModel"].ToString() : vm.NicModel);
            try
            {
                // "None" in the ISO list empties the drive; the other fields change only where they differ.
                await sender.Send(
                    new EditVmHardware(
                        vmId,
                        input.Vcpus,
                        input.MemoryGib,
                        input.DiskGib,
                        input.IsoName.Length == 0 ? null : input.IsoName,
                        input.IsoName.Length == 0 && vm.IsoName is not null,
                        input.BootOrder.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                        input.DiskBus,
                        input.NicModel),
                    http.RequestAborted);
                return Results.Redirect($"/vms/{vmId}");
            }
            catch (RequestValidationException ex)
            {
                return await HardwareFormAsync(vm, http, renderer, sender, input, ex.Errors, null, StatusCodes.Status400BadRequest);
            }
            catch (ConflictException ex)
            {
                return await HardwareFormAsync(vm, http, renderer, sender, input, [], ex.Message, StatusCodes.Status409Conflict);
            }
        }).AddEndpointFilter<AntiforgeryFilter>();

        pages.MapPost("/vms/{vmId:guid}/delete", async (Guid vmId, HttpContext http, IPageRenderer renderer, ISender sender) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            try
            {
                await sender.Send(new DeleteVm(vmId, form["confirmName"].ToString()), http.RequestAborted);
                return Results.Redirect("/vms");
            }
            catch (RequestValidationException ex)
            {
                return await DetailAsync(vmId, http, renderer, sender, ex.Errors[0].Reason, StatusCodes.Status400BadRequest);
            }
            catch (ConflictException ex)
            {
                return await DetailAsync(vmId, http, renderer, sender, ex.Message, StatusCodes.Status409Conflict);
            }
        }).AddEndpointFilter<AntiforgeryFilter>();

        pages.MapPost("/vms/{vmId:guid}/recovery-points", (Guid vmId, HttpContext http, IPageRenderer renderer, ISender sender) =>
            FormActionAsync(vmId, http, renderer, sender, form => new CreateRecoveryPoint(vmId, form["note"].ToString()))).AddEndpointFilter<AntiforgeryFilter>();
        pages.MapPost("/vms/{vmId:guid}/recovery-points/{recoveryPointId:guid}/revert", (Guid vmId, Guid recoveryPointId, HttpContext http, IPageRenderer renderer, ISender sender) =>
            FormActionAsync(vmId, http, renderer, sender, form => new RevertToRecoveryPoint(vmId, recoveryPointId, form["confirm"] == "on"))).AddEndpointFilter<AntiforgeryFilter>();
        pages.MapPost("/vms/{vmId:guid}/recovery-points/{recoveryPointId:guid}/delete", (Guid vmId, Guid recoveryPointId, HttpContext http, IPageRenderer renderer, ISender sender) =>
            FormActionAsync(vmId, http, renderer, sender, _ => new DeleteRecoveryPoint(vmId, recoveryPointId))).AddEndpointFilter<AntiforgeryFilter>();

        // Also the drag-and-drop form on /nodes, which comes back there.
        pages.MapPost("/vms/{vmId:guid}/migrate", (Guid vmId, HttpContext http, IPageRenderer renderer, ISender sender) =>
            FormActionAsync(vmId, http, renderer, sender, form => new MigrateVm(vmId, form["targetNode"].ToString()),
                form => form["returnTo"] == "/nodes" ? "/nodes" : $"/vms/{vmId}")).AddEndpointFilter<AntiforgeryFilter>();

        pages.MapGet("/nodes", async (HttpContext http, IPageRenderer renderer, ISender sender) =>
        {
            var nodes = await sender.Send(new ListNodeUsage(), http.RequestAborted);
            var access = http.RequestServices.GetRequiredService<IResourceAccess>();

            // Only the VMs this user may move: a customer sees its own, never another's.
            var movable = new List<VmView>();
            foreach (var vm in await sender.Send(new ListVms(), http.RequestAborted))
            {
                if (await access.VmAccessAsync(vm.Id, http.RequestAborted) >= AccessLevel.Manage)
                {
                    movable.Add(vm);
                }
            }

            var moves = movable.Count == 0 ? [] : await sender.Send(new ListJobs(Action: MigrateVmHandlers.Action.Name, Limit: 20), http.RequestAborted);
            return await renderer.RenderAsync(http, "Compute/Nodes.sbn-html", "Rack servers", new
            {
                Nodes = nodes.Select(n => new
                {
                    Card = NodeCard.Of(n),
                    Vms = movable.Where(vm => vm.NodeName == n.Name).Select(vm => new
                    {
                        Id = vm.Id.ToString(),
                        vm.Name,
                        vm.State,
                        Busy = vm.OpenJobId is not null,
                        Targets = nodes.Where(t => t.Name != n.Name).Select(t => t.Name).ToArray(),
                    }).ToArray(),
                }).ToArray(),
                CanMove = movable.Count > 0,
                Jobs = moves.Select(JobRow.Of).ToArray(),
                VmFilter = "",
            });
        });

        pages.MapGet("/jobs", async (HttpContext http, IPageRenderer renderer, ISender sender, string? status, string? action, string? search) =>
        {
            var jobs = await sender.Send(new ListJobs(PageForms.Blank(status), PageForms.Blank(action), PageForms.Blank(search), null, 500), http.RequestAborted);
            return await renderer.RenderAsync(http, "Compute/Jobs.sbn-html", "Job log", new
            {
                Jobs = jobs.Select(JobRow.Of).ToArray(),
                VmFilter = "",
                Filter = new { Status = status ?? "", Action = action ?? "", Search = search ?? "" },
                Statuses = JobStatuses.All,
                Actions = VmActions.Names,
                ExportUrl = "/jobs/export.csv" + http.Request.QueryString,
            });
        });

        pages.MapGet("/jobs/export.csv", async (HttpContext http, ISender sender, string? status, string? action, string? search) =>
        {
            var jobs = await sender.Send(new ListJobs(PageForms.Blank(status), PageForms.Blank(action), PageForms.Blank(search), null, JobQueries.MaxLimit), http.RequestAborted);
            var csv = new StringBuilder("type,name,action,user,start,end,status,info\n");
            foreach (var job in jobs)
            {
                csv.AppendJoin(',', [Csv(job.Type), Csv(job.Name), Csv(job.Action), Csv(job.UserName), Csv(PageFormat.Timestamp(job.StartedAt ?? job.QueuedAt)), Csv(PageFormat.Timestamp(job.EndedAt)), Csv(job.Status), Csv(job.Info)]).Append('\n');
            }

            return Results.File(Encoding.UTF8.GetBytes(csv.ToString()), "text/csv; charset=utf-8", "job-log.csv");
        });
    }

    /// <summary>A form on the VM page that queues a job: back to the page, or the page with the reason.</summary>
    /// <param name="returnTo">The page to go back to when the job is queued: the VM's unless a form says so.</param>
    private static async Task<IResult> FormActionAsync(
        Guid vmId, HttpContext http, IPageRenderer renderer, ISender sender, Func<Microsoft.AspNetCore.Http.IFormCollection, ICommand<JobAccepted>> command, Func<Microsoft.AspNetCore.Http.IFormCollection, string>? returnTo = null)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        try
        {
            await sender.Send(command(form), http.RequestAborted);
            return Results.Redirect(returnTo?.Invoke(form) ?? $"/vms/{vmId}");
        }
        catch (RequestValidationException ex)
        {
            return await DetailAsync(vmId, http, renderer, sender, ex.Errors[0].Reason, StatusCodes.Status400BadRequest);
        }
        catch (ConflictException ex)
        {
            return await DetailAsync(vmId, http, renderer, sender, ex.Message, StatusCodes.Status409Conflict);
        }
    }

    private static async Task<IResult> DetailAsync(Guid vmId, HttpContext http, IPageRenderer renderer, ISender sender, string? error, int status)
    {
        // Jobs before the VM: a job that finishes in between shows as still running and the live feed then reports
        // its end, whereas the other order would show it finished beside a VM record from before it.
        var jobs = await sender.Send(new ListJobs(VmId: vmId, Limit: 20), http.RequestAborted);
        var vm = await sender.Send(new GetVm(vmId), http.RequestAborted);
        var level = await http.RequestServices.GetRequiredService<IResourceAccess>().VmAccessAsync(vmId, http.RequestAborted);
        var points = await sender.Send(new ListRecoveryPoints(vmId), http.RequestAborted);
        var operate = level >= AccessLevel.Operate;
        var targets = level >= AccessLevel.Manage ? await sender.Send(new ListMigrationTargets(vmId), http.RequestAborted) : [];
        return await renderer.RenderAsync(http, "Compute/VmDetail.sbn-html", vm.Name, new
        {
            Vm = VmRow.Of(vm),
            Jobs = jobs.Select(JobRow.Of).ToArray(),
            VmFilter = vm.Id.ToString(),
            Error = error,
            CanOperate = operate,
            CanDelete = level >= AccessLevel.Manage && vm.OpenJobId is null,
            CanManage = level >= AccessLevel.Manage,
            CanMove = targets.Any(t => t.Refusal is null) && vm.OpenJobId is null,
            MoveTargets = targets.Select(t => new
            {
                t.Name,
                Free = $"{t.FreeCores} free cores, {PageFormat.Bytes(t.FreeMemoryBytes)} free RAM",
                Refusal = t.Refusal ?? "",
                Possible = t.Refusal is null,
            }).ToArray(),
            RecoveryPoints = points.Select(p => new { Id = p.Id.ToString(), p.Name, Note = p.Note ?? "", Created = PageFormat.Timestamp(p.CreatedAt), p.Status, Ready = p.Status == "ready" }).ToArray(),
            // The descriptors as data: live.js enables a button by the same states when the VM changes.
            Actions = VmActions.Buttons.Select(b => new
            {
                Action = b.Name,
                b.Label,
                b.Style,
                States = string.Join(' ', b.AllowedStates),
                Enabled = operate && vm.OpenJobId is null && b.AllowsState(vm.State),
                RequestId = Guid.NewGuid().ToString(),
            }).ToArray(),
        }, status);
    }

    private static async Task<IResult> HardwareFormAsync(
        VmView vm, HttpContext http, IPageRenderer renderer, ISender sender, HardwareForm input, IReadOnlyList<FieldError> errors, string? error, int status)
    {
        if (await http.RequestServices.GetRequiredService<IResourceAccess>().VmAccessAsync(vm.Id, http.RequestAborted) < AccessLevel.Manage)
        {
            throw new ForbiddenException($"You may see '{vm.Name}' but not change its hardware.");
        }

        var isos = await sender.Send(new ListIsoImages(), http.RequestAborted);
        var usage = (await sender.Send(new ListNodeUsage(), http.RequestAborted)).SingleOrDefault(n => n.Name == vm.NodeName);
        var server = (await sender.Send(new ListRackServers(), http.RequestAborted)).SingleOrDefault(n => n.Name == vm.NodeName);
        var freeCores = usage is null ? 0 : Math.Max(0, usage.CoresForVms - usage.UsedCores);
        var freeMemoryGib = usage is null ? 0 : Math.Max(0, (usage.MemoryForVmsBytes - usage.UsedMemoryBytes) / (1024L * 1024 * 1024));
        var active = vm.State is VmStates.Running or VmStates.Paused;
        string When(string capability, string live, string otherwise) => !active ? "When it next starts." : server?.Can(capability) == true ? live : otherwise;
        var bootOrders = BootOrders.Any(o => o.Value == input.BootOrder) ? BootOrders : [.. BootOrders, (input.BootOrder, input.BootOrder)];
        return await renderer.RenderAsync(http, "Compute/VmHardware.sbn-html", $"Hardware of {vm.Name}", new
        {
            Vm = VmRow.Of(vm),
            Input = input,
            Error = error,
            HasErrors = errors.Count > 0,
            Errors = errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => string.Join(" ", g.Select(e => e.Reason))),
            Isos = isos.Select(i => new { i.Name, i.Title, Size = i.SizeBytes is { } size ? PageFormat.Bytes(size) : null }).ToArray(),
            BootOrders = bootOrders.Select(o => new { o.Value, o.Label }).ToArray(),
            DiskBuses = HardwareChoices.DiskBuses,
            NicModels = HardwareChoices.NicModels,
            Active = active,
            FreeCores = freeCores,
            FreeMemoryGib = freeMemoryGib,
            MaxVcpus = Math.Min(CreateVmRules.MaxVCpus, vm.VCpus + freeCores),
            MaxMemoryGib = Math.Min(CreateVmRules.MaxMemoryGiB, vm.MemoryGiB + (int)freeMemoryGib),
            MaxDiskGib = CreateVmRules.MaxDiskGiB,
            CanGrowDisk = server?.Can("DiskGrow") == true,
            Timing = new
            {
                Vcpus = When("LiveVcpuChange", "Fewer vCPUs at once; more at the next boot.", "At the next boot."),
                Memory = When("LiveMemoryChange", "Less RAM at once; more at the next boot.", "At the next boot."),
                Disk = server?.Can("DiskGrow") == true ? (active ? "Grows at once; extend the partition inside the guest afterwards." : "When it next starts.") : $"{vm.NodeName} cannot grow disks.",
                Devices = active ? "At the next boot." : "When it next starts.",
            },
        }, status);
    }

    /// <summary>The boot orders the form offers, by the API's device names.</summary>
    private static readonly (string Value, string Label)[] BootOrders =
    [
        ("disk,cdrom", "Disk, then CD-ROM"),
        ("cdrom,disk", "CD-ROM, then disk"),
        ("disk", "Disk only"),
        ("network,disk", "Network (PXE), then disk"),
        ("disk,cdrom,network", "Disk, CD-ROM, then network"),
    ];

    private static readonly Dictionary<string, string> HardwareLabels = new(StringComparer.Ordinal)
    {
        ["vcpus"] = "vCPUs",
        ["memory"] = "RAM",
        ["disk"] = "disk size",
        ["cdrom"] = "ISO image",
        ["boot-order"] = "boot order",
        ["disk-bus"] = "disk bus",
        ["nic-model"] = "NIC model",
    };

    private sealed record HardwareForm(int Vcpus, int MemoryGib, int DiskGib, string IsoName, string BootOrder, string DiskBus, string NicModel)
    {
        public static HardwareForm Of(VmView vm) =>
            new(vm.VCpus, vm.MemoryGiB, vm.DiskGiB, vm.IsoName ?? "", string.Join(',', vm.BootOrder), vm.DiskBus, vm.NicModel);
    }

    private static async Task<object> CreateFormAsync(ISender sender, HttpContext http, CreateForm input, IReadOnlyList<FieldError> errors)
    {
        var isos = await sender.Send(new ListIsoImages(), http.RequestAborted);
        var nodes = await sender.Send(new ListNodeUsage(), http.RequestAborted);
        var computeNodes = nodes.Where(n => n.Role == "compute" && n.Online).ToArray();
        return new
        {
            Input = input,
            HasErrors = errors.Count > 0,
            Errors = errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => string.Join(" ", g.Select(e => e.Reason))),
            Isos = isos.Select(i => new { i.Name, i.Title, Size = i.SizeBytes is { } size ? PageFormat.Bytes(size) : null }).ToArray(),
            FreeCores = computeNodes.Length == 0 ? 0 : computeNodes.Max(n => n.CoresForVms - n.UsedCores),
            FreeMemoryGib = computeNodes.Length == 0 ? 0 : computeNodes.Max(n => (n.MemoryForVmsBytes - n.UsedMemoryBytes) / (1024L * 1024 * 1024)),
            Capacity = http.RequestServices.GetRequiredService<IPermissionChecker>().Has(Identity.Contracts.Permissions.VmCreate)
                ? CapacityRow.Of(await sender.Send(new GetVdcCapacity(), http.RequestAborted))
                : null,
        };
    }

    private sealed record CreateForm(string Name, int Vcpus, int MemoryGib, int DiskGib, string IsoName);

    private sealed record VmRow(
        string Id, string Name, int Vcpus, int MemoryGib, int DiskGib, string Iso, string Node, string Cores, string State, string Created, bool Busy, string Addresses,
        string BootOrder, string DiskBus, string NicModel, string NextBoot, IReadOnlyDictionary<string, bool> NextBootItems)
    {
        public static VmRow Of(VmView vm) => new(
            vm.Id.ToString(), vm.Name, vm.VCpus, vm.MemoryGiB, vm.DiskGiB, vm.IsoName ?? "—", vm.NodeName,
            vm.PinnedCores.Count == 0 ? "—" : string.Join(", ", vm.PinnedCores), vm.State, PageFormat.Timestamp(vm.CreatedAt), vm.OpenJobId is not null,
            vm.Addresses.Count == 0 ? "—" : string.Join(", ", vm.Addresses),
            BootOrders.FirstOrDefault(o => o.Value == string.Join(',', vm.BootOrder)).Label ?? string.Join(", ", vm.BootOrder),
            vm.DiskBus, vm.NicModel,
            string.Join(", ", vm.NextBootChanges.Select(i => HardwareLabels.GetValueOrDefault(i, i))),
            vm.NextBootChanges.ToDictionary(i => i, _ => true, StringComparer.Ordinal));
    }

    /// <summary>The vDataCenter's cores, RAM and disk for the page: use, limit and what is left of each.</summary>
    private sealed record CapacityRow(bool Limited, string Left, CapacityRow.Part[] Parts)
    {
        public sealed record Part(string Label, string Unit, int Used, string Limit, string Left, int Percent, bool Full);

        public static CapacityRow Of(VdcCapacityView capacity)
        {
            Part[] parts =
            [
                Of("Cores", "", capacity.Cores),
                Of("RAM", " GiB", capacity.MemoryGiB),
                Of("Disk", " GiB", capacity.DiskGiB),
            ];
            var left = string.Join(", ", parts.Where(p => p.Left.Length > 0).Select(p => p.Label switch { "Cores" => p.Left == "1" ? "1 core" : $"{p.Left} cores", "RAM" => $"{p.Left} of RAM", _ => $"{p.Left} of disk" }));
            return new CapacityRow(parts.Any(p => p.Limit.Length > 0), left, parts);
        }

        private static Part Of(string label, string unit, CapacityItem item) => new(
            label,
            unit,
            item.Used,
            item.Limit?.ToString(CultureInfo.InvariantCulture) ?? "",
            item.Left is { } left ? left.ToString(CultureInfo.InvariantCulture) + unit : "",
            item.Limit is { } limit ? PageFormat.Percent(item.Used, limit) : 0,
            item.Left == 0);
    }

    private sealed record JobRow(string Id, string Type, string Name, string TargetId, string Action, string User, string Start, string End, string Status, int Progress, string Info)
    {
        public static JobRow Of(JobView job) => new(
            job.Id.ToString(), job.Type, job.Name, job.TargetId.ToString(), job.Action, job.UserName,
            PageFormat.Timestamp(job.StartedAt ?? job.QueuedAt), PageFormat.Timestamp(job.EndedAt), job.Status, job.Progress, job.Info);
    }

    private sealed record NodeCard(string Name, string Role, bool Online, string LastSeen, string CpuModel, int CoresTotal, int CoresUsed, int CoresPercent, string MemoryTotal, string MemoryUsed, int MemoryPercent, int ReservedHostCores, string ReservedMemory)
    {
        public static NodeCard Of(NodeUsageView n) => new(
            n.Name, n.Role, n.Online, PageFormat.Timestamp(n.LastHeartbeatAt), n.CpuModel, n.CoresForVms, n.UsedCores,
            PageFormat.Percent(n.UsedCores, n.CoresForVms), PageFormat.Bytes(n.MemoryForVmsBytes), PageFormat.Bytes(n.UsedMemoryBytes),
            PageFormat.Percent(n.UsedMemoryBytes, n.MemoryForVmsBytes), n.ReservedHostCores, PageFormat.Bytes(n.ReservedMemoryBytes));
    }

    private static string Csv(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 || value.StartsWith('=') || value.StartsWith('+') || value.StartsWith('-') || value.StartsWith('@')
            ? "\"" + (value.StartsWith('=') || value.StartsWith('+') || value.StartsWith('@') ? "'" : "") + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : value;
}
