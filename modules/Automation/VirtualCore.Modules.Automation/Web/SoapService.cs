using System.Runtime.Serialization;
using System.ServiceModel;
using System.ServiceModel.Channels;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using SoapCore;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Security;
using VirtualCore.Modules.Compute.Contracts;

namespace VirtualCore.Modules.Automation.Web;

/// <summary>
/// The VM lifecycle as a SOAP 1.1 and 1.2 service (WSDL at <c>/api/soap/v1?wsdl</c>, a binding for each), for automation written against SOAP: the
/// same requests, permissions, tokens and jobs as the REST API, which it calls through the same pipeline. Actions answer
/// with the job at once; GetJob follows it.
/// </summary>
[ServiceContract(Namespace = Namespace, Name = "VirtualCore")]
public interface IVirtualCoreSoap
{
    public const string Namespace = "urn:virtualcore:soap:v1";

    /// <summary>The caller's vServers, by name.</summary>
    [OperationContract(Name = "ListVms")]
    Task<SoapVm[]> ListVmsAsync();

    [OperationContract(Name = "GetVm")]
    Task<SoapVm> GetVmAsync(Guid vmId);

    /// <summary>Creates a vServer: a job; the VM's id is in the answer.</summary>
    [OperationContract(Name = "CreateVm")]
    Task<SoapJob> CreateVmAsync(string name, int vcpus, int memoryGiB, int diskGiB, string? isoName);

    [OperationContract(Name = "StartVm")]
    Task<SoapJob> StartVmAsync(Guid vmId);

    [OperationContract(Name = "ShutdownVm")]
    Task<SoapJob> ShutdownVmAsync(Guid vmId);

    [OperationContract(Name = "PowerOffVm")]
    Task<SoapJob> PowerOffVmAsync(Guid vmId);

    [OperationContract(Name = "RestartVm")]
    Task<SoapJob> RestartVmAsync(Guid vmId);

    [OperationContract(Name = "ResetVm")]
    Task<SoapJob> ResetVmAsync(Guid vmId);

    [OperationContract(Name = "PauseVm")]
    Task<SoapJob> PauseVmAsync(Guid vmId);

    [OperationContract(Name = "ResumeVm")]
    Task<SoapJob> ResumeVmAsync(Guid vmId);

    /// <summary>Deletes a vServer and its disks; <paramref name="confirmName"/> must be its name.</summary>
    [OperationContract(Name = "DeleteVm")]
    Task<SoapJob> DeleteVmAsync(Guid vmId, string confirmName);

    /// <summary>A job's state: queued, running, completed or failed, with its progress and info.</summary>
    [OperationContract(Name = "GetJob")]
    Task<SoapJob> GetJobAsync(Guid jobId);
}

/// <summary>A vServer as the SOAP service shows it.</summary>
[DataContract(Namespace = IVirtualCoreSoap.Namespace)]
public sealed class SoapVm
{
    [DataMember(Order = 1)]
    public Guid Id { get; set; }

    [DataMember(Order = 2)]
    public string Name { get; set; } = "";

    [DataMember(Order = 3)]
    public string State { get; set; } = "";

    [DataMember(Order = 4)]
    public int VCpus { get; set; }

    [DataMember(Order = 5)]
    public int MemoryGiB { get; set; }

    [DataMember(Order = 6)]
    public int DiskGiB { get; set; }

    [DataMember(Order = 7)]
    public string NodeName { get; set; } = "";

    [DataMember(Order = 8)]
    public string[] Addresses { get; set; } = [];

    [DataMember(Order = 9)]
    public DateTime CreatedAt { get; set; }
}

/// <summary>A job as the SOAP service shows it.</summary>
[DataContract(Namespace = IVirtualCoreSoap.Namespace)]
public sealed class SoapJob
{
    [DataMember(Order = 1)]
    public Guid Id { get; set; }

    [DataMember(Order = 2)]
    public Guid VmId { get; set; }

    [DataMember(Order = 3)]
    public string Action { get; set; } = "";

    [DataMember(Order = 4)]
    public string Status { get; set; } = "";

    [DataMember(Order = 5)]
    public int Progress { get; set; }

    [DataMember(Order = 6)]
    public string Info { get; set; } = "";
}

/// <summary>
/// Sends each operation through the request pipeline (permissions, tenant filters, validation) as the REST API does;
/// its refusals become SOAP faults with the same words and a code: NotFound, Forbidden, Invalid, Conflict.
/// </summary>
internal sealed class VirtualCoreSoap(ISender sender) : IVirtualCoreSoap
{
    public Task<SoapVm[]> ListVmsAsync() => Run(async () => (await sender.Send(new ListVms(Sort: "name", Limit: 1000))).Select(Vm).ToArray());

    public Task<SoapVm> GetVmAsync(Guid vmId) => Run(async () => Vm(await sender.Send(new GetVm(vmId))));

    public Task<SoapJob> CreateVmAsync(string name, int vcpus, int memoryGiB, int diskGiB, string? isoName) =>
        Accepted(new CreateVm(name, vcpus, memoryGiB, diskGiB, string.IsNullOrEmpty(isoName) ? null : isoName));

    public Task<SoapJob> StartVmAsync(Guid vmId) => Accepted(new StartVm(vmId));

    public Task<SoapJob> ShutdownVmAsync(Guid vmId) => Accepted(new ShutdownVm(vmId));

    public Task<SoapJob> PowerOffVmAsync(Guid vmId) => Accepted(new PowerOffVm(vmId));

    public Task<SoapJob> RestartVmAsync(Guid vmId) => Accepted(new RestartVm(vmId));

    public Task<SoapJob> ResetVmAsync(Guid vmId) => Accepted(new ResetVm(vmId));

