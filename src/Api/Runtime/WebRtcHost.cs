using Broadcast.Api.Jobs;
using Broadcast.Ingest.Dtls;
using Microsoft.Extensions.Options;
using Broadcast.Ingest.Routing;
using Broadcast.Ingest.Transports;

namespace Broadcast.Api.Runtime;

/// <summary>
/// What WebRTC transports share: the DTLS certificate (one per process: its fingerprint goes into every
/// dtlsParameters) and, by default, the one UDP port all of them receive on, bound when the host starts.
/// </summary>
public sealed class WebRtcHost(MediaServer media, TransportFactory transports, IOptions<JobOptions> jobs, TimeProvider time) : IAsyncDisposable
{
    public DtlsCertificate Certificate { get; } = DtlsCertificate.Generate(time);

    /// <summary>The shared port, null when Media:WebRtcSharedPort is false or before start.</summary>
    public WebRtcServer? Server { get; private set; }

    public async Task StartAsync()
    {
        if (media.Options.WebRtcSharedPort && Server is null)
        {
            Server = await WebRtcServer.StartAsync(media, media.Options.EffectiveWebRtcPort);
        }
    }

    public Task<WebRtcTransport> CreateTransportAsync(Router router, string? id) =>
        transports.CreateWebRtcAsync(router, id, new WebRtcTransportOptions
        {
            MaxIncomingBitrate = (ulong)media.Options.MaxIncomingBitrateKbps * 1000,
            // Jobs:ConnectTimeout owns this timeout: the transport closes itself, the cleanup job is the backstop.
            ConnectTimeout = jobs.Value.ConnectTimeout,
        }, Certificate, Server);

    public ValueTask DisposeAsync() => Server?.DisposeAsync() ?? ValueTask.CompletedTask;
}
