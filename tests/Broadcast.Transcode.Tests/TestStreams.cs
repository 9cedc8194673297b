namespace Broadcast.Transcode.Tests;

/// <summary>The streams our consumers typically send, as the SDP and argument tests use them.</summary>
internal static class TestStreams
{
    public static SdpMediaStream H264(int port = 5004, byte payloadType = 101) =>
        new(MediaKind.Video, port, payloadType, "H264", 90000, 0, "packetization-mode=1;profile-level-id=42e01f;level-asymmetry-allowed=1");

    public static SdpMediaStream Vp8(int port = 5004, byte payloadType = 103) =>
        new(MediaKind.Video, port, payloadType, "VP8", 90000, 0, null);

    public static SdpMediaStream Opus(int port = 5006, byte payloadType = 100) =>
        new(MediaKind.Audio, port, payloadType, "opus", 48000, 2, "minptime=10;useinbandfec=1");

    public static SdpMediaStream Pcmu(int port = 5006) =>
        new(MediaKind.Audio, port, 0, "PCMU", 8000, 1, null);

    public static SdpMediaStream Pcma(int port = 5006) =>
        new(MediaKind.Audio, port, 8, "PCMA", 8000, 1, null);

    public static SdpMediaStream Aac(int port = 5006) =>
        new(MediaKind.Audio, port, 97, "MPEG4-GENERIC", 48000, 2, "streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=1190");
}
