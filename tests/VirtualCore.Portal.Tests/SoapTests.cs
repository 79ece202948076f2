using System.Net;
using System.Net.Http.Headers;
using System.Runtime.Serialization;
using System.ServiceModel;
using System.ServiceModel.Channels;
using System.Text;
using System.Xml.Linq;
using VirtualCore.Modules.Compute.Contracts;

namespace VirtualCore.Portal.Tests;

/// <summary>A portal on a real port, for clients that bring their own HTTP stack (WCF).</summary>
public sealed class SoapPortal : IAsyncLifetime
{
    public PortalFixture Portal { get; } = new(realServer: true);

    public Task InitializeAsync()
    {
        Portal.StartServer();
        Portal.CreateClient().Dispose(); // the client options now carry the server's address
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Portal.DisposeAsync();
}

/// <summary>
/// The SOAP service from outside: a WCF client built from its own contract (as one generated from the WSDL would be, not
/// the server's types), raw SOAP 1.1 and 1.2 envelopes, a SOAP 1.2 client, the WSDL, and the same permissions, tenants and token scopes as the REST API.
/// </summary>
public sealed class SoapTests(SoapPortal fixture) : IClassFixture<SoapPortal>
{
    private const string Ns = "urn:virtualcore:soap:v1";
    private readonly PortalFixture _portal = fixture.Portal;

    private Uri Endpoint => new(_portal.BaseAddress, "/api/soap/v1");

    private ChannelFactory<IVirtualCoreClient> Basic(string user, string password)
    {
        var binding = new BasicHttpBinding(BasicHttpSecurityMode.TransportCredentialOnly);
        binding.Security.Transport.ClientCredentialType = HttpClientCredentialType.Basic;
        var factory = new ChannelFactory<IVirtualCoreClient>(binding, new EndpointAddress(Endpoint));
        factory.Credentials.UserName.UserName = user;
        factory.Credentials.UserName.Password = password;
        return factory;
    }

    private static async Task<T> WithTokenAsync<T>(IVirtualCoreClient client, string token, Func<Task<T>> call)
    {
        using var scope = new OperationContextScope((IContextChannel)client);
        var http = new HttpRequestMessageProperty();
        http.Headers[HttpRequestHeader.Authorization] = "Bearer " + token;
        OperationContext.Current.OutgoingMessageProperties[HttpRequestMessageProperty.Name] = http;
        return await call();
    }

    private static async Task<ClientJob> WaitAsync(IVirtualCoreClient client, ClientJob job)
    {
        var done = await Api.WaitUntilAsync(() => client.GetJobAsync(job.Id), j => j.Status is JobStatuses.Completed or JobStatuses.Failed);
        Assert.Equal(JobStatuses.Completed, done.Status);
        return done;
    }

    [Fact]
    public async Task A_wcf_client_runs_a_vms_lifecycle_as_jobs_the_rest_api_shows_too()
    {
        using var factory = Basic("demo", "demo-pass-1");
        var client = factory.CreateChannel();
        var created = await client.CreateVmAsync("soap-made", 1, 1, 10, null);
        Assert.Equal("create", created.Action);
        await WaitAsync(client, created);
        await WaitAsync(client, await client.StartVmAsync(created.VmId));
        var vm = await client.GetVmAsync(created.VmId);
        Assert.Equal(("soap-made", VmStates.Running, 1, 10), (vm.Name, vm.State, vm.MemoryGiB, vm.DiskGiB));
        Assert.Contains(await client.ListVmsAsync(), v => v.Id == created.VmId);

        // The same job in the REST API's job log.
        var rest = await _portal.Demo().GetAsync<JobView>($"/api/v1/jobs/{created.Id}");
        Assert.Equal(("create", JobStatuses.Completed), (rest.Action, rest.Status));

        await WaitAsync(client, await client.PowerOffVmAsync(created.VmId));
        await WaitAsync(client, await client.DeleteVmAsync(created.VmId, "soap-made"));
        Assert.DoesNotContain(await client.ListVmsAsync(), v => v.Id == created.VmId);
        ((IClientChannel)client).Close();
    }

