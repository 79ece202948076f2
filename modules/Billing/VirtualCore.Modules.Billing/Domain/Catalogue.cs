namespace VirtualCore.Modules.Billing.Domain;

/// <summary>A product of the operator's catalogue with its wholesale price.</summary>
internal sealed class Product
{
    public string Code { get; set; } = "";

    public string Kind { get; set; } = "";

    public string Name { get; set; } = "";

    public int? Cores { get; set; }

    public int? MemoryGiB { get; set; }

    public int? DiskGiB { get; set; }

    public int? IpAddresses { get; set; }

    public int? TrafficGiB { get; set; }

    /// <summary>Monthly net price for resellers, in euro cents.</summary>
    public long WholesaleCents { get; set; }

    /// <summary>Where it stands in the catalogue: plans by size, then add-ons.</summary>
    public int Position { get; set; }
}

/// <summary>What one reseller charges its customers for one product a month, net, in euro cents.</summary>
internal sealed class RetailPrice
{
    public Guid ResellerId { get; set; }

    public string ProductCode { get; set; } = "";

    public long Cents { get; set; }
}

/// <summary>Money as stored (euro cents) and as shown (euros with two decimals).</summary>
internal static class Money
{
    public const decimal Highest = 100_000m;

    public static long Cents(decimal euros) => (long)(euros * 100m);

    public static decimal Euros(long cents) => cents / 100m;

    /// <summary>"75.00 EUR", the same in every language: for the audit, logs and messages.</summary>
    public static string Format(long cents) => Euros(cents).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) + " EUR";

    /// <summary>
    /// For a page: "75.00" in English, "75,00" in German (the request's language, its UI culture); empty for no amount.
    /// The portal's forms read either decimal separator back.
    /// </summary>
    public static string Amount(decimal? euros) => euros?.ToString("0.00", System.Globalization.CultureInfo.CurrentUICulture) ?? "";

    /// <summary>"75.00" in every language, as a form's number input takes its value; empty for no amount.</summary>
    public static string Value(decimal? euros) => euros?.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) ?? "";

    /// <summary>Why <paramref name="euros"/> is no price, or null when it is one.</summary>
    public static string? Problem(decimal? euros) => euros switch
    {
        null => "Give the monthly net price in EUR.",
        < 0m or > Highest => "A price is from 0 to 100000 EUR.",
        { } e when decimal.Round(e, 2) != e => "A price has at most two decimal places (cents).",
        _ => null,
    };
}
