using System.Collections.Concurrent;
using Broadcast.Api.State;
using Broadcast.Ingest.Routing;

namespace Broadcast.Api.Security;

/// <summary>How a viewer's HLS request may be served.</summary>
/// <param name="SignedQuery">"expires=…&amp;sig=…" to carry into playlists when the request was validly signed, else null.</param>
/// <param name="Refusal">Why it may not be served (403: signature; 404: no such channel; 503: the store did not answer), or null.</param>
/// <param name="RetryAfter">With a 503: when to try again.</param>
/// <param name="SignedChannel">The channel requires signed URLs: shared caches must not keep its files.</param>
public sealed record HlsViewerDecision(string? SignedQuery, AccessRefusal? Refusal, TimeSpan? RetryAfter = null, bool SignedChannel = false);

/// <summary>
/// HLS is served for channels that exist: defined in the store or with a live router on this appliance (a deleted
/// channel's folder, left for the cleanup job, is 404). It is public unless the channel's definition asks for signed
/// URLs (<see cref="ChannelHlsProfile.SignedUrls"/>); then only requests carrying a valid, unexpired signature of that
/// channel are served. A valid signature is honoured on any channel (and carried into its playlists); an invalid one
/// on a public channel is ignored.
/// </summary>
/// <remarks>
/// Every playlist and segment request needs a channel's two facts (defined? signed?): they are remembered for
/// <see cref="CacheFor"/>, so viewers cost the store one narrow query per channel every few seconds. When the store
/// fails (or takes longer than <see cref="StoreTimeout"/>) the last answer stands, however old; a channel never seen
/// gets 503 with Retry-After. Nothing secret is remembered.
/// </remarks>
public sealed class HlsViewerAccess(IChannelStore channels, MediaServer media, HlsUrlSigner signer, TimeProvider time, ILogger<HlsViewerAccess> logger)
{
    /// <summary>How long a channel's answer is used before the store is asked again.</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);

    /// <summary>A store query taking longer than this counts as failed.</summary>
    public static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(2);

    /// <summary>The Retry-After of a 503.</summary>
    public const int RetryAfterSeconds = 5;

    // Requests may name any well-formed channel: the answers of at most this many are kept.
    private const int MaxRemembered = 10_000;

    private readonly ConcurrentDictionary<string, KnownChannel> _known = new(StringComparer.Ordinal);
    private int _storeFailing;

    public async Task<HlsViewerDecision> CheckAsync(string channelId, IQueryCollection query, CancellationToken cancellationToken)
    {
        if (await LookUpAsync(channelId, cancellationToken) is not { } channel)
        {
            return new HlsViewerDecision(null, new AccessRefusal(StatusCodes.Status503ServiceUnavailable, "Channel store unavailable",
                $"Whether channel '{channelId}' may be viewed cannot be checked now: try again shortly."), TimeSpan.FromSeconds(RetryAfterSeconds));
        }

        if (!channel.Defined && media.FindRouter(channelId) is null)
        {
            return new HlsViewerDecision(null, new AccessRefusal(StatusCodes.Status404NotFound, "Not found",
                $"Channel '{channelId}' is neither defined nor live on this appliance."));
        }

        var expires = query[HlsUrlSigner.ExpiresParameter].ToString();
        var signature = query[HlsUrlSigner.SignatureParameter].ToString();
        var check = signer.Verify(channelId, expires, signature, time.GetUtcNow());
        if (check == HlsSignatureCheck.Valid)
        {
            // Rebuilt rather than echoed: what goes into playlists is the canonical form, never the client's bytes.
            var expiry = long.Parse(expires, System.Globalization.CultureInfo.InvariantCulture);
            return new HlsViewerDecision(signer.Query(channelId, expiry), null, SignedChannel: channel.Signed);
        }

        if (!channel.Signed)
        {
            return new HlsViewerDecision(null, null);
        }

        var detail = check switch
        {
            HlsSignatureCheck.Missing => $"Channel '{channelId}' is viewed through signed URLs: ask its admin for one (POST /api/v1/channels/{channelId}/hls-url).",
            HlsSignatureCheck.Expired => "The signed URL has expired: ask for a new one.",
            _ => $"The URL's signature is not valid for channel '{channelId}'.",
        };
        return new HlsViewerDecision(null, new AccessRefusal(StatusCodes.Status403Forbidden, "Signed URL required", detail), SignedChannel: true);
    }

    /// <summary>The channel's facts: remembered if fresh, else from the store; the last known if the store fails; null if none.</summary>
    private async Task<KnownChannel?> LookUpAsync(string channelId, CancellationToken cancellationToken)
    {
        var remembered = _known.TryGetValue(channelId, out var known);
        if (remembered && time.GetElapsedTime(known.CheckedAt) < CacheFor)
        {
            return known;
        }

        try
        {
            using var storeTimeout = new CancellationTokenSource(StoreTimeout, time);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, storeTimeout.Token);
            var access = await channels.FindAccessAsync(channelId, timeout.Token);
            var fresh = new KnownChannel(access is not null, access?.SignedHls == true, time.GetTimestamp());
            Remember(channelId, fresh);
            if (Interlocked.Exchange(ref _storeFailing, 0) == 1)
            {
                logger.HlsStoreAnswersAgain();
            }

            return fresh;
        }
#pragma warning disable CA1031 // Whatever the store throws (a timeout, a row this build cannot read), viewers get the fallback.
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
        {
            if (Interlocked.Exchange(ref _storeFailing, 1) == 0)
            {
                logger.HlsStoreFailed(ex);
            }

            // The last known answer counts as fresh again, so a store that hangs is asked at most once per CacheFor.
            if (remembered)
            {
                known = known with { CheckedAt = time.GetTimestamp() };
                Remember(channelId, known);
                return known;
            }

            return null;
        }
    }

    private void Remember(string channelId, KnownChannel fresh)
    {
        if (!_known.ContainsKey(channelId) && _known.Count >= MaxRemembered)
        {
            foreach (var (id, old) in _known)
            {
                if (time.GetElapsedTime(old.CheckedAt) >= CacheFor)
                {
                    _known.TryRemove(id, out _);
                }
            }

            if (_known.Count >= MaxRemembered)
            {
                return; // all fresh: answer without remembering
            }
        }

        _known[channelId] = fresh;
    }

    /// <summary>What viewers' requests need to know of a channel, and when the store said so (a <see cref="TimeProvider"/> timestamp).</summary>
    private readonly record struct KnownChannel(bool Defined, bool Signed, long CheckedAt);
}
