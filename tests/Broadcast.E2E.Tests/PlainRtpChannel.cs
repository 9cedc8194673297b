using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Broadcast.Testing;

namespace Broadcast.E2E.Tests;

/// <summary>A channel created over the REST API with comedia plain transports and producers matching <see cref="FfmpegPublisher"/>.</summary>
internal sealed class PlainRtpChannel
{
    private PlainRtpChannel(BroadcastHost host, string id, JsonNode video, JsonNode audio, string videoProducerId)
    {
        Host = host;
        Id = id;
        Video = video;
        Audio = audio;
        VideoProducerId = videoProducerId;
    }

    public BroadcastHost Host { get; }
    public string Id { get; }
    public JsonNode Video { get; }
    public JsonNode Audio { get; }
    public string VideoProducerId { get; }

    public string PlaylistPath => Path.Combine(Host.HlsRoot, Id, "index.m3u8");

    public static async Task<PlainRtpChannel> CreateAsync(BroadcastHost host, string id, string videoMimeType)
    {
        await PostAsync(host, "api/v1/mediasoup/router", new JsonObject { ["router_id"] = id });
        var video = await PostAsync(host, $"api/v1/mediasoup/router/{id}/rtp-transport", new JsonObject { ["rtcpMux"] = false, ["comedia"] = true });
        var audio = await PostAsync(host, $"api/v1/mediasoup/router/{id}/rtp-transport", new JsonObject { ["rtcpMux"] = false, ["comedia"] = true });
        var videoCodec = new JsonObject { ["mimeType"] = videoMimeType, ["payloadType"] = FfmpegPublisher.VideoPayloadType, ["clockRate"] = 90000 };
        if (videoMimeType == "video/H264")
        {
            videoCodec["parameters"] = new JsonObject { ["packetization-mode"] = 1, ["profile-level-id"] = "42e01f" };
        }

        var producer = await PostAsync(host, $"api/v1/mediasoup/transport/{video["id"]}/producer", new JsonObject
        {
            ["kind"] = "video",
            ["rtpParameters"] = new JsonObject
            {
                ["codecs"] = new JsonArray(videoCodec),
                ["encodings"] = new JsonArray(new JsonObject { ["ssrc"] = FfmpegPublisher.VideoSsrc }),
            },
        });
        await PostAsync(host, $"api/v1/mediasoup/transport/{audio["id"]}/producer", new JsonObject
        {
            ["kind"] = "audio",
            ["rtpParameters"] = new JsonObject
            {
                ["codecs"] = new JsonArray(new JsonObject
                {
                    ["mimeType"] = "audio/opus", ["payloadType"] = FfmpegPublisher.AudioPayloadType, ["clockRate"] = 48000, ["channels"] = 2,
                }),
                ["encodings"] = new JsonArray(new JsonObject { ["ssrc"] = FfmpegPublisher.AudioSsrc }),
            },
        });
        return new PlainRtpChannel(host, id, video, audio, producer["id"]!.GetValue<string>());
    }

    public FfmpegPublisher StartPublisher(string videoCodec) => FfmpegPublisher.Start(videoCodec,
        Port(Video, "tuple"), Port(Video, "rtcpTuple"), Port(Audio, "tuple"), Port(Audio, "rtcpTuple"));

    public async Task<JsonNode> HlsStatusAsync() =>
        (await Host.Client.GetFromJsonAsync<JsonNode>($"api/v1/channels/{Id}/hls"))!;

    public async Task<long> VideoPacketsReceivedAsync()
    {
        var producer = await Host.Client.GetFromJsonAsync<JsonNode>($"api/v1/mediasoup/producer/{VideoProducerId}");
        var streams = producer!["stats"]!["streams"]!.AsArray();
        return streams.Count == 0 ? 0 : streams[0]!["packets"]!.GetValue<long>();
    }

    /// <summary>Segments the playlist lists, in order.</summary>
    public IReadOnlyList<string> ListedSegments() =>
        File.Exists(PlaylistPath)
            ? HlsMedia.Segments(ReadShared(PlaylistPath))
            : [];

    public string Playlist() => File.Exists(PlaylistPath) ? ReadShared(PlaylistPath) : "";

    public static int Port(JsonNode transport, string tuple) => transport[tuple]!["localPort"]!.GetValue<int>();

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static async Task<JsonNode> PostAsync(BroadcastHost host, string path, JsonNode body)
    {
        using var response = await host.Client.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {path} → {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with <paramref name="what"/> after <see cref="E2EWait.Timeout"/>.</summary>
    public static Task WaitForAsync(Func<Task<bool>> condition, string what) => E2EWait.ForAsync(condition, what);
}
