using Broadcast.Ingest.Dtls;
using Broadcast.Ingest.Net;
using Broadcast.Ingest.Routing;

namespace Broadcast.Ingest.Transports;

/// <summary>
/// The one place transports are made: each is created on its router's worker, with the media server's port range
/// and options. The host registers one instance; the API, the HLS pipelines, the WebRTC host and the camera sources
/// all create their transports through it, so a new kind of transport, or a new dependency of one, changes this
/// type and not its callers.
/// </summary>
public sealed class TransportFactory(MediaServer media)
{
    private readonly MediaServer _media = media ?? throw new ArgumentNullException(nameof(media));

    /// <summary>A plain RTP transport (comedia or connect); its ports come from the configured range.</summary>
    public Task<PlainRtpTransport> CreatePlainAsync(Router router, string? id, PlainTransportOptions options)
    {
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(options);
        return router.AddTransportAsync(id, transportId => new PlainRtpTransport(transportId, router, options, _media.Ports, _media.Options));
    }

    /// <summary>A transport whose consumers hand their packets to a sink in this process (no socket).</summary>
    public Task<DirectTransport> CreateDirectAsync(Router router, string? id = null)
    {
        ArgumentNullException.ThrowIfNull(router);
        return router.AddTransportAsync(id, transportId => new DirectTransport(transportId, router));
    }

    /// <summary>A WebRTC transport with <paramref name="certificate"/>, on the shared port when <paramref name="server"/> is given.</summary>
    public Task<WebRtcTransport> CreateWebRtcAsync(Router router, string? id, WebRtcTransportOptions options, DtlsCertificate certificate,
        WebRtcServer? server)
    {
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(certificate);
        return router.AddTransportAsync(id, transportId =>
            new WebRtcTransport(transportId, router, options, certificate, server, _media.Ports, _media.Options));
    }

    /// <summary>
    /// A transport of a kind defined beside its only user (a camera's RTSP transport lives with the RTSP source):
    /// <paramref name="create"/> gets the transport id, the port range and the media options.
    /// </summary>
    public Task<T> CreateAsync<T>(Router router, string? id, Func<string, PortAllocator, MediaOptions, T> create)
        where T : Transport
    {
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(create);
        return router.AddTransportAsync(id, transportId => create(transportId, _media.Ports, _media.Options));
    }
}
