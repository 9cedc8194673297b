using Broadcast.Api.State;
using Broadcast.Ingest.Routing;

namespace Broadcast.Api.Security;

/// <summary>How a viewer's HLS request may be served.</summary>
/// <param name="SignedQuery">"expires=…&amp;sig=…" to carry into playlists when the request was validly signed, else null.</param>
/// <param name="Refusal">Why it may not be served (403: signature; 404: no such channel), or null.</param>
public sealed record HlsViewerDecision(string? SignedQuery, AccessRefusal? Refusal);

/// <summary>
/// HLS is served for channels that exist: defined in the store or with a live router on this appliance (a deleted
/// channel's folder, left for the cleanup job, is 404). It is public unless the channel's definition asks for signed
/// URLs (<see cref="ChannelHlsProfile.SignedUrls"/>); then only requests carrying a valid, unexpired signature of that
/// channel are served. A valid signature is honoured on any channel (and carried into its playlists); an invalid one
/// on a public channel is ignored.
/// </summary>
public sealed class HlsViewerAccess(IChannelStore channels, MediaServer media, HlsUrlSigner signer, TimeProvider time)
{
    public async Task<HlsViewerDecision> CheckAsync(string channelId, IQueryCollection query, CancellationToken cancellationToken)
    {
        var definition = await channels.FindAsync(channelId, cancellationToken);
        if (definition is null && media.FindRouter(channelId) is null)
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
            return new HlsViewerDecision(signer.Query(channelId, expiry), null);
        }

        if (definition?.Hls.SignedUrls != true)
        {
            return new HlsViewerDecision(null, null);
        }

        var detail = check switch
        {
            HlsSignatureCheck.Missing => $"Channel '{channelId}' is viewed through signed URLs: ask its admin for one (POST /api/v1/channels/{channelId}/hls-url).",
            HlsSignatureCheck.Expired => "The signed URL has expired: ask for a new one.",
            _ => $"The URL's signature is not valid for channel '{channelId}'.",
        };
        return new HlsViewerDecision(null, new AccessRefusal(StatusCodes.Status403Forbidden, "Signed URL required", detail));
    }
}
