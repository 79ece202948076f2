using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace VirtualCore.Portal.Tests;

/// <summary>
/// A self-hosted portal reports to no one outside: MassTransit's usage telemetry, on by default and sent to its
/// vendor's server, is switched off in the portal's bus.
/// </summary>
public sealed class NoUsageReportTests : IAsyncLifetime
{
    private readonly PortalFixture _portal = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public void The_bus_sends_no_usage_telemetry()
    {
        _ = _portal.Demo();
        Assert.False(_portal.Services.GetRequiredService<IOptions<UsageTelemetryOptions>>().Value.Enabled);
    }
}
