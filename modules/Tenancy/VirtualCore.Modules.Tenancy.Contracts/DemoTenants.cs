namespace VirtualCore.Modules.Tenancy.Contracts;

/// <summary>The tenants of the embedded default's demo data (see the README's logins).</summary>
public static class DemoTenants
{
    /// <summary>The provider: localhost, 127.0.0.1, portal.localhost.</summary>
    public static readonly Guid ProviderId = new("7c0e1a5e-0000-4000-8000-000000000001");

    /// <summary>Reseller "Kamp Hosting" (brand "Kamp Cloud"): kamp.localhost.</summary>
    public static readonly Guid KampId = new("7c0e1a5e-0000-4000-8000-000000000002");

    /// <summary>Reseller "Acme Hosting" (brand "Acme Cloud"): acme.localhost.</summary>
    public static readonly Guid AcmeId = new("7c0e1a5e-0000-4000-8000-000000000003");

    public static readonly Guid DemoCustomerId = new("7c0e1a5e-0000-4000-8000-0000000000c1");
    public static readonly Guid OtherCustomerId = new("7c0e1a5e-0000-4000-8000-0000000000c2");
    public static readonly Guid KampCustomerId = new("7c0e1a5e-0000-4000-8000-0000000000c3");
    public static readonly Guid AcmeCustomerId = new("7c0e1a5e-0000-4000-8000-0000000000c4");
}
