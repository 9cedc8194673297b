using Broadcast.Ingest.Routing;
using Broadcast.Ingest.Transports;

namespace Broadcast.Api.Channels;

/// <summary>What one channel's router counted so far, read on its worker in one pass at scrape time.</summary>
public readonly record struct ChannelSample(
    long PacketsIn,
    long BytesIn,
    long PacketsLost,
    long KeyFramesIn,
    long KeyFrameRequestsSent,
    long NackRecovered,
    long NackGivenUp,
    int Producers,
    int RealTimeViewers,
    long PacketsOut,
    long BytesOut,
    long ViewerNackedPackets,
    long ViewerKeyFrameRequests,
    long VideoFramesIn)
{
    /// <summary>Reads the router; call on its worker.</summary>
    public static ChannelSample Read(Router router)
    {
        long packetsIn = 0, bytesIn = 0, lost = 0, keyFrames = 0, keyFrameRequests = 0, recovered = 0, givenUp = 0, frames = 0;
        foreach (var producer in router.Producers)
        {
            long producerFrames = 0;
            foreach (var stream in producer.Streams)
            {
                // Simulcast layers carry the same pictures: the fullest layer counts.
                if (producer.IsVideo)
                {
                    producerFrames = Math.Max(producerFrames, stream.MarkedPackets);
                }

                packetsIn += stream.PacketsReceived;
                bytesIn += stream.BytesReceived;
                lost += Math.Max(0, stream.PacketsLost);
                keyFrames += stream.KeyFrames;
                keyFrameRequests += stream.KeyFrameRequestsSent;
                recovered += stream.Nack?.Recovered ?? 0;
                givenUp += stream.Nack?.GivenUp ?? 0;
            }

            frames += producerFrames;
        }

        long packetsOut = 0, bytesOut = 0, nacked = 0, viewerKeyFrameRequests = 0;
        foreach (var transport in router.Transports)
        {
            // Viewers are WebRTC consumers; plain consumers feed the channel's own FFmpeg.
            if (transport is not WebRtcTransport)
            {
                continue;
            }

            foreach (var consumer in transport.Consumers)
            {
                packetsOut += consumer.PacketsSent;
                bytesOut += consumer.BytesSent;
                nacked += consumer.NackedPackets;
                viewerKeyFrameRequests += consumer.KeyFrameRequestsReceived;
            }
        }

        return new ChannelSample(packetsIn, bytesIn, lost, keyFrames, keyFrameRequests, recovered, givenUp, router.Producers.Count,
            router.Viewers, packetsOut, bytesOut, nacked, viewerKeyFrameRequests, frames);
    }
}
