namespace VirtualCore.Modules.Identity.Contracts;

/// <summary>The permissions modules ask for. Identity decides who holds them.</summary>
public static class Permissions
{
    public const string NodeRead = "node.read";
    public const string VmRead = "vm.read";
    public const string VmCreate = "vm.create";
    public const string VmOperate = "vm.operate";
    public const string JobRead = "job.read";

    /// <summary>Alerts and alert rules one may see.</summary>
    public const string AlertRead = "alert.read";

    /// <summary>Make, switch and delete alert rules, acknowledge alerts (a VM's need operate on it).</summary>
    public const string AlertManage = "alert.manage";

    /// <summary>Upload and remove ISO images: a customer's administrators into their account, the operator into the library.</summary>
    public const string ImageUpload = "image.upload";

    /// <summary>IP pools and their reverse DNS: the operator's.</summary>
    public const string NetworkManage = "network.manage";

    /// <summary>One's own password, one-time password and API tokens.</summary>
    public const string Profile = "profile";

    /// <summary>Users of one's own customer (customer admins), of one's customers (resellers), of everyone (operator).</summary>
    public const string UserManage = "user.manage";

    /// <summary>A reseller's customers.</summary>
    public const string CustomerManage = "tenant.customers";

    /// <summary>Resellers and their host names: the operator's.</summary>
    public const string ResellerManage = "tenant.resellers";

    /// <summary>The look of one's own portal: its theme versions, editor, uploads and activation (resellers, the operator for the provider's).</summary>
    public const string ThemeManage = "theme.manage";

    /// <summary>The catalogue with the prices one may see: everyone signed in to a portal.</summary>
    public const string CatalogueRead = "billing.catalogue";

    /// <summary>Prices: a reseller's retail price list (its staff), the wholesale prices and the catalogue (the operator).</summary>
    public const string PriceManage = "billing.prices";

    /// <summary>Order contracts for one's account (a customer's administrators) and give notice on them (also its reseller's staff, the operator).</summary>
    public const string ContractManage = "billing.contracts";

    /// <summary>Invoices one issued or received and one's own billing details (a customer's administrators, resellers' staff, the operator).</summary>
    public const string InvoiceRead = "billing.invoices";

    /// <summary>Cancelling invoices one issued (resellers' staff, the operator) and the monthly run (the operator).</summary>
    public const string InvoiceIssue = "billing.invoicing";

    /// <summary>The webhooks of one's account: a customer's administrators, resellers' staff, the operator.</summary>
    public const string WebhookManage = "automation.webhooks";

    /// <summary>The security audit log of what one administers.</summary>
    public const string AuditRead = "audit.read";

    /// <summary>The installation's running state: messages that could not be handled (dead letters). The operator's.</summary>
    public const string OperationsRead = "operations.read";
}

/// <summary>Customer users with a grant on the VM (or on the whole account): who may watch it live.</summary>
public sealed record ListVmViewers(Guid VmId, Guid CustomerId) : Mediator.IQuery<IReadOnlyList<Guid>>;
