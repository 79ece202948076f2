using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using VirtualCore.Framework.Security;
using VirtualCore.Framework.Web;
using VirtualCore.Modules.Tenancy.Contracts;

namespace VirtualCore.Modules.Tenancy.Web;

/// <summary>The REST API of resellers (operator) and customers (resellers), under /api/v1 with the manage scope.</summary>
internal static class TenancyApi
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/v1").RequireAuthorization().RequireScope(ApiScopes.Manage).WithTags("Tenants");
        api.MapGet("/resellers", (ISender sender, CancellationToken ct) => sender.Send(new ListResellers(), ct)).WithName("ListResellers").WithSummary("Every reseller (operator).");
        api.MapPost("/resellers", async (CreateReseller body, ISender sender, CancellationToken ct) =>
            Results.Created("/api/v1/resellers", await sender.Send(body, ct))).WithName("CreateReseller").Produces<ResellerView>(StatusCodes.Status201Created).WithSummary("Creates a reseller with its host names (operator).").ProducesValidationProblem();
        api.MapGet("/customers", (ISender sender, CancellationToken ct) => sender.Send(new ListCustomers(), ct)).WithName("ListCustomers").WithSummary("The customers the caller manages.");
        api.MapGet("/customers/{customerId:guid}", (Guid customerId, ISender sender, CancellationToken ct) => sender.Send(new GetCustomer(customerId), ct))
            .WithName("GetCustomer").WithSummary("One customer.").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/customers", async (CreateCustomer body, ISender sender, CancellationToken ct) =>
            Results.Created("/api/v1/customers", await sender.Send(body, ct))).WithName("CreateCustomer").Produces<CustomerView>(StatusCodes.Status201Created).WithSummary("Creates a customer of the caller's reseller.").ProducesValidationProblem();
        api.MapPut("/customers/{customerId:guid}/capacity", (Guid customerId, CustomerCapacity body, ISender sender, CancellationToken ct) =>
            sender.Send(new SetCustomerCapacity(customerId, body.Cores, body.MemoryGiB, body.DiskGiB), ct))
            .WithName("SetCustomerCapacity").IfMatch(route => new GetCustomer(route.Guid("customerId"))).WithSummary("Sets the capacity of the customer's vDataCenter (cores, RAM and disk in GiB); a null limit is no limit.")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPut("/customers/{customerId:guid}/otp-policy", (Guid customerId, OtpPolicyRequest body, ISender sender, CancellationToken ct) =>
            sender.Send(new SetCustomerOtpPolicy(customerId, body.OtpRequired), ct)).WithName("SetCustomerOtpPolicy").IfMatch(route => new GetCustomer(route.Guid("customerId"))).WithSummary("Requires one-time passwords for the customer's users, or not.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPut("/customers/{customerId:guid}/suspension", (Guid customerId, SuspendCustomerInput? body, ISender sender, CancellationToken ct) =>
            sender.Send(new SuspendCustomer(customerId, body?.Reason), ct)).WithName("SuspendCustomer").IfMatch(route => new GetCustomer(route.Guid("customerId")))
            .WithSummary("Suspends the customer: its users may no longer start, operate, create or open the console of a VM, and its running VMs are powered off (disks kept). A suspended customer stays as it was.")
            .Produces<CustomerView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapDelete("/customers/{customerId:guid}/suspension", (Guid customerId, ISender sender, CancellationToken ct) =>
            sender.Send(new LiftCustomerSuspension(customerId), ct)).WithName("LiftCustomerSuspension").IfMatch(route => new GetCustomer(route.Guid("customerId")))
            .WithSummary("Lifts the customer's suspension; the VMs the suspension stopped start again.")
            .Produces<CustomerView>().ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
    }
}

public sealed record OtpPolicyRequest(bool OtpRequired);
