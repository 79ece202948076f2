using System.Buffers.Binary;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;

namespace VirtualCore.Adapters.Libvirt;

/// <summary>
/// The screen of a domain on a simulated rack server (libvirt's test driver, which has none): a small RFB 3.8 server
/// (the VNC protocol, no authentication) that draws a fixed pattern and shows each key typed as a block, so that a
/// console connected to a simulated VM visibly works — keys in, pixels out — without a guest. Named as simulated in
/// its desktop name. Each domain keeps its screen while the adapter lives, as a real guest keeps what it showed.
/// </summary>
internal sealed class SimulatedScreen
{
    public const int Width = 640;
    public const int Height = 400;
    public const int Block = 16;
    private const int Top = 64;
    private const int Columns = Width / Block;
    private const int Rows = (Height - Top) / Block;

    private readonly object sync = new();
    private readonly List<uint> typed = [];
    private int version;

    public SimulatedScreen(string title) => Title = title;

    public string Title { get; }

    /// <summary>Grows with every change; a connection compares it with the version it last sent.</summary>
    public int Version
    {
        get
        {
            lock (sync)
            {
                return version;
            }
        }
    }

    /// <summary>A key pressed: printable keys add a block, BackSpace removes the last, Return starts a new line.</summary>
    public void Press(uint keysym)
    {
        lock (sync)
        {
            switch (keysym)
            {
                case 0xff08: // BackSpace
                    if (typed.Count > 0)
                    {
                        typed.RemoveAt(typed.Count - 1);
                    }

                    break;
                case 0xff0d: // Return
                    typed.Add(0xff0d);
                    break;
                case >= 0x20 and <= 0x7e:
                    typed.Add(keysym);
                    break;
                default:
                    return;
            }

            if (typed.Count > Columns * Rows)
            {
                typed.Clear();
            }

            version++;
        }
    }

