using VirtualCore.Framework.Modules;
using VirtualCore.Modules.Automation;
using VirtualCore.Modules.Billing;
using VirtualCore.Modules.Compute;
using VirtualCore.Modules.Identity;
using VirtualCore.Modules.Infrastructure;
using VirtualCore.Modules.Monitoring;
using VirtualCore.Modules.Tenancy;

namespace VirtualCore.Portal;

/// <summary>The modules this portal is composed of. The portal is the only place that names them.</summary>
public static class PortalModules
{
    public static ModuleCatalog Catalog() => ModuleCatalog.Create([new TenancyModule(), new IdentityModule(), new InfrastructureModule(), new ComputeModule(), new MonitoringModule(), new BillingModule(), new AutomationModule()]);
}
