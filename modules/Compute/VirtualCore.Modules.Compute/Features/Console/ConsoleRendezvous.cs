using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace VirtualCore.Modules.Compute.Features.Console;

/// <summary>The agent could not open the VM's screen; the reason is for the user.</summary>
public sealed class ConsoleRefusedException(string reason) : Exception(reason);

/// <summary>
/// Where a console session of this portal instance meets the rack server's screen: the session waits here under a
/// fresh id and secret, and the node agent — in this process, or dialling in over a WebSocket — delivers the screen's
/// stream or a refusal under that id, proving the secret. Each id is delivered once.
/// </summary>
public sealed class ConsoleRendezvous
{
    private readonly ConcurrentDictionary<Guid, Pending> _pending = new();

    /// <summary>Registers a session; <see cref="Pending.Screen"/> completes when its agent delivers.</summary>
    public Pending Expect()
    {
        var pending = new Pending(Guid.NewGuid(), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        _pending[pending.SessionId] = pending;
        return pending;
    }

    public void Forget(Pending pending) => _pending.TryRemove(new KeyValuePair<Guid, Pending>(pending.SessionId, pending));

    /// <summary>
    /// Takes the waiting session with this id if the secret is its own; null (and nothing taken) otherwise. The one who
    /// claims it must deliver a screen or a refusal to it.
    /// </summary>
    public Pending? Claim(Guid sessionId, string secret)
    {
        if (!_pending.TryGetValue(sessionId, out var pending)
            || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(pending.Secret)))
        {
            return null;
        }

        return _pending.TryRemove(new KeyValuePair<Guid, Pending>(sessionId, pending)) ? pending : null;
    }

    public sealed class Pending(Guid sessionId, string secret)
    {
        internal TaskCompletionSource<Stream> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Guid SessionId { get; } = sessionId;

        public string Secret { get; } = secret;

        public Task<Stream> Screen => Completion.Task;

        /// <summary>Hands over the screen; false when the session stopped waiting (the caller then disposes it).</summary>
        public bool Deliver(Stream screen) => Completion.TrySetResult(screen);

        public void Refuse(string reason) => Completion.TrySetException(new ConsoleRefusedException(reason));
    }
}
