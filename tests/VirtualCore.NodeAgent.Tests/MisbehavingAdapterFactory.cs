using System.Reflection;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.NodeAgent.Tests;

/// <summary>
/// Hands out the inner factory's adapters behind a proxy that, for the member named in <see cref="HangOn"/>, never
/// answers (and ignores its cancellation, as a stuck native call does) and, for the one in <see cref="ThrowOn"/>,
/// throws an exception that is not the SDK's — an adapter with a bug. Every other call goes through.
/// </summary>
internal sealed class MisbehavingAdapterFactory(IHypervisorAdapterFactory inner) : IHypervisorAdapterFactory
{
    public string? HangOn { get; set; }

    public string? ThrowOn { get; set; }

    public string Name => inner.Name;

    public Version SdkVersion => inner.SdkVersion;

    public IHypervisorAdapter Create(NodeConnectionOptions options)
    {
        var proxy = DispatchProxy.Create<IHypervisorAdapter, MisbehavingProxy>();
        ((MisbehavingProxy)(object)proxy).Init(inner.Create(options), this);
        return proxy;
    }

    public class MisbehavingProxy : DispatchProxy
    {
        private IHypervisorAdapter _target = null!;
        private MisbehavingAdapterFactory _owner = null!;

        internal void Init(IHypervisorAdapter target, MisbehavingAdapterFactory owner) => (_target, _owner) = (target, owner);

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            if (targetMethod.Name == _owner.HangOn)
            {
                return new TaskCompletionSource().Task;
            }

            if (targetMethod.Name == _owner.ThrowOn)
            {
                return Task.FromException(new NullReferenceException("Object reference not set to an instance of an object."));
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