    [Fact]
    public async Task Refusals_are_faults_with_the_rest_apis_words_and_a_code_and_another_customers_vm_is_not_found()
    {
        var foreign = await _portal.Other().CreatedVmAsync("others-soap");
        using var factory = Basic("demo", "demo-pass-1");
        var client = factory.CreateChannel();

        var notFound = await Assert.ThrowsAsync<FaultException>(() => client.GetVmAsync(foreign));
        Assert.Equal("NotFound", notFound.Code.Name);
        Assert.Equal("NotFound", (await Assert.ThrowsAsync<FaultException>(() => client.StartVmAsync(foreign))).Code.Name);
        Assert.Equal("NotFound", (await Assert.ThrowsAsync<FaultException>(() => client.DeleteVmAsync(foreign, "others-soap"))).Code.Name);

        var invalid = await Assert.ThrowsAsync<FaultException>(() => client.CreateVmAsync("", 0, 1, 10, null));
        Assert.Equal("Invalid", invalid.Code.Name);
        Assert.Contains("vCpus", invalid.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("name", invalid.Message, StringComparison.Ordinal);

        // A wrong password never reaches an operation.
        using var wrong = Basic("demo", "wrong-password");
        await Assert.ThrowsAsync<System.ServiceModel.Security.MessageSecurityException>(() => wrong.CreateChannel().ListVmsAsync());
        Assert.Equal(VmStates.ShutOff, (await _portal.Other().GetAsync<VmView>($"/api/v1/vms/{foreign}")).State);
    }

    [Fact]
    public async Task A_token_works_within_its_scope_only()
    {
        var demo = _portal.Demo();
        var vmId = await demo.CreatedVmAsync("soap-token");
        var read = await demo.TokenAsync("read");
        var operate = await demo.TokenAsync("operate");
        var binding = new BasicHttpBinding(BasicHttpSecurityMode.None);
        using var factory = new ChannelFactory<IVirtualCoreClient>(binding, new EndpointAddress(Endpoint));
        var client = factory.CreateChannel();

        Assert.Contains(await WithTokenAsync(client, read, client.ListVmsAsync), v => v.Id == vmId);
        Assert.Equal("Forbidden", (await Assert.ThrowsAsync<FaultException>(() => WithTokenAsync(client, read, () => client.StartVmAsync(vmId)))).Code.Name);
        var started = await WithTokenAsync(client, operate, () => client.StartVmAsync(vmId));
        await Api.WaitUntilAsync(() => demo.GetAsync<JobView>($"/api/v1/jobs/{started.Id}"), j => j.Status == JobStatuses.Completed);
        Assert.Equal("Forbidden", (await Assert.ThrowsAsync<FaultException>(() => WithTokenAsync(client, operate, () => client.CreateVmAsync("above-operate", 1, 1, 10, null)))).Code.Name);
    }

    [Fact]
    public async Task A_soap_1_2_client_and_envelope_are_answered_in_soap_1_2_with_the_same_permissions()
    {
        var demo = _portal.Demo();
        var vmId = await demo.CreatedVmAsync("soap-12");
        var operate = await demo.TokenAsync("operate");
        var read = await demo.TokenAsync("read");
        var binding = new CustomBinding(
            new TextMessageEncodingBindingElement(MessageVersion.CreateVersion(EnvelopeVersion.Soap12, AddressingVersion.None), Encoding.UTF8),
            new HttpTransportBindingElement());
        using var factory = new ChannelFactory<IVirtualCoreClient>(binding, new EndpointAddress(Endpoint));
        var client = factory.CreateChannel();

        Assert.Equal("soap-12", (await WithTokenAsync(client, read, () => client.GetVmAsync(vmId))).Name);
        var refused = await Assert.ThrowsAsync<FaultException>(() => WithTokenAsync(client, read, () => client.StartVmAsync(vmId)));
        Assert.Equal("Sender", refused.Code.Name);
        Assert.Contains("permission", refused.Message, StringComparison.OrdinalIgnoreCase);
        var started = await WithTokenAsync(client, operate, () => client.StartVmAsync(vmId));
        Assert.Equal("start", started.Action);
        await Api.WaitUntilAsync(() => demo.GetAsync<JobView>($"/api/v1/jobs/{started.Id}"), j => j.Status == JobStatuses.Completed);

        // A raw SOAP 1.2 envelope: the action in the content type, the answer and its faults in SOAP 1.2's envelope.
        using var http = new HttpClient { BaseAddress = _portal.BaseAddress };
        HttpRequestMessage Envelope(string operation, string body)
        {
            var content = new StringContent(
                $"""<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><{operation} xmlns="{Ns}">{body}</{operation}></s:Body></s:Envelope>""",
                Encoding.UTF8);
            content.Headers.ContentType = MediaTypeHeaderValue.Parse($"application/soap+xml; charset=utf-8; action=\"{Ns}/VirtualCore/{operation}\"");
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/soap/v1") { Content = content };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", read);
            return request;
        }

        using var answer = await http.SendAsync(Envelope("GetVm", $"<vmId>{vmId}</vmId>"));
        var text = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == HttpStatusCode.OK, text);
        Assert.StartsWith("application/soap+xml", answer.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        var xml = XDocument.Parse(text);
        Assert.Equal("http://www.w3.org/2003/05/soap-envelope", xml.Root!.Name.NamespaceName);
        Assert.Equal(VmStates.Running, xml.Descendants().Single(e => e.Name.LocalName == "State").Value);

        using var foreign = await http.SendAsync(Envelope("GetVm", $"<vmId>{await _portal.Other().CreatedVmAsync("others-soap-12")}</vmId>"));
        var fault = XDocument.Parse(await foreign.Content.ReadAsStringAsync());
        Assert.Equal("http://www.w3.org/2003/05/soap-envelope", fault.Root!.Name.NamespaceName);
        Assert.Contains(fault.Descendants(), e => e.Name.LocalName == "Fault");
        Assert.Contains("The VM was not found.", fault.Root.Value, StringComparison.Ordinal);

        // The WSDL names a binding for each version.
        var wsdl = await http.GetStringAsync("/api/soap/v1?wsdl");
        Assert.Contains("VirtualCoreSoap11", wsdl, StringComparison.Ordinal);
        Assert.Contains("VirtualCoreSoap12", wsdl, StringComparison.Ordinal);
        Assert.Contains("http://schemas.xmlsoap.org/wsdl/soap12/", wsdl, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_raw_envelope_works_the_wsdl_is_public_and_operations_need_a_caller_that_is_no_cross_site_cookie()
    {
        using var http = new HttpClient { BaseAddress = _portal.BaseAddress };
        var wsdl = await http.GetStringAsync("/api/soap/v1?wsdl");
        foreach (var operation in new[] { "ListVms", "GetVm", "CreateVm", "StartVm", "ShutdownVm", "PowerOffVm", "RestartVm", "ResetVm", "PauseVm", "ResumeVm", "DeleteVm", "GetJob" })
        {
            Assert.Contains($"name=\"{operation}\"", wsdl);
        }

        var vmId = await _portal.Demo().CreatedVmAsync("soap-raw");
        HttpRequestMessage Envelope(string operation, string body)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/soap/v1")
            {
                Content = new StringContent(
                    $"""<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><{operation} xmlns="{Ns}">{body}</{operation}></s:Body></s:Envelope>""",
                    Encoding.UTF8,
                    "text/xml"),
            };
            request.Headers.Add("SOAPAction", $"\"{Ns}/VirtualCore/{operation}\"");
            return request;
        }

        // Anonymous: 401 before any operation runs, saying how to authenticate.
        var anonymous = await http.SendAsync(Envelope("ListVms", ""));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains(anonymous.Headers.WwwAuthenticate, h => h.Scheme == "Basic");

        // A refusal is a SOAP fault: the code and the REST API's words.
        var missing = Envelope("GetVm", $"<vmId>{Guid.NewGuid()}</vmId>");
        missing.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("demo:demo-pass-1")));
        var fault = await http.SendAsync(missing);
        var faultBody = await fault.Content.ReadAsStringAsync();
        Assert.True(fault.StatusCode == HttpStatusCode.InternalServerError, faultBody);
        var faultXml = XDocument.Parse(faultBody);
        Assert.EndsWith(":NotFound", faultXml.Descendants().Single(e => e.Name.LocalName == "faultcode").Value, StringComparison.Ordinal);
        Assert.Equal("The VM was not found.", faultXml.Descendants().Single(e => e.Name.LocalName == "faultstring").Value);