    /// <summary>The screen as 0x00RRGGBB pixels, row by row.</summary>
    public uint[] Render(out int renderedVersion)
    {
        var pixels = new uint[Width * Height];
        uint[] keys;
        lock (sync)
        {
            keys = [.. typed];
            renderedVersion = version;
        }

        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                // A dark blue-grey desktop with a banner: stripes in the top band say "no real screen here".
                pixels[(y * Width) + x] = y < Top
                    ? (((x + y) / 8) % 2 == 0 ? 0x2b4c7eu : 0x1d3557u)
                    : 0x101820u;
            }
        }

        int column = 0, row = 0;
        foreach (var key in keys)
        {
            if (key == 0xff0d)
            {
                column = 0;
                row++;
                continue;
            }

            if (column == Columns)
            {
                column = 0;
                row++;
            }

            if (row >= Rows)
            {
                break;
            }

            // Each character its own colour, so a test can tell keys apart on the screen.
            var colour = 0x404040u | ((key * 0x9e3779b1u) & 0xbfbfbfu);
            for (var y = 2; y < Block - 2; y++)
            {
                for (var x = 2; x < Block - 2; x++)
                {
                    pixels[((Top + (row * Block) + y) * Width) + (column * Block) + x] = colour;
                }
            }

            column++;
        }

        return pixels;
    }

    /// <summary>Opens a connection to this screen: the caller's end of an in-memory duplex stream, RFB from its first byte.</summary>
    public Stream Connect()
    {
        var toServer = new Pipe();
        var toClient = new Pipe();
        var server = new DuplexPipeStream(toServer.Reader, toClient.Writer);
        _ = Task.Run(() => new RfbSession(this, server).RunAsync());
        return new DuplexPipeStream(toClient.Reader, toServer.Writer);
    }

    /// <summary>One client of a simulated screen.</summary>
    private sealed class RfbSession(SimulatedScreen screen, Stream stream)
    {
        private readonly SemaphoreSlim updates = new(0);
        private PixelFormat format = PixelFormat.Default;
        private int sentVersion = -1;
        private bool wanted;
        private bool full;

        public async Task RunAsync()
        {
            await using (stream.ConfigureAwait(false))
            {
                try
                {
                    await HandshakeAsync().ConfigureAwait(false);
                    var sender = SendLoopAsync();
                    try
                    {
                        await ReceiveLoopAsync().ConfigureAwait(false);
                    }
                    finally
                    {
                        lock (updates)
                        {
                            closed = true;
                        }

                        updates.Release();
                        await sender.ConfigureAwait(false);
                    }
                }
                catch (Exception e) when (e is IOException or EndOfStreamException or InvalidDataException or ObjectDisposedException or OperationCanceledException)
                {
                    // The client went away or spoke something else: the session ends, the screen stays.
                }
            }
        }

        private bool closed;

        private async Task HandshakeAsync()
        {
            await stream.WriteAsync("RFB 003.008\n"u8.ToArray()).ConfigureAwait(false);
            var version = await ReadAsync(12).ConfigureAwait(false);
            if (!Encoding.ASCII.GetString(version).StartsWith("RFB 003.", StringComparison.Ordinal))
            {
                throw new InvalidDataException("Not an RFB client.");
            }

            // One security type: None. The caller of the adapter has decided who may see the screen.
            await stream.WriteAsync(new byte[] { 1, 1 }).ConfigureAwait(false);
            if ((await ReadAsync(1).ConfigureAwait(false))[0] != 1)
            {
                throw new InvalidDataException("The client chose a security type that was not offered.");
            }

            await stream.WriteAsync(new byte[4]).ConfigureAwait(false);
            await ReadAsync(1).ConfigureAwait(false); // ClientInit: the shared flag.

            var name = Encoding.UTF8.GetBytes($"{screen.Title} (simulated rack server)");
            var init = new byte[24 + name.Length];
            BinaryPrimitives.WriteUInt16BigEndian(init, Width);
            BinaryPrimitives.WriteUInt16BigEndian(init.AsSpan(2), Height);
            PixelFormat.Default.Write(init.AsSpan(4));
            BinaryPrimitives.WriteUInt32BigEndian(init.AsSpan(20), (uint)name.Length);
            name.CopyTo(init, 24);
            await stream.WriteAsync(init).ConfigureAwait(false);
            await stream.FlushAsync().ConfigureAwait(false);
        }

        private async Task ReceiveLoopAsync()
        {
            while (true)
            {
                var type = await ReadAsync(1).ConfigureAwait(false);
                switch (type[0])
                {
                    case 0: // SetPixelFormat
                        var set = await ReadAsync(19).ConfigureAwait(false);
                        var requested = PixelFormat.Read(set.AsSpan(3));
                        if (requested.BitsPerPixel is not (8 or 16 or 32) || !requested.TrueColour)
                        {
                            throw new InvalidDataException("Only true-colour pixel formats of 8, 16 or 32 bits are served.");
                        }

                        lock (updates)
                        {
                            format = requested;
                            full = true;
                        }

                        break;
                    case 2: // SetEncodings: raw is always understood.
                        var header = await ReadAsync(3).ConfigureAwait(false);
                        await ReadAsync(4 * BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(1))).ConfigureAwait(false);
                        break;
                    case 3: // FramebufferUpdateRequest
                        var request = await ReadAsync(9).ConfigureAwait(false);
                        lock (updates)
                        {
                            wanted = true;
                            full |= request[0] == 0;
                        }

                        updates.Release();
                        break;
                    case 4: // KeyEvent
                        var key = await ReadAsync(7).ConfigureAwait(false);
                        if (key[0] != 0)
                        {
                            screen.Press(BinaryPrimitives.ReadUInt32BigEndian(key.AsSpan(3)));
                        }

                        updates.Release();
                        break;
                    case 5: // PointerEvent
                        await ReadAsync(5).ConfigureAwait(false);
                        break;
                    case 6: // ClientCutText
                        var cut = await ReadAsync(7).ConfigureAwait(false);
                        var length = BinaryPrimitives.ReadUInt32BigEndian(cut.AsSpan(3));
                        if (length > 1 << 20)
                        {
                            throw new InvalidDataException("Clipboard text over 1 MiB.");
                        }

                        await ReadAsync((int)length).ConfigureAwait(false);
                        break;
                    default:
                        throw new InvalidDataException($"Unknown RFB client message {type[0]}.");
                }
            }
        }

        private async Task SendLoopAsync()
        {
            while (true)
            {
                await updates.WaitAsync().ConfigureAwait(false);
                PixelFormat pixelFormat;
                lock (updates)
                {
                    if (closed)
                    {
                        return;
                    }

                    if (!wanted || (!full && screen.Version == sentVersion))
                    {
                        continue;
                    }

                    wanted = false;
                    full = false;
                    pixelFormat = format;
                }

                var pixels = screen.Render(out var rendered);
                sentVersion = rendered;
                await stream.WriteAsync(Encode(pixels, pixelFormat)).ConfigureAwait(false);
                await stream.FlushAsync().ConfigureAwait(false);
            }
        }

        /// <summary>A FramebufferUpdate with one raw rectangle: the whole screen in the client's pixel format.</summary>
        private static byte[] Encode(uint[] pixels, PixelFormat pixelFormat)
        {
            var bytesPerPixel = pixelFormat.BitsPerPixel / 8;
            var message = new byte[16 + (pixels.Length * bytesPerPixel)];
            BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(2), 1);
            BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(8), Width);
            BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(10), Height);
            var offset = 16;
            foreach (var pixel in pixels)
            {
                var value = pixelFormat.Pack(pixel);
                switch (bytesPerPixel)
                {
                    case 4 when pixelFormat.BigEndian:
                        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(offset), value);
                        break;
                    case 4:
                        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(offset), value);
                        break;
                    case 2 when pixelFormat.BigEndian:
                        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(offset), (ushort)value);
                        break;
                    case 2:
                        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(offset), (ushort)value);
                        break;
                    default:
                        message[offset] = (byte)value;
                        break;
                }

                offset += bytesPerPixel;
            }

            return message;
        }

        private async Task<byte[]> ReadAsync(int count)
        {
            var buffer = new byte[count];
            await stream.ReadExactlyAsync(buffer).ConfigureAwait(false);
            return buffer;
        }
    }

    /// <summary>An RFB pixel format (true colour only).</summary>
    private readonly record struct PixelFormat(
        int BitsPerPixel, bool BigEndian, bool TrueColour, int RedMax, int GreenMax, int BlueMax, int RedShift, int GreenShift, int BlueShift)
    {
        public static readonly PixelFormat Default = new(32, false, true, 255, 255, 255, 16, 8, 0);

        public static PixelFormat Read(ReadOnlySpan<byte> b) => new(
            b[0], b[2] != 0, b[3] != 0,
            BinaryPrimitives.ReadUInt16BigEndian(b[4..]), BinaryPrimitives.ReadUInt16BigEndian(b[6..]), BinaryPrimitives.ReadUInt16BigEndian(b[8..]),
            b[10], b[11], b[12]);

        public void Write(Span<byte> b)
        {
            b[0] = (byte)BitsPerPixel;
            b[1] = 24;
            b[2] = BigEndian ? (byte)1 : (byte)0;
            b[3] = TrueColour ? (byte)1 : (byte)0;
            BinaryPrimitives.WriteUInt16BigEndian(b[4..], (ushort)RedMax);
            BinaryPrimitives.WriteUInt16BigEndian(b[6..], (ushort)GreenMax);
            BinaryPrimitives.WriteUInt16BigEndian(b[8..], (ushort)BlueMax);
            b[10] = (byte)RedShift;
            b[11] = (byte)GreenShift;
            b[12] = (byte)BlueShift;
        }

        public uint Pack(uint rgb)
        {
            uint Scale(uint component, int max) => (uint)((component * max) + 127) / 255;
            return (Scale((rgb >> 16) & 0xff, RedMax) << RedShift)
                | (Scale((rgb >> 8) & 0xff, GreenMax) << GreenShift)
                | (Scale(rgb & 0xff, BlueMax) << BlueShift);
        }
    }
}

