using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt.QemuTests;

/// <summary>Domain events from a real QEMU guest, in the SDK's words: QEMU's own start-up resume is not passed on, a real one is.</summary>
[Collection(QemuNodeCollection.Name)]
public sealed class QemuDomainEventTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private readonly QemuNodeFixture node;

    public QemuDomainEventTests(QemuNodeFixture node) => this.node = node;

    [Fact]
    public async Task Start_pause_resume_and_an_acpi_shutdown_are_reported_as_they_happen()
    {
        var guest = await TinyGuest.DefineAsync(node, "events");
        await using (guest)
        {
            using var timeout = new CancellationTokenSource(Patience);
            var seen = new List<DomainEventKind>();
            var events = node.Adapter.WatchDomainEventsAsync(timeout.Token).GetAsyncEnumerator(timeout.Token);

            // The first MoveNextAsync registers the watch. The adapter serves one call at a time, in order, so the
            // registration is in place before the start below.
            var next = events.MoveNextAsync().AsTask();
            try
            {
                await node.Adapter.StartDomainAsync(guest.Id, CancellationToken.None);
                await guest.WaitForSerialAsync(TinyGuest.ReadyMarker, TimeSpan.FromSeconds(60));
                await node.Adapter.PauseDomainAsync(guest.Id, CancellationToken.None);
                await node.Adapter.ResumeDomainAsync(guest.Id, CancellationToken.None);
                await node.Adapter.ShutdownDomainAsync(guest.Id, CancellationToken.None);
                while (!seen.Contains(DomainEventKind.Stopped))
                {
                    Assert.True(await next, $"The event stream ended after {string.Join(", ", seen)}.");
                    if (events.Current.DomainId == guest.Id)
                    {
                        seen.Add(events.Current.Kind);
                    }

                    next = events.MoveNextAsync().AsTask();
                }
            }
            finally
            {
                await timeout.CancelAsync();
                try
                {
                    await next;
                }
                catch (OperationCanceledException)
                {
                }

                await events.DisposeAsync();
            }

            Assert.Equal(
                [DomainEventKind.Started, DomainEventKind.Paused, DomainEventKind.Resumed, DomainEventKind.ShuttingDown, DomainEventKind.Stopped],
                seen);
        }
    }
}
