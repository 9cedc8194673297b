using System.Globalization;
using System.Net;
using System.Text.Json;
using Broadcast.Testing;

namespace Broadcast.Api.Tests;

/// <summary>
/// A channel made live over the REST API: a router named after the channel, comedia plain transports and producers
/// matching <see cref="FfmpegPublisher"/>, and a real FFmpeg publishing to them. Disposing stops the publisher.
/// </summary>
internal sealed class LivePlainRtpChannel : IDisposable
{
    private readonly FfmpegPublisher _publisher;

    private LivePlainRtpChannel(string id, FfmpegPublisher publisher)
    {
        Id = id;
        _publisher = publisher;
    }

    public string Id { get; }

    public string PlaylistUrl => $"hls/{Id}/index.m3u8";

    /// <summary>Creates the channel, starts FFmpeg and returns once the live LL-HLS playlist lists a part and names the next.</summary>
    /// <param name="host">The host the channel lives on.</param>
    /// <param name="id">The channel (and its router).</param>
    /// <param name="signedQuery">The channel's signature, for a channel that needs one.</param>
    public static async Task<LivePlainRtpChannel> StartAsync(BroadcastHost host, string id, string signedQuery = "")
    {
        var client = host.Client;
        await client.CreateRouterAsync(id);
        var video = await client.CreatePlainTransportAsync(id, """{ "rtcpMux": false, "comedia": true }""");
        var audio = await client.CreatePlainTransportAsync(id, """{ "rtcpMux": false, "comedia": true }""");
        await client.CreateProducerAsync(video.Id(), string.Create(CultureInfo.InvariantCulture, $$"""
            {
              "kind": "video",
              "rtpParameters": {
                "codecs": [ { "mimeType": "video/H264", "payloadType": {{FfmpegPublisher.VideoPayloadType}}, "clockRate": 90000,
                              "parameters": { "packetization-mode": 1, "profile-level-id": "42e01f" } } ],
                "encodings": [ { "ssrc": {{FfmpegPublisher.VideoSsrc}} } ]
              }
            }
            """));
        await client.CreateProducerAsync(audio.Id(), string.Create(CultureInfo.InvariantCulture, $$"""
            {
              "kind": "audio",
              "rtpParameters": {
                "codecs": [ { "mimeType": "audio/opus", "payloadType": {{FfmpegPublisher.AudioPayloadType}}, "clockRate": 48000, "channels": 2 } ],
                "encodings": [ { "ssrc": {{FfmpegPublisher.AudioSsrc}} } ]
              }
            }
            """));
        var publisher = FfmpegPublisher.Start("h264", Port(video, "tuple"), Port(video, "rtcpTuple"), Port(audio, "tuple"), Port(audio, "rtcpTuple"));
        var channel = new LivePlainRtpChannel(id, publisher);
        try
        {
            var query = signedQuery.Length == 0 ? "" : "?" + signedQuery;
            await Eventually.ValueAsync(
                async () =>
                {
                    using var response = await client.GetAsync(channel.PlaylistUrl + query);
                    return (response.StatusCode, Text: await response.Content.ReadAsStringAsync());
                },
                // A part listed, not just hinted: before the first part the playlist is a bare hint, without MAP or PART.
                r => r.StatusCode == HttpStatusCode.OK && r.Text.Contains("#EXT-X-PART:", StringComparison.Ordinal)
                    && r.Text.Contains("#EXT-X-PRELOAD-HINT:", StringComparison.Ordinal),
                r => $"channel {id} is not live: {(int)r.StatusCode} {r.Text} (FFmpeg exited: {publisher.HasExited})");
            return channel;
        }
        catch
        {
            channel.Dispose();
            throw;
        }
    }

    public void Dispose() => _publisher.Dispose();

    private static int Port(JsonElement transport, string tuple) => transport.GetProperty(tuple).GetProperty("localPort").GetInt32();
}
