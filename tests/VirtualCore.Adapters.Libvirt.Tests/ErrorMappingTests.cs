using VirtualCore.Adapters.Libvirt.Interop;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt.Tests;

public sealed class ErrorMappingTests
{
    [Theory]
    [InlineData(42, AdapterErrorCode.DomainNotFound)]
    [InlineData(28, AdapterErrorCode.DomainConflict)]
    [InlineData(55, AdapterErrorCode.InvalidState)]
    [InlineData(5, AdapterErrorCode.ConnectionFailed)]
    [InlineData(6, AdapterErrorCode.ConnectionFailed)]
    [InlineData(39, AdapterErrorCode.ConnectionFailed)]
    [InlineData(45, AdapterErrorCode.ConnectionFailed)]
    [InlineData(3, AdapterErrorCode.NotSupported)]
    [InlineData(74, AdapterErrorCode.NotSupported)]
    [InlineData(84, AdapterErrorCode.NotSupported)]
    [InlineData(27, AdapterErrorCode.InvalidSpec)]
    [InlineData(35, AdapterErrorCode.InvalidSpec)]
    [InlineData(67, AdapterErrorCode.InvalidSpec)]
    [InlineData(92, AdapterErrorCode.InvalidSpec)]
    [InlineData(1, AdapterErrorCode.OperationFailed)]
    [InlineData(9, AdapterErrorCode.OperationFailed)]
    [InlineData(38, AdapterErrorCode.OperationFailed)]
    [InlineData(9999, AdapterErrorCode.OperationFailed)]
    public void Libvirt_codes_map_to_the_portals_codes(int code, AdapterErrorCode expected)
    {
        Assert.Equal(expected, LibvirtError.Map(code));
    }

    [Theory]
    [InlineData(0, "VIR_ERR_OK (0)")]
    [InlineData(42, "VIR_ERR_NO_DOMAIN (42)")]
    [InlineData(55, "VIR_ERR_OPERATION_INVALID (55)")]
    [InlineData(84, "VIR_ERR_OPERATION_UNSUPPORTED (84)")]
    [InlineData(110, "VIR_ERR_MULTIPLE_DOMAINS (110)")]
    [InlineData(111, "virErrorNumber (111)")]
    public void Native_codes_carry_libvirts_name_and_number(int code, string expected)
    {
        Assert.Equal(expected, new LibvirtError(code, 0, null).NativeCode);
    }

    [Fact]
    public void A_system_error_while_opening_is_a_connection_failure()
    {
        var error = new LibvirtError(38, 0, "No such file or directory").ToException("connect to test:///x.xml", AdapterErrorCode.ConnectionFailed);

        Assert.Equal(AdapterErrorCode.ConnectionFailed, error.Code);
        Assert.Equal("VIR_ERR_SYSTEM_ERROR (38)", error.NativeCode);
        Assert.Contains("No such file or directory", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_domain_is_captured_from_libvirt_with_its_message()
    {
        using var connection = LibvirtConnection.Open("test:///default");
        var id = Guid.NewGuid();

        var error = Assert.Throws<HypervisorAdapterException>(() => connection.GetDomain(id));

        Assert.Equal(AdapterErrorCode.DomainNotFound, error.Code);
        Assert.Equal("VIR_ERR_NO_DOMAIN (42)", error.NativeCode);
        Assert.Contains("Domain not found", error.Message, StringComparison.Ordinal);
        Assert.Null(connection.FindDomain(id));
    }

    [Fact]
    public void Broken_xml_is_an_invalid_spec()
    {
        using var connection = LibvirtConnection.Open("test:///default");

        var error = Assert.Throws<HypervisorAdapterException>(() => connection.DefineDomain("<domain", "a broken domain"));

        Assert.Equal(AdapterErrorCode.InvalidSpec, error.Code);
        Assert.Equal("VIR_ERR_XML_DETAIL (35)", error.NativeCode);
    }

    [Fact]
    public void Powering_off_a_shut_off_domain_is_refused_by_libvirt_as_an_invalid_state()
    {
        using var node = new TestNode();
        using var connection = LibvirtConnection.Open(node.Uri);
        var spec = TestNode.Spec("web-01");
        using var domain = connection.DefineDomain(DomainXmlBuilder.Build(spec, "test"), "web-01");

        var error = Assert.Throws<HypervisorAdapterException>(() => LibvirtDomain.PowerOff(domain, spec.Id));

        Assert.Equal(AdapterErrorCode.InvalidState, error.Code);
        Assert.Equal("VIR_ERR_OPERATION_INVALID (55)", error.NativeCode);
    }

    [Fact]
    public void Handles_are_released_once_and_a_domain_outlives_its_closed_connection()
    {
        var connection = LibvirtConnection.Open("test:///default");
        var domain = connection.FindDomainByName("test")!;

        connection.Dispose();
        connection.Dispose();

        // libvirt keeps the connection alive for the domain's reference until the domain is freed.
        Assert.True(connection.IsClosed);
        Assert.Equal("test", LibvirtDomain.GetName(domain));
        domain.Dispose();
        domain.Dispose();
        Assert.True(domain.IsClosed);
    }
}