    public Task<SoapJob> PauseVmAsync(Guid vmId) => Accepted(new PauseVm(vmId));

    public Task<SoapJob> ResumeVmAsync(Guid vmId) => Accepted(new ResumeVm(vmId));

    public Task<SoapJob> DeleteVmAsync(Guid vmId, string confirmName) => Accepted(new DeleteVm(vmId, confirmName));

    public Task<SoapJob> GetJobAsync(Guid jobId) => Run(async () =>
    {
        var job = await sender.Send(new GetJob(jobId));
        return new SoapJob { Id = job.Id, VmId = job.TargetId, Action = job.Action, Status = job.Status, Progress = job.Progress, Info = job.Info };
    });

    private Task<SoapJob> Accepted(ICommand<JobAccepted> command) => Run(async () =>
    {
        var accepted = await sender.Send(command);
        return new SoapJob { Id = accepted.JobId, VmId = accepted.VmId, Status = accepted.Status, Action = JobAction(command) };
    });

    private static string JobAction(ICommand<JobAccepted> command) => command switch
    {
        CreateVm => "create",
        StartVm => "start",
        ShutdownVm => "shutdown",
        PowerOffVm => "power-off",
        RestartVm => "restart",
        ResetVm => "reset",
        PauseVm => "pause",
        ResumeVm => "resume",
        _ => "delete",
    };

    private static SoapVm Vm(VmView v) => new()
    {
        Id = v.Id,
        Name = v.Name,
        State = v.State,
        VCpus = v.VCpus,
        MemoryGiB = v.MemoryGiB,
        DiskGiB = v.DiskGiB,
        NodeName = v.NodeName,
        Addresses = [.. v.Addresses],
        CreatedAt = v.CreatedAt.UtcDateTime,
    };

    /// <summary>Runs an operation; a refusal becomes a fault whose code says which kind it is.</summary>
    private static async Task<T> Run<T>(Func<Task<T>> operation)
    {
        try
        {
            return await operation();
        }
        catch (RequestValidationException e)
        {
            throw Fault("Invalid", string.Join(" ", e.Errors.Select(f => $"{f.Field}: {f.Reason}")));
        }
        catch (NotFoundException e)
        {
            throw Fault("NotFound", e.Message);
        }
        catch (ForbiddenException e)
        {
            throw Fault("Forbidden", e.Message);
        }
        catch (ConflictException e)
        {
            throw Fault("Conflict", e.Message);
        }
    }

    // The refusal's own code: SOAP 1.1 carries it as the fault code; in SOAP 1.2, whose top-level codes are fixed, the
    // answer says Sender and the reason carries the words.
    private static FaultException Fault(string code, string reason) => new(new FaultReason(reason), new FaultCode(code), null);
}

/// <summary>
/// Maps the SOAP service at /api/soap/v1: POST a SOAP 1.1 envelope, as the REST API is called (a token or Basic, or the
/// session cookie with the anti-forgery header); GET it (?wsdl) for the WSDL, which anyone may read. Nothing else of
/// SoapCore's is mapped: no operation runs from a GET.
/// </summary>
internal static class SoapEndpoint
{
    public const string Path = "/api/soap/v1";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var soap = endpoints.CreateApplicationBuilder()
            .UseSoapEndpoint<IVirtualCoreSoap>(
                Path,
                [
                    // SOAP 1.1 (text/xml, SOAPAction header) and SOAP 1.2 (application/soap+xml; action="…"), each its own
                    // binding in the WSDL; the content type of the request chooses.
                    new SoapEncoderOptions { MessageVersion = MessageVersion.Soap11, BindingName = "VirtualCoreSoap11", PortName = "VirtualCoreSoap11" },
                    new SoapEncoderOptions { MessageVersion = MessageVersion.CreateVersion(EnvelopeVersion.Soap12, AddressingVersion.None), BindingName = "VirtualCoreSoap12", PortName = "VirtualCoreSoap12" },
                ],
                SoapSerializer.DataContractSerializer)
            .Build();
        endpoints.MapPost(Path, async (HttpContext http, CancellationToken ct) =>
            {
                if (!IsXml(http.Request.ContentType))
                {
                    await Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type.", detail: "Send a SOAP 1.1 envelope as text/xml or a SOAP 1.2 envelope as application/soap+xml.").ExecuteAsync(http);
                    return;
                }

                await soap(http);
            })
            .RequireAuthorization().RequireScope(ApiScopes.Read) // the least an operation needs; each one's permission is checked as in the REST API
            .WithTags("SOAP").WithName("CallSoapOperation")
            .WithSummary("Call a SOAP operation")
            .WithDescription("The VM lifecycle as a SOAP 1.1 (text/xml) and SOAP 1.2 (application/soap+xml) service (contract urn:virtualcore:soap:v1, WSDL at GET /api/soap/v1?wsdl): "
                + "ListVms, GetVm, CreateVm, StartVm, ShutdownVm, PowerOffVm, RestartVm, ResetVm, PauseVm, ResumeVm, DeleteVm, GetJob. "
                + "The same permissions, tenants and jobs as the REST API; refusals are faults with the code NotFound, Forbidden, Invalid or Conflict.")
            .Accepts<string>("text/xml", "application/soap+xml")
            .Produces<string>(StatusCodes.Status200OK, "text/xml", "application/soap+xml")
            .Produces<string>(StatusCodes.Status500InternalServerError, "text/xml", "application/soap+xml")
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        endpoints.MapGet(Path, soap).AllowAnonymous().ExcludeFromDescription();
    }

    private static bool IsXml(string? contentType) =>
        contentType is not null && (contentType.StartsWith("text/xml", StringComparison.OrdinalIgnoreCase) || contentType.StartsWith("application/soap+xml", StringComparison.OrdinalIgnoreCase));
}
