using System.Net;
using System.Net.Sockets;
using netDumbster.smtp;
using VirtualCore.Modules.Billing.Domain;

namespace VirtualCore.Portal.Tests.Billing;

/// <summary>What the billing tests set up the same way: contracts written straight into a portal's database, and a mail server.</summary>
internal static class BillingTestData
{
    /// <summary>
    /// A contract for <paramref name="product"/> from <paramref name="starts"/> to <paramref name="ends"/> (open-ended
    /// when null) at the given monthly retail and wholesale prices in cents.
    /// </summary>
    public static Task<Guid> ContractAsync(
        PortalFixture portal, Guid reseller, Guid customer, long retail, long wholesale, DateOnly starts, DateOnly? ends, string product = "vserver-s", bool consumer = false, string? name = null) =>
        portal.DbAsync(async db =>
        {
            var contract = new Contract
            {
                Id = Guid.NewGuid(),
                ResellerId = reseller,
                CustomerId = customer,
                ProductCode = product,
                ProductName = name ?? product.Replace("-", " ", StringComparison.Ordinal),
                MonthlyNetCents = retail,
                WholesaleCents = wholesale,
                Consumer = consumer,
                StartsOn = starts,
                EndsOn = ends,
                NoticeMonths = consumer ? 1 : 3,
                CreatedAt = DateTimeOffset.UtcNow,
                CreatedBy = "test",
            };
            db.Add(contract);
            await db.SaveChangesAsync();
            return contract.Id;
        });

    /// <summary>A contract for the whole month "2025-02".</summary>
    public static Task<Guid> MonthContractAsync(PortalFixture portal, Guid reseller, Guid customer, long retail, long wholesale, string month)
    {
        var first = DateOnly.Parse(month + "-01", System.Globalization.CultureInfo.InvariantCulture);
        return ContractAsync(portal, reseller, customer, retail, wholesale, first, first.AddMonths(1).AddDays(-1), "vserver-s", name: "vServer S");
    }

    /// <summary>A mail server on a free loopback port, and the settings that make a portal mail through it.</summary>
    public static (SimpleSmtpServer Server, Dictionary<string, string> Settings) MailServer()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var settings = new Dictionary<string, string>
        {
            ["Smtp:Host"] = "127.0.0.1",
            ["Smtp:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Smtp:Security"] = "none",
        };
        return (SimpleSmtpServer.Start(port), settings);
    }
}
