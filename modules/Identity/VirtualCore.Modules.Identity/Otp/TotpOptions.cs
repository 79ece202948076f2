namespace VirtualCore.Modules.Identity.Otp;

/// <summary>Parameters of the time-based one-time passwords (RFC 6238, HMAC-SHA-1).</summary>
internal sealed class TotpOptions
{
    /// <summary>Digits per code; authenticator apps understand 6 and 8.</summary>
    public int Digits { get; init; } = 6;

    /// <summary>Length of one time step in seconds; 60 gives the SecurID-like "new code every minute".</summary>
    public int PeriodSeconds { get; init; } = 60;

    /// <summary>Steps accepted on either side of the current one, to absorb clock drift between phone and server.</summary>
    public int Window { get; init; } = 1;

    /// <summary>Issuer shown in the authenticator app when the reseller has no brand name.</summary>
    public string Issuer { get; init; } = "VirtualCore";
}
