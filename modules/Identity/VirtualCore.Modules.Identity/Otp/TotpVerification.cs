namespace VirtualCore.Modules.Identity.Otp;

internal enum TotpVerificationReason
{
    Accepted = 0,

    /// <summary>Not exactly the configured number of ASCII digits.</summary>
    Malformed = 1,

    /// <summary>Well-formed, but no step inside the window produces it.</summary>
    Wrong = 2,

    /// <summary>Valid code, but for a step at or before the last accepted one.</summary>
    Replayed = 3,
}

/// <summary>
/// Outcome of a code check. On acceptance the caller must persist <see cref="MatchedStep"/>
/// as the new last accepted step, so that the same code cannot be used again on any portal instance.
/// </summary>
internal sealed record TotpVerification(bool Accepted, long? MatchedStep, TotpVerificationReason Reason)
{
    public static TotpVerification Malformed { get; } = new(false, null, TotpVerificationReason.Malformed);

    public static TotpVerification Wrong { get; } = new(false, null, TotpVerificationReason.Wrong);
}
