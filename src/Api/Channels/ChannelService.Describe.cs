using Broadcast.Api.Cluster;
using Broadcast.Api.Contracts;
using Broadcast.Api.State;
using Broadcast.Ingest.Routing;
using Broadcast.Ingest.Sources;

namespace Broadcast.Api.Channels;

public sealed partial class ChannelService
{
    /// <summary>
    /// A channel's view from its definition (null for ad hoc routers) and its router (null until a publisher comes,
    /// or when the channel runs on another appliance); null when there is neither, e.g. the router closed meanwhile.
    /// </summary>
    private async Task<ChannelResponse?> DescribeAsync(ChannelDefinition? definition, Router? router, IReadOnlyDictionary<string, ApplianceRef>? owners = null)
    {
        var snapshot = router is null ? null : await SnapshotAsync(router).ConfigureAwait(false);
        if (definition is null && snapshot is null)
        {
            return null;
        }

        var id = definition?.Id ?? router!.Id;
        var source = snapshot is null ? null : sources.Find(id);
        var status = source is null ? null : await source.GetStatusAsync().ConfigureAwait(false);
        var pipeline = snapshot is null || pipelines is null ? null : await pipelines.GetAsync(id).ConfigureAwait(false);
        var tracks = status?.Tracks ?? snapshot?.Tracks ?? [];
        var segmentSeconds = pipeline?.SegmentSeconds ?? definition?.Hls.SegmentSeconds ?? hlsOptions.Value.SegmentSeconds;
        var owner = definition is not null && owners is not null && owners.TryGetValue(definition.Id, out var known)
            ? new ChannelOwnerResponse(known.Id, known.Url, known.Id == ownership.Self.Id)
            : null;
        var state = (status, snapshot, definition) switch
        {
            ({ } camera, _, _) => RtspSource.StateName(camera.State),
            (_, { } running, _) => running.ProducerIds.Count > 0 ? "publishing" : "idle",
            (_, _, not null) when owner is { Here: false } => "remote",
            (_, _, { Source: ChannelSource.Rtsp }) => "stopped",
            _ => "waiting",
        };
        var sourceName = definition is not null ? ChannelSources.Name(definition.Source) : status is not null ? "rtsp" : "publisher";
        return new ChannelResponse(
            id,
            sourceName,
            state,
            definition?.CreatedAt ?? snapshot!.CreatedAt,
            status is null ? null : ChannelRtspResponse.From(status),
            [.. tracks.Select(ChannelTrackResponse.From)],
            definition?.Rtsp?.CredentialsError is { } unreadable ? [.. ChannelWarnings.For(tracks, segmentSeconds), unreadable] : ChannelWarnings.For(tracks, segmentSeconds),
            pipeline is null ? null : ChannelHlsResponse.From(pipeline),
            snapshot?.ProducerIds ?? [],
            definition is not null,
            definition is null ? null : ChannelSettingsResponse.From(definition),
            Owner: owner);
    }

    /// <summary>The router's producers as tracks, read on its worker; null when it closed.</summary>
    private static Task<LiveRouterFacts?> SnapshotAsync(Router router) =>
        router.Worker.InvokeAsync(() => router.IsClosed ? null : new LiveRouterFacts(
            router.CreatedAt,
            [.. router.Producers.Select(p => p.Id)],
            [.. router.Producers.OrderBy(p => p.CreatedAt).Select((p, i) => new TrackStatus(
                i, p.Kind, p.MimeType[(p.MimeType.IndexOf('/', StringComparison.Ordinal) + 1)..], p.MimeType, p.RtpParameters.Codecs[0].PayloadType,
                p.ClockRate, p.RtpParameters.Codecs[0].Channels, Used: true, null, null, null, null, null, null,
                p.Streams.Sum(s => s.PacketsReceived), p.Id))]));

    private sealed record LiveRouterFacts(DateTimeOffset CreatedAt, IReadOnlyList<string> ProducerIds, IReadOnlyList<TrackStatus> Tracks);
}
