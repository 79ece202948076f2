using System.Text;

namespace VirtualCore.Adapters.Libvirt.QemuTests;

/// <summary>The consoles of a real guest through libvirt: its serial port runs a shell that answers what is typed.</summary>
[Collection(QemuNodeCollection.Name)]
public sealed class QemuConsoleTests(QemuNodeFixture node)
{
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_command_typed_on_the_serial_console_runs_in_the_guest_and_its_output_comes_back()
    {
        var guest = await TinyGuest.DefineAsync(node, "serial");
        await using (guest)
        {
            await node.Adapter.StartDomainAsync(guest.Id, CancellationToken.None);
            await guest.WaitForSerialAsync(TinyGuest.ReadyMarker, BootTimeout);

            await using var serial = await node.Adapter.OpenSerialConsoleAsync(guest.Id, CancellationToken.None);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await serial.WriteAsync("echo VCORE-SERIAL-$((6*7))\r"u8.ToArray(), timeout.Token);

            // The shell echoes the command line (with "$((6*7))") and then prints the result: only the result has "-42".
            var seen = new StringBuilder();
            var buffer = new byte[4096];
            while (!seen.ToString().Contains("VCORE-SERIAL-42", StringComparison.Ordinal))
            {
                var read = await serial.ReadAsync(buffer, timeout.Token).AsTask().WaitAsync(timeout.Token);
                Assert.True(read > 0, $"The serial console ended before the answer came. Seen:\n{seen}");
                seen.Append(Encoding.UTF8.GetString(buffer, 0, read));
            }

            // The console's log is written by QEMU beside the stream: it has the answer too, a moment later at most.
            await guest.WaitForSerialAsync("VCORE-SERIAL-42", TimeSpan.FromSeconds(30));
        }
    }
}
