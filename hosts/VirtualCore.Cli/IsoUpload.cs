using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace VirtualCore.Cli;

/// <summary>
/// An ISO image to the portal by its tus 1.0.0 endpoint (<c>/api/v1/isos/uploads</c>): the file's SHA-256 first (the
/// portal keeps the image only with that checksum), then the bytes in pieces, each at the offset the portal last
/// confirmed. A piece that fails on the way is sent again from where the portal says it is; an upload cut off (vcore
/// stopped, the network gone) goes on with <c>--resume</c> and the upload's address.
/// </summary>
public sealed class IsoUpload(PortalClient client, string file, IProgress<(string Stage, long Done, long Total)> progress)
{
    public const int PieceBytes = 8 * 1024 * 1024;
    private const int Retries = 5;

    /// <summary>The finished image: its name for new vServers and the SHA-256 the portal computed.</summary>
    public sealed record Result(string Name, string Sha256, long Bytes, string Upload);

    public async Task<Result> RunAsync(string? title, string? resume, Action<string> started, CancellationToken ct)
    {
        var length = new FileInfo(file).Length;
        string location;
        long offset;
        if (resume is { Length: > 0 })
        {
            location = resume.StartsWith("/", StringComparison.Ordinal) || resume.Contains("://", StringComparison.Ordinal) ? resume : $"/api/v1/isos/uploads/{resume}";
            offset = await OffsetAsync(location, ct);
        }
        else
        {
            var sha256 = await HashAsync(length, ct);
            using var create = Tus(HttpMethod.Post, "api/v1/isos/uploads");
            create.Headers.Add("Upload-Length", length.ToString(CultureInfo.InvariantCulture));
            var metadata = new List<string> { $"filename {Base64(Path.GetFileName(file))}", $"sha256 {Base64(sha256)}" };
            if (title is { Length: > 0 })
            {
                metadata.Add($"title {Base64(title)}");
            }

            create.Headers.Add("Upload-Metadata", string.Join(',', metadata));
            using var created = await client.SendRawAsync(create, ct);
            location = created.Headers.Location?.OriginalString ?? throw new CliException(ExitCodes.Failed, "The portal began the upload but gave no address for it.");
            offset = 0;
        }

        started(location);
        var buffer = new byte[PieceBytes];
        await using var input = File.OpenRead(file);
        var failures = 0;
        HttpResponseMessage? last = null;
        try
        {
            while (offset < length || last is null)
            {
                input.Position = offset;
                var count = await input.ReadAtLeastAsync(buffer, (int)Math.Min(PieceBytes, length - offset), throwOnEndOfStream: false, ct);
                using var piece = Tus(HttpMethod.Patch, location);
                piece.Headers.Add("Upload-Offset", offset.ToString(CultureInfo.InvariantCulture));
                piece.Content = new ByteArrayContent(buffer, 0, count);
                piece.Content.Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");
                try
                {
                    last?.Dispose();
                    last = await client.SendRawAsync(piece, ct);
                    offset = long.Parse(last.Headers.GetValues("Upload-Offset").Single(), CultureInfo.InvariantCulture);
                    failures = 0;
                }
                catch (CliException ex) when (ex.ExitCode == ExitCodes.Unreachable && ++failures <= Retries && !ct.IsCancellationRequested)
                {
                    // The piece may or may not have arrived: ask where the upload is and go on from there.
                    await Task.Delay(TimeSpan.FromSeconds(failures), ct);
                    offset = await OffsetAsync(location, ct);
                }

                progress.Report(("Uploading", offset, length));
            }

            var name = last.Headers.TryGetValues("X-Iso-Name", out var names) ? names.Single() : throw new CliException(ExitCodes.Failed, "The portal took every byte but did not say the image is ready.");
            var checksum = last.Headers.TryGetValues("X-Iso-Sha256", out var sums) ? sums.Single() : "";
            return new Result(name, checksum, length, location);
        }
        finally
        {
            last?.Dispose();
        }
    }

    private async Task<long> OffsetAsync(string location, CancellationToken ct)
    {
        using var head = Tus(HttpMethod.Head, location);
        using var answer = await client.SendRawAsync(head, ct);
        return long.Parse(answer.Headers.GetValues("Upload-Offset").Single(), CultureInfo.InvariantCulture);
    }

    private async Task<string> HashAsync(long length, CancellationToken ct)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1024 * 1024];
        await using var input = File.OpenRead(file);
        long done = 0;
        int read;
        while ((read = await input.ReadAsync(buffer, ct)) > 0)
        {
            sha.AppendData(buffer, 0, read);
            done += read;
            progress.Report(("Checksum", done, length));
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static HttpRequestMessage Tus(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path.TrimStart('/'));
        request.Headers.Add("Tus-Resumable", "1.0.0");
        return request;
    }

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
}
