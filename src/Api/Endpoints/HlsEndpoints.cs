using Broadcast.Api.Cluster;
using Broadcast.Api.Hls;
using Broadcast.Api.Logging;
using Broadcast.Api.Security;
using Broadcast.Transcode;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Broadcast.Api.Endpoints;

/// <summary>
/// GET/HEAD /hls/{channelId}/{**file}: playlists and segments written by FFmpeg, confined to the channel's folder,
/// readable from any origin (players live on other sites), with byte ranges; 404 for a channel that is neither defined
/// nor live here (see <see cref="HlsViewerAccess"/>), 503 with Retry-After when that cannot be checked. Public, unless
/// the channel's definition asks for signed URLs: then <c>?expires=…&amp;sig=…</c> (see <see cref="HlsUrlSigner"/>) is
/// required and carried into the playlists' URIs (403 when missing, expired or wrong).
/// A live Low-Latency channel's playlist, parts and recent segments come from memory (see <see cref="LiveHls"/>):
/// blocking reloads, delta updates and preload-hinted parts.
/// </summary>
public static class HlsEndpoints
{
    public const string Route = "/hls/{channelId}/{**file}";

    // Playlists change every segment; segments never change once listed. A signed channel's files are for the viewer's
    // own cache only: a shared cache would hand them to anyone (and its playlists carry the signature).
    internal const string PlaylistCacheControl = "no-cache";
    internal const string SegmentCacheControl = "public, max-age=3600";
    internal const string SignedPlaylistCacheControl = "private, no-cache";
    internal const string SignedSegmentCacheControl = "private, max-age=3600";

    public static IEndpointRouteBuilder MapHls(this IEndpointRouteBuilder app)
    {
        app.MapMethods(Route, [HttpMethods.Get, HttpMethods.Head], GetHlsFile).WithName("GetHlsFile").WithTags("HLS")
            .WithSummary("Serves a channel's HLS playlist or segment (byte ranges supported).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        app.MapMethods(Route, [HttpMethods.Options], Preflight).ExcludeFromDescription();
        return app;
    }

    private static async Task<Results<PhysicalFileHttpResult, ContentHttpResult, FileContentHttpResult, ProblemHttpResult, RedirectHttpResult>> GetHlsFile(
        string channelId, string file, HttpContext http, HlsFileResolver folder, HlsViewerAccess viewers, IHlsPipelineRegistry pipelines,
        HlsViewerTracker audience, IChannelOwnership ownership, ILoggerFactory loggers)
    {
        AllowAnyOrigin(http.Response);
        var refusal = folder.TryResolve(channelId, file, out var resolved);
        // Access before existence: without a signature, nobody learns which files a signed channel has.
        var access = refusal == HlsRefusal.BadPath ? null : await viewers.CheckAsync(channelId, http.Request.Query, http.RequestAborted);
        if (access?.Refusal is { } denied)
        {
            loggers.CreateLogger(ApiLog.HlsCategory).HlsAccessRefused(channelId, denied.Title);
            if (access.RetryAfter is { } retryAfter)
            {
                http.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            return TypedResults.Problem(statusCode: denied.Status, title: denied.Title, detail: denied.Detail);
        }

        // A channel another appliance packages: its playlists (live, blocking reloads) come from the owner; its
        // segments too, unless the folder is shared storage that has them.
        if (refusal == HlsRefusal.None && resolved is not null && pipelines.FindLive(channelId) is null
            && ownership.KnownOwnerElsewhere(channelId) is { } owner && (resolved.IsPlaylist || !IsServableFile(resolved.FullPath, out _)))
        {
            return TypedResults.Redirect(new OwnedElsewhereException(channelId, owner).LocationFor(http.Request), permanent: false, preserveMethod: true);
        }

        if (refusal == HlsRefusal.None && resolved is not null && resolved.IsPlaylist)
        {
            audience.Seen(channelId, http);
        }

        if (refusal == HlsRefusal.None && resolved is not null && pipelines.FindLive(channelId) is { } live)
        {
            var signed = access?.SignedChannel == true;
            var served = await LiveHls.TryServeAsync(live, file, http, access?.SignedQuery, signed);
            if (served is not null)
            {
                return served switch
                {
                    ContentHttpResult content => content,
                    FileContentHttpResult bytes => bytes,
                    ProblemHttpResult problem => problem,
                    _ => throw new InvalidOperationException("Unexpected live HLS result."),
                };
            }
        }

        if (refusal == HlsRefusal.None && resolved is not null && IsServableFile(resolved.FullPath, out var info))
        {
            http.Response.Headers.CacheControl = (resolved.IsPlaylist, access?.SignedChannel == true) switch
            {
                (true, false) => PlaylistCacheControl,
                (false, false) => SegmentCacheControl,
                (true, true) => SignedPlaylistCacheControl,
                (false, true) => SignedSegmentCacheControl,
            };
            if (resolved.IsPlaylist && access?.SignedQuery is { } query && await TryReadAsync(resolved.FullPath, http.RequestAborted) is { } playlist)
            {
                return TypedResults.Content(SignedPlaylist.AddQuery(playlist, query), resolved.ContentType);
            }

            return TypedResults.PhysicalFile(resolved.FullPath, resolved.ContentType, lastModified: info.LastWriteTimeUtc,
                enableRangeProcessing: true);
        }

        var reason = refusal == HlsRefusal.BadPath ? "not a plain relative path" : "no such HLS file";
        loggers.CreateLogger(ApiLog.HlsCategory).HlsRequestRefused(channelId, file, reason);
        return refusal == HlsRefusal.BadPath
            ? TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad path",
                detail: "HLS paths are names of letters, digits, '-', '_' and '.' separated by '/'.")
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: "No such HLS file.");
    }

    // FFmpeg replaces playlists by renaming: one may vanish between the check and the read.
    private static async Task<string?> TryReadAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return await File.ReadAllTextAsync(path, cancellationToken);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    // A symbolic link could point anywhere: serve regular files only.
    private static bool IsServableFile(string path, out FileInfo info)
    {
        info = new FileInfo(path);
        return info.Exists && info.LinkTarget is null;
    }

    private static NoContent Preflight(HttpContext http)
    {
        AllowAnyOrigin(http.Response);
        var headers = http.Response.Headers;
        headers.AccessControlAllowMethods = "GET, HEAD, OPTIONS";
        var requested = http.Request.Headers.AccessControlRequestHeaders;
        headers.AccessControlAllowHeaders = requested.Count > 0 ? requested : "Range";
        headers.AccessControlMaxAge = "86400";
        return TypedResults.NoContent();
    }

    private static void AllowAnyOrigin(HttpResponse response)
    {
        response.Headers.AccessControlAllowOrigin = "*";
        response.Headers.AccessControlExposeHeaders = "Content-Length, Content-Range, Accept-Ranges";
    }
}
