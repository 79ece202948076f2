namespace VirtualCore.Adapters.Libvirt.Interop;

/// <summary>
/// A blocking libvirt stream: a domain's serial console, or a volume's bytes as libvirtd downloads them. A console's
/// reads may wait for the guest indefinitely, so each waits on a thread of its own (<paramref name="readsWait"/>); a
/// volume's reads return as soon as libvirtd has read the disk, so they run on the thread pool. Disposing aborts the
/// stream, which ends a read that waits.
/// </summary>
internal sealed unsafe class LibvirtStream(StreamHandle stream, bool readsWait = true) : Stream
{
    private int _closed;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (Volatile.Read(ref _closed) != 0 || buffer.Length == 0)
        {
            return 0;
        }

        fixed (byte* data = buffer)
        {
            var received = LibvirtNative.virStreamRecv(stream, data, (nuint)buffer.Length);
            if (received >= 0)
            {
                return received;
            }
        }

        // An aborted stream (this side closed) ends like the end of the stream; anything else is the link's failure.
        return Volatile.Read(ref _closed) != 0 ? 0 : throw new IOException(LibvirtError.CaptureLast().Message);
    }

    /// <summary>Waits on a thread of its own; cancelling ends the stream (a libvirt read cannot be cancelled otherwise).</summary>
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        new(ReadOnThreadAsync(buffer, cancellationToken));

    private Task<int> ReadOnThreadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var registration = cancellationToken.Register(Dispose);
        var options = readsWait ? TaskCreationOptions.LongRunning : TaskCreationOptions.None;
        return Task.Factory.StartNew(() => Read(buffer.Span), CancellationToken.None, options, TaskScheduler.Default)
            .ContinueWith(
                read =>
                {
                    registration.Dispose();
                    cancellationToken.ThrowIfCancellationRequested();
                    return read.GetAwaiter().GetResult();
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        fixed (byte* data = buffer)
        {
            var sent = 0;
            while (sent < buffer.Length)
            {
                var result = LibvirtNative.virStreamSend(stream, data + sent, (nuint)(buffer.Length - sent));
                if (result < 0)
                {
                    throw new IOException(LibvirtError.CaptureLast().Message);
                }

                sent += result;
            }
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _closed, 1) == 0)
        {
            LibvirtNative.virStreamAbort(stream);
            stream.Dispose();
        }

        base.Dispose(disposing);
    }
}
