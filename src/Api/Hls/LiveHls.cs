using System.Globalization;
using Broadcast.Api.Endpoints;
using Broadcast.Api.Security;
using Broadcast.Transcode;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Broadcast.Api.Hls;

/// <summary>
/// Serves a live Low-Latency channel from memory (draft-pantos-hls-rfc8216bis §6.2.5): the media playlist with
/// blocking reload (<c>_HLS_msn</c>, <c>_HLS_part</c>: held until that part exists, 400 when too far ahead or a part
/// without a segment number, 503 after three target durations) and delta updates (<c>_HLS_skip=YES|v2</c>); parts,
/// recent segments and init segments, a preload-hinted part held until it is complete. A held request is an awaited
/// task, not a thread. The <c>_HLS_</c> directives are never signed nor carried into the playlist's URIs.
/// </summary>
public static class LiveHls
{
    /// <summary>The result, or null when the file is not the live channel's to serve (the folder is tried next).</summary>
    public static async Task<IResult?> TryServeAsync(LowLatencyChannel live, string file, HttpContext http, string? signedQuery, bool signedChannel)
    {
        ArgumentNullException.ThrowIfNull(live);
        ArgumentNullException.ThrowIfNull(http);
        var holdFor = TimeSpan.FromSeconds(3 * live.Playlist.TargetDuration);
        if (live.IsMultivariant && file == "index.m3u8")
        {
            return await MultivariantAsync(live, http, signedQuery, signedChannel, holdFor);
        }

        if (live.Playlists.FirstOrDefault(p => p.PlaylistFileName == file) is { } media)
        {
            return await PlaylistAsync(media, http, signedQuery, signedChannel, holdFor);
        }

        if (live.Playlists.FirstOrDefault(p => p.Owns(file)) is not { } playlist)
        {
            return null;
        }

        var bytes = playlist.Find(file);
        if (bytes is null && playlist.IsUpcomingPart(file))
        {
            bytes = await playlist.WaitForPartAsync(file, holdFor, http.RequestAborted);
            if (bytes is null && playlist.IsUpcomingPart(file))
            {
                return Unavailable(http, "The hinted part did not become available in time.");
            }
        }

        if (bytes is not { } found)
        {
            return null;
        }

        http.Response.Headers.CacheControl = signedChannel ? HlsEndpoints.SignedSegmentCacheControl : HlsEndpoints.SegmentCacheControl;
        return TypedResults.Bytes(found, "video/mp4");
    }

    // Players ask for it first: it is held until every rendition has its init segment and a first part (codecs,
    // resolution), else 503.
    private static async Task<IResult> MultivariantAsync(LowLatencyChannel live, HttpContext http, string? signedQuery, bool signedChannel, TimeSpan holdFor)
    {
        foreach (var playlist in live.Playlists)
        {
            await playlist.WaitAsync(0, 0, holdFor, http.RequestAborted);
        }

        if (live.Multivariant() is not { } text)
        {
            return Unavailable(http, "The channel's renditions have not started yet.");
        }

        http.Response.Headers.CacheControl = signedChannel ? HlsEndpoints.SignedPlaylistCacheControl : HlsEndpoints.PlaylistCacheControl;
        return TypedResults.Content(signedQuery is null ? text : SignedPlaylist.AddQuery(text, signedQuery), "application/vnd.apple.mpegurl");
    }

    private static async Task<IResult> PlaylistAsync(LiveMediaPlaylist playlist, HttpContext http, string? signedQuery, bool signedChannel, TimeSpan holdFor)
    {
        var query = http.Request.Query;
        var msnText = query["_HLS_msn"].ToString();
        var partText = query["_HLS_part"].ToString();
        var skipText = query["_HLS_skip"].ToString();
        long? msn = null;
        int? part = null;
        if (msnText.Length > 0)
        {
            if (!long.TryParse(msnText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                return BadRequest("_HLS_msn must be a non-negative integer.");
            }

            msn = parsed;
        }

        if (partText.Length > 0)
        {
            if (msn is null)
            {
                return BadRequest("_HLS_part needs _HLS_msn.");
            }

            if (!int.TryParse(partText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                return BadRequest("_HLS_part must be a non-negative integer.");
            }

            part = parsed;
        }

        if (msn is { } wanted)
        {
            var check = await playlist.WaitAsync(wanted, part, holdFor, http.RequestAborted);
            if (check == BlockingCheck.TooFarAhead)
            {
                return BadRequest("_HLS_msn/_HLS_part are too far ahead of the live edge.");
            }

            if (check == BlockingCheck.Wait)
            {
                return Unavailable(http, "The requested segment or part did not become available in time.");
            }
        }

        var text = playlist.Render(skip: skipText is "YES" or "v2");
        if (signedQuery is not null)
        {
            text = SignedPlaylist.AddQuery(text, signedQuery);
        }

        http.Response.Headers.CacheControl = signedChannel ? HlsEndpoints.SignedPlaylistCacheControl : HlsEndpoints.PlaylistCacheControl;
        return TypedResults.Content(text, "application/vnd.apple.mpegurl");
    }

    private static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad delivery directive", detail: detail);

    private static ProblemHttpResult Unavailable(HttpContext http, string detail)
    {
        http.Response.Headers.RetryAfter = "1";
        return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not available yet", detail: detail);
    }
}
