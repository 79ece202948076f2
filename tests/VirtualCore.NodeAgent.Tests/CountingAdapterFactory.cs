using System.Reflection;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.NodeAgent.Tests;

/// <summary>
/// Hands out the inner factory's adapters behind a proxy that counts the address reads and the presses of the ACPI
/// power button, and lets a guest miss the first <paramref name="missedPresses"/> presses (as one still booting does).
/// </summary>
internal sealed class CountingAdapterFactory(IHypervisorAdapterFactory inner, int missedPresses = 0) : IHypervisorAdapterFactory
{
    private int _addressReads;
    private int _shutdownPresses;

    public int AddressReads => Volatile.Read(ref _addressReads);

    public int ShutdownPresses => Volatile.Read(ref _shutdownPresses);

    private int MissedPresses => missedPresses;

    public string Name => inner.Name;

    public Version SdkVersion => inner.SdkVersion;

    public IHypervisorAdapter Create(NodeConnectionOptions options)
    {
        var proxy = DispatchProxy.Create<IHypervisorAdapter, CountingProxy>();
        ((CountingProxy)(object)proxy).Init(inner.Create(options), this);
        return proxy;
    }

    public class CountingProxy : DispatchProxy
    {
        private IHypervisorAdapter _target = null!;
        private CountingAdapterFactory _owner = null!;

        internal void Init(IHypervisorAdapter target, CountingAdapterFactory owner) => (_target, _owner) = (target, owner);

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            if (targetMethod.Name == nameof(IHypervisorAdapter.GetInterfaceAddressesAsync))
            {
                Interlocked.Increment(ref _owner._addressReads);
            }

            if (targetMethod.Name == nameof(IHypervisorAdapter.ShutdownDomainAsync) && Interlocked.Increment(ref _owner._shutdownPresses) <= _owner.MissedPresses)
            {
                return Task.CompletedTask;
            }

            try
            {
                return targetMethod.Invoke(_target, args);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
                throw;
            }
        }
    }
}
