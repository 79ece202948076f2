using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using VirtualCore.Framework.Mediation;

namespace VirtualCore.Modules.Infrastructure.Features;

/// <summary>What one PATCH put into an upload's file.</summary>
/// <param name="To">The offset after the bytes written.</param>
/// <param name="Sha256">The whole file's SHA-256 when its last byte arrived; else null.</param>
/// <param name="FormatProblem">Why the file is no ISO image, when its descriptors arrived with this request and were wrong.</param>
/// <param name="Overflow">The request carried more bytes than the upload's length; the surplus was not written.</param>
/// <param name="Aborted">The request's body ended early (the client went away); what arrived until then was kept.</param>
internal sealed record IsoAppendResult(long To, string? Sha256, string? FormatProblem, bool Overflow, bool Aborted);

/// <summary>
/// Streams request bodies into upload files with constant memory (one 1 MiB buffer each), keeping each upload's
/// running SHA-256 between its requests, so the finished file is never read again. After a restart, or when another
/// instance took the previous part, the hash is rebuilt from what the file holds.
/// </summary>
internal sealed class IsoUploadWriter(IOptions<InfrastructureOptions> options)
{
    private const int BufferSize = 1 << 20;

    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _locks = new();
    private readonly ConcurrentDictionary<Guid, (long Offset, IncrementalHash Hash)> _hashes = new();

    public string PathOf(Guid id) => Path.Combine(options.Value.IsoLibrary.Path!, $"{id:N}.iso.part");

    /// <summary>Writes <paramref name="body"/> at <paramref name="offset"/>, at most up to <paramref name="length"/>.</summary>
    /// <exception cref="ConflictException">Another request is writing to the same upload.</exception>
    public async Task<IsoAppendResult> AppendAsync(Guid id, long offset, long length, Stream body, CancellationToken cancellationToken)
    {
        var gate = _locks.GetOrAdd(id, _ => new SemaphoreSlim(1, 1));
        if (!await gate.WaitAsync(0, cancellationToken))
        {
            throw new ConflictException("Another request is writing to this upload; wait for it, ask where the upload is (HEAD) and go on from there.");
        }

        try
        {
            var path = PathOf(id);
            var hash = await HashUpToAsync(id, path, offset, cancellationToken);
            long written = 0;
            var overflow = false;
            var aborted = false;
            var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            try
            {
                await using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.Read, 1, FileOptions.Asynchronous);
                file.SetLength(offset);
                file.Position = offset;
                try
                {
                    while (true)
                    {
                        var room = (int)Math.Min(BufferSize, length - offset - written);
                        if (room == 0)
                        {
                            overflow = await body.ReadAsync(buffer.AsMemory(0, 1), cancellationToken) > 0;
                            break;
                        }

                        var read = await body.ReadAsync(buffer.AsMemory(0, room), cancellationToken);
                        if (read == 0)
                        {
                            break;
                        }

                        await file.WriteAsync(buffer.AsMemory(0, read), CancellationToken.None);
                        hash.AppendData(buffer, 0, read);
                        written += read;
                    }
                }
                catch (Exception e) when (e is IOException or OperationCanceledException or BadHttpRequestException)
                {
                    // The client went away or its connection broke: what arrived is kept, the client resumes from it.
                    aborted = true;
                }

                await file.FlushAsync(CancellationToken.None);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            var to = offset + written;
            var needed = IsoFormat.BytesNeeded(length);
            var formatProblem = offset < needed && to >= needed ? IsoFormat.Check(path) : null;
            string? sha256 = null;
            if (to == length || formatProblem is not null)
            {
                _hashes.TryRemove(id, out _);
                sha256 = to == length ? Convert.ToHexStringLower(hash.GetHashAndReset()) : null;
                hash.Dispose();
            }
            else
            {
                _hashes[id] = (to, hash);
            }

            return new IsoAppendResult(to, sha256, formatProblem, overflow, aborted);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Forgets an upload that ended.</summary>
    public void Forget(Guid id)
    {
        if (_hashes.TryRemove(id, out var entry))
        {
            entry.Hash.Dispose();
        }

        _locks.TryRemove(id, out _);
    }

    private async Task<IncrementalHash> HashUpToAsync(Guid id, string path, long offset, CancellationToken cancellationToken)
    {
        if (_hashes.TryRemove(id, out var kept))
        {
            if (kept.Offset == offset)
            {
                return kept.Hash;
            }

            kept.Hash.Dispose();
        }

        var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        if (offset == 0)
        {
            return hash;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
            var left = offset;
            while (left > 0)
            {
                var read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(BufferSize, left)), cancellationToken);
                if (read == 0)
                {
                    throw new IOException($"The upload's file ends before byte {offset:N0}.");
                }

                hash.AppendData(buffer, 0, read);
                left -= read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return hash;
    }
}
