using Broadcast.Api.Contracts;
using Broadcast.Ingest.Routing;
using Broadcast.Ingest.Sources;
using Broadcast.Transcode;

namespace Broadcast.Api.Endpoints;

public static partial class ChannelEndpoints
{
    /// <summary>Builds a channel's view from its router, source and pipeline; null when the router closed meanwhile.</summary>
    private static async Task<ChannelResponse?> DescribeAsync(Router router, RtspSourceRegistry sources, IHlsPipelineRegistry? hls,
        HlsOptions hlsDefaults)
    {
        var source = sources.Find(router.Id);
        var status = source is null ? null : await source.GetStatusAsync();
        var snapshot = await router.Worker.InvokeAsync(() => router.IsClosed ? null : new RouterSnapshot(
            router.CreatedAt,
            [.. router.Producers.Select(p => p.Id)],
            [.. router.Producers.OrderBy(p => p.CreatedAt).Select((p, i) => new RtspTrackStatus(
                i, p.Kind, p.MimeType[(p.MimeType.IndexOf('/', StringComparison.Ordinal) + 1)..], p.MimeType, p.RtpParameters.Codecs[0].PayloadType,
                p.ClockRate, p.RtpParameters.Codecs[0].Channels, Used: true, null, null, null, null, null, null,
                p.Streams.Sum(s => s.PacketsReceived), p.Id))]));
        if (snapshot is null)
        {
            return null;
        }

        var pipeline = hls?.Get(router.Id);
        var tracks = status?.Tracks ?? snapshot.Tracks;
        var warnings = ChannelWarnings.For(tracks, pipeline?.SegmentSeconds ?? hlsDefaults.SegmentSeconds);
        var state = status is not null ? RtspSource.StateName(status.State) : snapshot.ProducerIds.Count > 0 ? "publishing" : "idle";
        return new ChannelResponse(
            router.Id,
            status is null ? "publisher" : "rtsp",
            state,
            snapshot.CreatedAt,
            status is null ? null : ChannelRtspResponse.From(status),
            [.. tracks.Select(ChannelTrackResponse.From)],
            warnings,
            pipeline is null ? null : ChannelHlsResponse.From(pipeline),
            snapshot.ProducerIds);
    }

    private sealed record RouterSnapshot(DateTimeOffset CreatedAt, IReadOnlyList<string> ProducerIds, IReadOnlyList<RtspTrackStatus> Tracks);
}
