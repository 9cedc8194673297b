namespace Broadcast.Api.Contracts;

/// <summary>Example request bodies for the OpenAPI document; the same bodies are in samples/api.http.</summary>
public static class Examples
{
    public const string CreateRouter = """{ "router_id": "cam1" }""";

    public const string CreatePlainTransport = """{ "transport_id": "cam1-in", "rtcpMux": true, "comedia": true }""";

    public const string ConnectPlainTransport = """{ "ip": "127.0.0.1", "port": 5004, "rtcpPort": 5005 }""";

    public const string CreateWebRtcTransport = """{ "transport_id": "cam1-webrtc" }""";

    public const string ConnectWebRtcTransport =
        """{ "dtlsParameters": { "role": "client", "fingerprints": [ { "algorithm": "sha-256", "value": "82:5A:68:3D:36:C3:0A:DE:AF:E7:32:43:D2:88:83:57:AC:2D:65:E5:80:C4:B6:FB:AF:1A:A0:21:9F:6D:0C:AD" } ] } }""";

    // What FFmpeg or Chrome send: their own payload types, mapped to the router's.
    public const string CreateProducer = """
        {
          "producer_id": "cam1-video",
          "kind": "video",
          "rtpParameters": {
            "mid": "0",
            "codecs": [
              { "mimeType": "video/H264", "payloadType": 102, "clockRate": 90000,
                "parameters": { "packetization-mode": 1, "profile-level-id": "42e01f", "level-asymmetry-allowed": 1 },
                "rtcpFeedback": [ { "type": "nack" }, { "type": "nack", "parameter": "pli" }, { "type": "ccm", "parameter": "fir" } ] },
              { "mimeType": "video/rtx", "payloadType": 103, "clockRate": 90000, "parameters": { "apt": 102 } }
            ],
            "encodings": [ { "ssrc": 1111, "rtx": { "ssrc": 1112 } } ],
            "rtcp": { "cname": "cam1" }
          },
          "paused": false
        }
        """;

    // The router's H.264 entry (default configuration) with its payload type: what a plain RTP receiver accepts.
    public const string CreateConsumer = """
        {
          "consumer_id": "cam1-video-out",
          "producerId": "cam1-video",
          "rtpCapabilities": {
            "codecs": [
              { "kind": "video", "mimeType": "video/H264", "preferredPayloadType": 100, "clockRate": 90000,
                "parameters": { "packetization-mode": 1, "profile-level-id": "42e01f" } }
            ]
          },
          "paused": true
        }
        """;

    // A camera channel: TCP-interleaved media, credentials given apart from the URL, 2-second segments.
    public const string CreateChannel = """
        {
          "channel_id": "lobby",
          "rtsp": { "url": "rtsp://192.168.1.64:554/Streaming/Channels/101", "transport": "tcp", "username": "admin", "password": "secret" },
          "hls": { "segmentSeconds": 2, "playlistSize": 6 }
        }
        """;

    // Without a body the new token is random.
    public const string RotatePublishToken = """{ "publishToken": "choose-a-long-random-token-here" }""";
}
