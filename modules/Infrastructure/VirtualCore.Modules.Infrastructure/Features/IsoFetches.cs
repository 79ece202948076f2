using System.Net;
using System.Net.Http.Headers;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Persistence;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Modules.Infrastructure.Domain;

namespace VirtualCore.Modules.Infrastructure.Features;

/// <summary>
/// The provider adds an image to the library from a URL (http or https) with the SHA-256 its publisher gives: a portal
/// instance fetches it in the background, resuming with a Range request where it stopped, and the image becomes ready
/// only with that checksum and as an ISO 9660 or UDF image.
/// </summary>
public sealed record AddIsoImageFromUrl(string? Url, string? Sha256, string? Title) : ICommand<IsoFetchView>;

/// <summary>The library's fetches in progress and failed ones, newest first (the provider's).</summary>
public sealed record ListIsoFetches : IQuery<IReadOnlyList<IsoFetchView>>;

/// <param name="Name">The image's short name, what <c>isoName</c> takes once it is ready.</param>
/// <param name="Title">What users see.</param>
/// <param name="Url">Where it is fetched from.</param>
/// <param name="State">"fetching", "failed" or "ready".</param>
/// <param name="Received">Bytes arrived so far.</param>
/// <param name="SizeBytes">The file's size once the server said it; 0 before.</param>
/// <param name="Problem">Why it failed.</param>
public sealed record IsoFetchView(string Name, string Title, string Url, string State, long Received, long SizeBytes, string? Problem);

internal sealed class AddIsoImageFromUrlHandler(PortalDbContext db, ITenantContext tenant, IOptions<InfrastructureOptions> options, TimeProvider clock, ISecurityAudit audit)
    : ICommandHandler<AddIsoImageFromUrl, IsoFetchView>
{
    public const int MaxUrlLength = 2000;

    public ValueTask<IsoFetchView> Handle(AddIsoImageFromUrl command, CancellationToken cancellationToken)
    {
        if (!tenant.IsOperator)
        {
            throw new ForbiddenException("The provider adds images from a URL; customers upload theirs.");
        }

        var errors = new List<FieldError>();
        var url = command.Url?.Trim() ?? "";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || url.Length > MaxUrlLength
            || !string.IsNullOrEmpty(uri.UserInfo) || url.Any(char.IsControl))
        {
            errors.Add(new("url", $"Give the image's http or https address (at most {MaxUrlLength} characters, no user name or password in it)."));
        }

        if (command.Sha256 is not { Length: > 0 } sha || !IsoVisibility.Sha256Hex().IsMatch(sha))
        {
            errors.Add(new(IsoUploadFields.Sha256, "Give the SHA-256 its publisher lists (64 hexadecimal digits): a fetched image must prove it is the one meant."));
        }

        var fileName = uri is null ? "" : Uri.UnescapeDataString(uri.Segments.LastOrDefault() ?? "").Trim('/');
        var title = string.IsNullOrWhiteSpace(command.Title)
            ? (fileName.EndsWith(".iso", StringComparison.OrdinalIgnoreCase) ? fileName[..^4] : fileName)
            : command.Title.Trim();
        if (title.Length is 0 or > StartIsoUploadHandler.MaxTitleLength || title.Any(char.IsControl))
        {
            errors.Add(new(IsoUploadFields.Title, $"Give a title of at most {StartIsoUploadHandler.MaxTitleLength} characters."));
        }

        if (errors.Count > 0)
        {
            throw new RequestValidationException(errors);
        }

        var id = Guid.NewGuid();
        var image = new IsoImage
        {
            Id = id,
            Name = StartIsoUploadHandler.NameOf(fileName.Length > 0 ? fileName : title, id),
            Title = title,
            Path = Path.Combine(options.Value.IsoLibrary.Path!, $"{id:N}.iso.part"),
            State = IsoStates.Fetching,
            SourceUrl = uri!.AbsoluteUri,
            ExpectedSha256 = command.Sha256!.ToLowerInvariant(),
            CreatedBy = tenant.UserName,
            CreatedByUserId = tenant.UserId,
            CreatedAt = clock.GetUtcNow(),
        };
        db.Add(image);
        audit.Record("iso.fetch", image.Name, $"{image.Title} from {image.SourceUrl}");
        return ValueTask.FromResult(IsoFetches.View(image));
    }
}

