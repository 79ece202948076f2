using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt;

/// <summary>
/// qemu-img on this node, for the conversions libvirt cannot report progress of (or cannot do: a recovery point's disk
/// state). Arguments go to the process as they are, never through a shell; the image format is always named (<c>-f</c>),
/// never probed, so an image cannot pass itself off as a format with a backing file.
/// </summary>
internal static partial class QemuImg
{
    /// <summary>Runs qemu-img with <paramref name="arguments"/>; its "-p" percentages go to <paramref name="progress"/>.</summary>
    /// <param name="what">What it does, for the error ("export /var/lib/…").</param>
    public static async Task RunAsync(IReadOnlyList<string> arguments, IProgress<int>? progress, string what, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("qemu-img")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("qemu-img did not start.");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new HypervisorAdapterException(AdapterErrorCode.NotSupported, $"qemu-img is not installed on this node: {e.Message}", innerException: e);
        }

        using (process)
        {
            var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
            try
            {
                await ReadProgressAsync(process.StandardOutput, progress, cancellationToken).ConfigureAwait(false);
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            if (process.ExitCode != 0)
            {
                var error = (await errors.ConfigureAwait(false)).Trim();
                throw new HypervisorAdapterException(
                    AdapterErrorCode.OperationFailed, $"qemu-img could not {what}: {(error.Length > 500 ? error[..500] : error)}");
            }
        }
    }

    /// <summary>qemu-img's "-p" writes "    (12.34/100%)" and a carriage return as it goes.</summary>
    private static async Task ReadProgressAsync(StreamReader output, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var buffer = new char[256];
        var line = new StringBuilder();
        var last = -1;
        int read;
        while ((read = await output.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            foreach (var ch in buffer.AsSpan(0, read))
            {
                if (ch is not ('\r' or '\n'))
                {
                    line.Append(ch);
                    continue;
                }

                if (Percent().Match(line.ToString()) is { Success: true } match
                    && double.TryParse(match.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var percent)
                    && (int)percent is var whole && whole > last && whole < 100)
                {
                    last = whole;
                    progress?.Report(whole);
                }

                line.Clear();
            }
        }
    }

    [GeneratedRegex(@"\(\s*([0-9]+(?:\.[0-9]+)?)/100%\)")]
    private static partial Regex Percent();
}

/// <summary>The progress of one of <paramref name="count"/> equal steps, reported as the percent of them all.</summary>
internal sealed class StepProgress(IProgress<int>? total, int step, int count) : IProgress<int>
{
    public void Report(int value) => total?.Report(((step * 100) + Math.Clamp(value, 0, 100)) / Math.Max(1, count));
}
