using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace VirtualCore.Plugins.Sdk.Testing;

/// <summary>
/// A fact that may decide at run time that it does not apply to the adapter under test (throwing
/// <see cref="ConformanceSkipException"/>). xunit 2 has no run-time skip of its own, so the test case below
/// reports such a test as skipped, with the reason, instead of failed or passed.
/// </summary>
[XunitTestCaseDiscoverer("VirtualCore.Plugins.Sdk.Testing.ConformanceFactDiscoverer", "VirtualCore.Plugins.Sdk.Testing")]
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class ConformanceFactAttribute : FactAttribute
{
}

/// <summary>Thrown by a conformance test that does not apply to the adapter; reported as skipped with <see cref="Exception.Message"/>.</summary>
public sealed class ConformanceSkipException(string reason) : Exception(reason);

/// <summary>Finds <see cref="ConformanceFactAttribute"/> tests; used by xunit.</summary>
public sealed class ConformanceFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        yield return new ConformanceTestCase(
            diagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod);
    }
}

/// <summary>A test case whose <see cref="ConformanceSkipException"/> becomes a skip; used by xunit.</summary>
public sealed class ConformanceTestCase : XunitTestCase
{
    /// <summary>For xunit's deserialisation only.</summary>
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public ConformanceTestCase()
    {
    }

    public ConformanceTestCase(IMessageSink diagnosticMessageSink, TestMethodDisplay display, TestMethodDisplayOptions displayOptions, ITestMethod testMethod)
        : base(diagnosticMessageSink, display, displayOptions, testMethod)
    {
    }

    public override async Task<RunSummary> RunAsync(
        IMessageSink diagnosticMessageSink,
        IMessageBus messageBus,
        object[] constructorArguments,
        ExceptionAggregator aggregator,
        CancellationTokenSource cancellationTokenSource)
    {
        using var bus = new SkippingMessageBus(messageBus);
        var summary = await base.RunAsync(diagnosticMessageSink, bus, constructorArguments, aggregator, cancellationTokenSource).ConfigureAwait(false);
        summary.Failed -= bus.Skipped;
        summary.Skipped += bus.Skipped;
        return summary;
    }

    private sealed class SkippingMessageBus(IMessageBus inner) : IMessageBus
    {
        private static readonly string SkipType = typeof(ConformanceSkipException).FullName!;

        internal int Skipped { get; private set; }

        public bool QueueMessage(IMessageSinkMessage message)
        {
            if (message is ITestFailed failed && failed.ExceptionTypes.FirstOrDefault() == SkipType)
            {
                Skipped++;
                return inner.QueueMessage(new TestSkipped(failed.Test, failed.Messages.FirstOrDefault() ?? "Does not apply to this adapter."));
            }

            return inner.QueueMessage(message);
        }

        // The inner bus belongs to xunit.
        public void Dispose()
        {
        }
    }
}
