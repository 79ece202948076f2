namespace VirtualCore.Framework.Security;

/// <summary>
/// Requests that change how a person proves who they are (one-time password set-up, API tokens) need a fresh proof:
/// a sign-in or a confirmation with the password (and the current one-time password where enrolled) within the last
/// minutes — a stolen session alone is not enough. API tokens never carry one.
/// </summary>
public interface IRequiresFreshProof;

/// <summary>Whether the current caller proved who it is recently enough; implemented by the module that signs people in.</summary>
public interface IFreshProof
{
    bool IsFresh { get; }
}

/// <summary>The caller must confirm its password (and one-time password) first. Maps to 403 with a pointer to the confirmation.</summary>
public sealed class FreshProofRequiredException()
    : Exception("Confirm your password (and your one-time password, where you use one) first; this needs a fresh proof that it is you.");