        var request = Envelope("GetVm", $"<vmId>{vmId}</vmId>");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("demo:demo-pass-1")));
        var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var xml = XDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("soap-raw", xml.Descendants().Single(e => e.Name.LocalName == "Name").Value);
        Assert.Equal(VmStates.ShutOff, xml.Descendants().Single(e => e.Name.LocalName == "State").Value);

        // A signed-in browser's cookie alone (as a cross-site form would send it) starts nothing.
        using var session = _portal.Session();
        await session.SignInAsync("demo", "demo-pass-1");
        Assert.Equal("demo", await session.WhoAmIAsync());
        var crossSite = await session.Client.SendAsync(Envelope("StartVm", $"<vmId>{vmId}</vmId>"));
        Assert.True(crossSite.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Forbidden, crossSite.StatusCode.ToString());
        Assert.Equal(VmStates.ShutOff, (await _portal.Demo().GetAsync<VmView>($"/api/v1/vms/{vmId}")).State);
        Assert.Empty(await _portal.Demo().GetAsync<JobView[]>($"/api/v1/jobs?vmId={vmId}&action=start"));
    }
}

/// <summary>The client's own view of the service, as a tool generating it from the WSDL writes it: same names and namespace, none of the server's types.</summary>
[ServiceContract(Namespace = "urn:virtualcore:soap:v1", Name = "VirtualCore")]
public interface IVirtualCoreClient
{
    [OperationContract(Name = "ListVms")]
    Task<ClientVm[]> ListVmsAsync();

    [OperationContract(Name = "GetVm")]
    Task<ClientVm> GetVmAsync(Guid vmId);

    [OperationContract(Name = "CreateVm")]
    Task<ClientJob> CreateVmAsync(string name, int vcpus, int memoryGiB, int diskGiB, string? isoName);

    [OperationContract(Name = "StartVm")]
    Task<ClientJob> StartVmAsync(Guid vmId);

    [OperationContract(Name = "PowerOffVm")]
    Task<ClientJob> PowerOffVmAsync(Guid vmId);

    [OperationContract(Name = "DeleteVm")]
    Task<ClientJob> DeleteVmAsync(Guid vmId, string confirmName);

    [OperationContract(Name = "GetJob")]
    Task<ClientJob> GetJobAsync(Guid jobId);
}

[DataContract(Name = "SoapVm", Namespace = "urn:virtualcore:soap:v1")]
public sealed class ClientVm
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
}

[DataContract(Name = "SoapJob", Namespace = "urn:virtualcore:soap:v1")]
public sealed class ClientJob
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