internal sealed class ListIsoFetchesHandler(PortalDbContext db, ITenantContext tenant) : IQueryHandler<ListIsoFetches, IReadOnlyList<IsoFetchView>>
{
    public async ValueTask<IReadOnlyList<IsoFetchView>> Handle(ListIsoFetches query, CancellationToken cancellationToken)
    {
        if (!tenant.IsOperator)
        {
            return [];
        }

        var rows = await db.Set<IsoImage>().AsNoTracking().Where(i => i.SourceUrl != null && (i.State == IsoStates.Fetching || i.State == IsoStates.Failed))
            .OrderByDescending(i => i.CreatedAt).Take(100).ToListAsync(cancellationToken);
        return rows.Select(IsoFetches.View).ToArray();
    }
}

internal static class IsoFetches
{
    public static IsoFetchView View(IsoImage image) =>
        new(image.Name, image.Title, image.SourceUrl ?? "", image.State, image.UploadOffset, image.SizeBytes, image.Problem);
}

/// <summary>
/// Fetches the images the provider added by URL, one at a time per portal instance. A fetch is claimed for
/// <see cref="IsoLibraryOptions.FetchClaim"/> and the claim renewed with its progress, so when an instance stops,
/// another goes on from the bytes already in the (shared) library directory with a Range request.
/// </summary>
internal sealed class IsoFetcher(IServiceScopeFactory scopes, IsoUploadWriter writer, IOptions<InfrastructureOptions> options, TimeProvider clock, ILogger<IsoFetcher> logger)
    : BackgroundService
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler
    {
        AutomaticDecompression = DecompressionMethods.None,
        AllowAutoRedirect = true,
        MaxAutomaticRedirections = 5,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    private IsoLibraryOptions Library => options.Value.IsoLibrary;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await ClaimAsync(stoppingToken) is { } image)
                {
                    await FetchAsync(image, stoppingToken);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Looking for images to fetch failed; trying again");
            }

            await Task.Delay(Library.FetchPollInterval, clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>Takes a fetch nobody holds; a lost race with another instance (its version changed) takes none.</summary>
    private async Task<IsoImage?> ClaimAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var now = clock.GetUtcNow();
        var image = await db.Set<IsoImage>().Where(i => i.State == IsoStates.Fetching && (i.ClaimedUntil == null || i.ClaimedUntil < now))
            .OrderBy(i => i.CreatedAt).FirstOrDefaultAsync(cancellationToken);
        if (image is null)
        {
            return null;
        }

        image.ClaimedUntil = now + Library.FetchClaim;
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return image;
        }
        catch (DbUpdateConcurrencyException)
        {
            return null;
        }
    }

    private async Task FetchAsync(IsoImage image, CancellationToken stoppingToken)
    {
        var id = image.Id;
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(image.Path)!);
            var have = File.Exists(image.Path) ? new FileInfo(image.Path).Length : 0;
            if (!File.Exists(image.Path))
            {
                await using (File.Create(image.Path))
                {
                }
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, image.SourceUrl);
            if (have > 0)
            {
                request.Headers.Range = new RangeHeaderValue(have, null);
            }

            using var firstAnswer = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            firstAnswer.CancelAfter(Library.FetchTimeout);
            using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, firstAnswer.Token);
            var from = response.StatusCode == HttpStatusCode.PartialContent && response.Content.Headers.ContentRange?.From == have ? have : 0;
            if (!response.IsSuccessStatusCode)
            {
                await FailAsync(id, $"The server answered {(int)response.StatusCode} {response.ReasonPhrase} for {image.SourceUrl}.");
                return;
            }

            var length = from + (response.Content.Headers.ContentLength ?? -1);
            if (response.Content.Headers.ContentLength is null)
            {
                await FailAsync(id, "The server did not say how large the file is (no Content-Length); the portal fetches only files of a known size.");
                return;
            }

            if (length > Library.MaxImageBytes)
            {
                await FailAsync(id, $"The file has {length:N0} bytes; an image may have at most {Library.MaxImageBytes:N0} (Infrastructure:IsoLibrary:MaxImageBytes).");
                return;
            }

            if (length < StartIsoUploadHandler.MinimumLength)
            {
                await FailAsync(id, $"The file has {length:N0} bytes: too small for an ISO image.");
                return;
            }

            await UpdateAsync(id, i =>
            {
                i.SizeBytes = length;
                i.UploadOffset = from;
            });

            await using var body = await response.Content.ReadAsStreamAsync(stoppingToken);
            await using var watched = new ProgressStream(body, Library.FetchTimeout, TimeSpan.FromSeconds(1), received => UpdateAsync(id, i =>
            {
                i.UploadOffset = from + received;
                i.ClaimedUntil = clock.GetUtcNow() + Library.FetchClaim;
            }), stoppingToken);
            var appended = await writer.AppendAsync(id, from, length, watched, watched.Cancellation);
            writer.Forget(id);
            if (stoppingToken.IsCancellationRequested)
            {
                await UpdateAsync(id, i =>
                {
                    i.UploadOffset = appended.To;
                    i.ClaimedUntil = null;
                });
                return;
            }

            if (appended.FormatProblem is { } problem)
            {
                await FailAsync(id, problem);
            }
            else if (appended.To < length)
            {
                // The connection broke or stalled: the next round goes on from here.
                await UpdateAsync(id, i =>
                {
                    i.UploadOffset = appended.To;
                    i.ClaimedUntil = null;
                });
            }
            else if (appended.Sha256 != image.ExpectedSha256)
            {
                await FailAsync(id, $"The file's SHA-256 is {appended.Sha256}, not the {image.ExpectedSha256} given: it is another file or was damaged. Check the URL and the checksum.");
            }
            else
            {
                var finished = LibraryFiles.Finish(image.Path);
                if (finished.Problem is not null)
                {
                    await UpdateAsync(id, i => i.Path = finished.Path);
                    await FailAsync(id, finished.Problem);
                    return;
                }

                await UpdateAsync(id, i =>
                {
                    i.Path = finished.Path;
                    i.Format = finished.Format;
                    i.VirtualSizeBytes = finished.VirtualSizeBytes;
                    i.ApplianceVCpus = finished.Hardware?.VCpus;
                    i.ApplianceMemoryMiB = finished.Hardware?.MemoryMiB;
                    i.State = IsoStates.Ready;
                    i.Sha256 = appended.Sha256;
                    i.UploadOffset = length;
                    i.ClaimedUntil = null;
                });
                logger.LogInformation("Image {Name} fetched from {Url}: {Bytes} bytes", image.Name, image.SourceUrl, length);
            }
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException && !stoppingToken.IsCancellationRequested)
        {
            await FailAsync(id, $"The file could not be fetched from {image.SourceUrl}: {e.Message}");
        }
        catch (DbUpdateConcurrencyException)
        {
            // Removed while it was fetched: nothing to record.
            IsoFiles.Delete(image.Path);
        }
    }

    private async Task FailAsync(Guid id, string problem)
    {
        writer.Forget(id);
        string? path = null;
        await UpdateAsync(id, i =>
        {
            path = i.Path;
            i.State = IsoStates.Failed;
            i.Problem = problem.Length > 1000 ? problem[..1000] : problem;
            i.ClaimedUntil = null;
        });
        if (path is not null)
        {
            IsoFiles.Delete(path);
        }

        logger.LogWarning("Fetching image {Id} failed: {Problem}", id, problem);
    }

    /// <summary>Changes the row; when the provider removed it meanwhile, the fetch ends (the file goes with it).</summary>
    private async Task UpdateAsync(Guid id, Action<IsoImage> change)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var image = await db.Set<IsoImage>().SingleOrDefaultAsync(i => i.Id == id, CancellationToken.None)
            ?? throw new DbUpdateConcurrencyException("The image was removed while it was fetched.");
        change(image);
        await db.SaveChangesAsync(CancellationToken.None);
    }
}

/// <summary>
/// A response body that reports how much was read at most once per interval, and ends the read (through
/// <see cref="Cancellation"/>) when no byte arrived for a while or the report failed (the image was removed).
/// </summary>
internal sealed class ProgressStream(Stream inner, TimeSpan stallTimeout, TimeSpan reportInterval, Func<long, Task> report, CancellationToken stopping) : Stream
{
    private readonly CancellationTokenSource _cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping);
    private long _read;
    private long _lastReport = Environment.TickCount64;

    public CancellationToken Cancellation => _cancel.Token;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _cancel.CancelAfter(stallTimeout);
        var read = await inner.ReadAsync(buffer, _cancel.Token);
        _read += read;
        if (Environment.TickCount64 - _lastReport >= reportInterval.TotalMilliseconds)
        {
            _lastReport = Environment.TickCount64;
            try
            {
                await report(_read);
            }
            catch (DbUpdateConcurrencyException)
            {
                await _cancel.CancelAsync();
                throw new OperationCanceledException("The image was removed while it was fetched.");
            }
        }

        return read;
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _cancel.Dispose();
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
