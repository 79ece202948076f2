using Mediator;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Identity.Features.Users;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Portal.Hosting;

/// <summary>
/// The demo VMs of the resellers' customers, created once the rack servers have reported in, and the customer
/// users' grants on single VMs — through the modules' own requests, as the customer admins would.
/// </summary>
internal sealed class DemoVms(IServiceScopeFactory scopes, IHostApplicationLifetime lifetime, ILogger<DemoVms> logger) : BackgroundService
{
    private static readonly (Guid Reseller, Guid Customer, string Admin, string Vm, int VCpus, int MemoryGiB, string? GrantTo, string? Level)[] Plan =
    [
        (DemoTenants.KampId, DemoTenants.KampCustomerId, "baecker", "shop-web", 2, 2, "geselle", "operate"),
        (DemoTenants.KampId, DemoTenants.KampCustomerId, "baecker", "shop-db", 2, 4, null, null),
        (DemoTenants.AcmeId, DemoTenants.AcmeCustomerId, "widget", "widget-api", 1, 2, "intern", "view"),
    ];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(stoppingToken);
        try
        {
            await SeedAsync(stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Demo VMs were not created");
        }
    }

    private async Task SeedAsync(CancellationToken stoppingToken)
    {
        foreach (var (reseller, customer, admin, vmName, vcpus, memory, grantTo, level) in Plan)
        {
            await using var scope = scopes.CreateAsyncScope();

            // Acting as the customer's admin (by name, as the job log shows it).
            scope.ServiceProvider.GetRequiredService<ScopedTenantContext>()
                .Use(new FixedTenantContext(reseller, customer, Guid.Empty, admin, TenantClaims.CustomerAdminRole));
            var sender = scope.ServiceProvider.GetRequiredService<ISender>();
            if ((await sender.Send(new ListVms(), stoppingToken)).Any(v => v.Name == vmName))
            {
                continue;
            }

            await WaitForRackServersAsync(sender, stoppingToken);
            var accepted = await sender.Send(new CreateVm(vmName, vcpus, memory, 20, "debian-12.8.0-amd64-netinst"), stoppingToken);
            if (grantTo is not null)
            {
                var user = (await sender.Send(new ListUsers(), stoppingToken)).Single(u => u.UserName == grantTo);
                await sender.Send(new GrantAccess(user.Id, accepted.VmId, level), stoppingToken);
            }
        }
    }

    private static async Task WaitForRackServersAsync(ISender sender, CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (!(await sender.Send(new ListNodeUsage(), timeout.Token)).Any(n => n.Online && n.Role == "compute"))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), timeout.Token);
        }
    }
}