/// <summary>
/// The serial port of a domain on a simulated rack server: a line terminal that echoes what is typed and answers each
/// line, so that a serial console connected to a simulated VM visibly works without a guest.
/// </summary>
internal sealed class SimulatedSerial(string title)
{
    public string Title { get; } = title;

    /// <summary>Opens a connection: the caller's end of an in-memory duplex stream of terminal bytes.</summary>
    public Stream Connect()
    {
        var toServer = new Pipe();
        var toClient = new Pipe();
        var server = new DuplexPipeStream(toServer.Reader, toClient.Writer);
        _ = Task.Run(() => RunAsync(server));
        return new DuplexPipeStream(toClient.Reader, toServer.Writer);
    }

    private async Task RunAsync(Stream terminal)
    {
        await using (terminal.ConfigureAwait(false))
        {
            try
            {
                await WriteAsync(terminal, $"\r\n{Title} (simulated rack server): each line typed here is answered.\r\n$ ").ConfigureAwait(false);
                var line = new StringBuilder();
                var buffer = new byte[1024];
                int read;
                while ((read = await terminal.ReadAsync(buffer).ConfigureAwait(false)) > 0)
                {
                    var echo = new StringBuilder();
                    foreach (var c in Encoding.UTF8.GetString(buffer, 0, read))
                    {
                        switch (c)
                        {
                            case '\r' or '\n':
                                echo.Append(CultureInfo.InvariantCulture, $"\r\nyou typed: {line}\r\n$ ");
                                line.Clear();
                                break;
                            case '\b' or '\u007f':
                                if (line.Length > 0)
                                {
                                    line.Length--;
                                    echo.Append("\b \b");
                                }

                                break;
                            case >= ' ' when line.Length < 1000:
                                line.Append(c);
                                echo.Append(c);
                                break;
                        }
                    }

                    await WriteAsync(terminal, echo.ToString()).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
            {
                // The client went away.
            }
        }
    }

    private static async Task WriteAsync(Stream terminal, string text)
    {
        await terminal.WriteAsync(Encoding.UTF8.GetBytes(text)).ConfigureAwait(false);
        await terminal.FlushAsync().ConfigureAwait(false);
    }
}

/// <summary>One end of an in-memory duplex connection: reads from one pipe, writes to another.</summary>
internal sealed class DuplexPipeStream(PipeReader reader, PipeWriter writer) : Stream
{
    private readonly Stream input = reader.AsStream();
    private readonly Stream output = writer.AsStream();

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => input.Read(buffer, offset, count);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => input.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        input.ReadAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => output.Write(buffer, offset, count);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => output.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        output.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Flush() => output.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => output.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            input.Dispose();
            output.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await input.DisposeAsync().ConfigureAwait(false);
        await output.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
