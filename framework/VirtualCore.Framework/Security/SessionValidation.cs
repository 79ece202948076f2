using System.Security.Claims;

namespace VirtualCore.Framework.Security;

/// <summary>
/// Whether a signed-in principal still stands: its user enabled, its role unchanged, its credentials not changed and
/// its session not ended since it was issued. Implemented by the module that signs people in; asked on every request
/// (with a short cache) and for every live connection.
/// </summary>
public interface ISessionValidator
{
    ValueTask<bool> IsCurrentAsync(ClaimsPrincipal principal, CancellationToken cancellationToken);
}
