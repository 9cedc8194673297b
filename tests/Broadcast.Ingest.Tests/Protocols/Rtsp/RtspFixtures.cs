using System.Text;

namespace Broadcast.Ingest.Tests.Protocols.Rtsp;

/// <summary>
/// Camera answers byte for byte: captured from GStreamer's RTSP server (the end-to-end tests' camera), and written in
/// the shapes common IP cameras send (absolute controls and two challenges, a query-string base with relative
/// controls, session timeouts, interleaved channels other than the ones asked for, digest with qop and stale).
/// </summary>
internal static class RtspFixtures
{
    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    // GStreamer RTSP server 1.22, H.264 + AAC, captured.
    public const string GStreamerOptions =
        "RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: OPTIONS, DESCRIBE, ANNOUNCE, GET_PARAMETER, PAUSE, PLAY, RECORD, SETUP, SET_PARAMETER, TEARDOWN\r\n" +
        "Server: GStreamer RTSP server\r\nDate: Mon, 23 Nov 2026 20:35:45 GMT\r\n\r\n";

    public const string GStreamerSdp =
        "v=0\r\no=- 17305383094360053277 1 IN IP4 127.0.0.1\r\ns=Session streamed with GStreamer\r\ni=rtsp-server\r\nt=0 0\r\n" +
        "a=tool:GStreamer\r\na=type:broadcast\r\na=control:*\r\na=range:npt=now-\r\nm=video 0 RTP/AVP 96\r\nc=IN IP4 0.0.0.0\r\n" +
        "b=AS:1024\r\na=rtpmap:96 H264/90000\r\na=framerate:25\r\n" +
        "a=fmtp:96 packetization-mode=1;sprop-parameter-sets=Z0LAHtoCgL/lwFqDAwNSgAAAAwCAAAAZR4sXUA==,aM48gA==;profile-level-id=42c01e;level-asymmetry-allowed=1\r\n" +
        "a=control:stream=0\r\na=ts-refclk:local\r\na=mediaclk:sender\r\na=ssrc:3899108813 cname:user138287682@host-f012a282\r\n" +
        "m=audio 0 RTP/AVP 97\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:97 MPEG4-GENERIC/48000/2\r\n" +
        "a=fmtp:97 streamtype=5;profile-level-id=2;mode=AAC-hbr;config=119056e500;sizelength=13;indexlength=3;indexdeltalength=3\r\n" +
        "a=control:stream=1\r\na=ts-refclk:local\r\na=mediaclk:sender\r\na=ssrc:303679464 cname:user138287682@host-f012a282\r\n";

    public const string GStreamerDescribe =
        "RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Type: application/sdp\r\nContent-Base: rtsp://127.0.0.1:18555/cam/\r\n" +
        "Server: GStreamer RTSP server\r\nDate: Mon, 23 Nov 2026 20:35:46 GMT\r\nContent-Length: 835\r\n\r\n" + GStreamerSdp;

    public const string GStreamerSetupTcp =
        "RTSP/1.0 200 OK\r\nCSeq: 4\r\nTransport: RTP/AVP/TCP;unicast;interleaved=2-3;ssrc=1219C7E8;mode=\"PLAY\"\r\n" +
        "Server: GStreamer RTSP server\r\nSession: Q5AQJv0iNYjk9_AU\r\nDate: Mon, 23 Nov 2026 20:35:49 GMT\r\n\r\n";

    public const string GStreamerSetupUdp =
        "RTSP/1.0 200 OK\r\nCSeq: 3\r\nTransport: RTP/AVP;unicast;client_port=47000-47001;server_port=49644-49645;ssrc=4A399218;mode=\"PLAY\"\r\n" +
        "Server: GStreamer RTSP server\r\nSession: kdwUf9uXtWZZ+I.q\r\nDate: Mon, 23 Nov 2026 20:36:14 GMT\r\n\r\n";

    public const string GStreamerPlay =
        "RTSP/1.0 200 OK\r\nCSeq: 5\r\nRTP-Info: url=rtsp://127.0.0.1:18555/cam/stream=0;seq=11399;rtptime=2100260321, " +
        "url=rtsp://127.0.0.1:18555/cam/stream=1;seq=27677;rtptime=2788105748\r\nRange: npt=now-\r\nServer: GStreamer RTSP server\r\n" +
        "Session: Q5AQJv0iNYjk9_AU\r\nDate: Mon, 23 Nov 2026 20:35:51 GMT\r\n\r\n";

    public const string GStreamerBasicChallenge =
        "RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\nWWW-Authenticate: Basic realm=\"GStreamer RTSP Server\"\r\n" +
        "Server: GStreamer RTSP server\r\nDate: Mon, 23 Nov 2026 20:36:01 GMT\r\n\r\n";

    public const string GStreamerDigestChallenge =
        "RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\nWWW-Authenticate: Digest realm=\"GStreamer RTSP Server\", nonce=\"5ff041e51a5a0652\"\r\n" +
        "Server: GStreamer RTSP server\r\nDate: Mon, 23 Nov 2026 20:36:07 GMT\r\n\r\n";

    // The first interleaved frames after PLAY, captured: an RTCP SR on channel 3, an SPS on channel 0.
    public const string GStreamerInterleavedHex =
        "24 03 00 50 80 c8 00 06 12 19 c7 e8 ee af 22 24 be 65 f0 f5 a6 30 a4 f2 00 00 00 01 00 00 01 24 " +
        "81 ca 00 0c 12 19 c7 e8 01 1b 75 73 65 72 31 33 38 32 38 37 36 38 32 40 68 6f 73 74 2d 66 30 31 32 61 32 38 32 " +
        "06 09 47 53 74 72 65 61 6d 65 72 00 00 00 00 " +
        "24 00 00 28 80 60 2c 88 7d 2f 72 46 e8 67 ad cd 67 42 c0 1e da 02 80 bf e5 c0 5a 83 03 03 52 80 00 00 03 00 80 00 00 19 47 8b 17 50";

    // GStreamer with x265enc and PCMU, captured: an H.265 track with sprop-vps/sps/pps and a static payload type.
    public const string GStreamerH265Sdp =
        "v=0\r\no=- 344466850301754990 1 IN IP4 127.0.0.1\r\ns=Session streamed with GStreamer\r\ni=rtsp-server\r\nt=0 0\r\n" +
        "a=tool:GStreamer\r\na=type:broadcast\r\na=control:*\r\na=range:npt=now-\r\nm=video 0 RTP/AVP 96\r\nc=IN IP4 0.0.0.0\r\n" +
        "a=rtpmap:96 H265/90000\r\na=framerate:25\r\n" +
        "a=fmtp:96 sprop-vps=QAEMAf//BAgAAAMAmAgAAAMAAD+6AkA=;sprop-sps=QgEBBAgAAAMAmAgAAAMAAD+QAKBALj4kpS3SUmF/+AAIAAtQYGBgQAAAAwBAAAAGQg==;sprop-pps=RAHAcDBgMSA=\r\n" +
        "a=control:stream=0\r\na=ts-refclk:local\r\na=mediaclk:sender\r\na=ssrc:1655040772 cname:user139812379@host-a50fd25e\r\n" +
        "m=audio 0 RTP/AVP 0\r\nc=IN IP4 0.0.0.0\r\nb=AS:64\r\na=rtpmap:0 PCMU/8000\r\na=control:stream=1\r\n";

    // A camera in the shape of many NVR/IPC firmwares: absolute controls, a Digest and a Basic challenge, a
    // session timeout, and interleaved channels it chose itself.
    public const string AbsoluteControlSdp =
        "v=0\r\no=- 1109162014219182 1109162014219192 IN IP4 192.168.1.64\r\ns=Media Presentation\r\ne=NONE\r\nb=AS:5050\r\nt=0 0\r\n" +
        "a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/?transportmode=unicast\r\n" +
        "m=video 0 RTP/AVP 96\r\nc=IN IP4 0.0.0.0\r\nb=AS:5000\r\na=recvonly\r\na=x-dimensions:1920,1080\r\n" +
        "a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=1?transportmode=unicast\r\n" +
        "a=rtpmap:96 H264/90000\r\na=fmtp:96 profile-level-id=420029; packetization-mode=1; sprop-parameter-sets=Z01AKI2NQDwBE/LCAAAOEAACvyAI,aO44gA==\r\n" +
        "m=audio 0 RTP/AVP 8\r\nc=IN IP4 0.0.0.0\r\nb=AS:50\r\na=recvonly\r\n" +
        "a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=2?transportmode=unicast\r\na=rtpmap:8 PCMA/8000\r\n" +
        "a=Media_header:MEDIAINFO=494D4B48010100000400000110710110401F000000FA000000000000000000000000000000000000;\r\n" +
        "a=appversion:1.0\r\n";

    public const string TwoChallenges =
        "RTSP/1.0 401 Unauthorized\r\nCSeq: 3\r\n" +
        "WWW-Authenticate: Digest realm=\"IP Camera(C6478)\", nonce=\"a4f1e87a0d3b9a3c8f8f0d1e2b3c4d5e\", stale=\"FALSE\"\r\n" +
        "WWW-Authenticate: Basic realm=\"IP Camera(C6478)\"\r\nDate:  Mon, Nov 23 2026 20:40:00 GMT\r\n\r\n";

    public const string SessionWithTimeoutSetup =
        "RTSP/1.0 200 OK\r\nCSeq: 4\r\nSession:       1381328843;timeout=60\r\n" +
        "Transport: RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=39c2a2cb;mode=\"play\"\r\nDate:  Mon, Nov 23 2026 20:40:01 GMT\r\n\r\n";

    public const string QueryBaseSdp =
        "v=0\r\no=- 2252341262 2252341262 IN IP4 0.0.0.0\r\ns=Media Server\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\na=control:*\r\n" +
        "a=packetization-supported:DH\r\na=rtppayload-supported:DH\r\na=range:npt=now-\r\nm=video 0 RTP/AVP 96\r\na=control:trackID=0\r\n" +
        "a=framerate:25.000000\r\na=rtpmap:96 H265/90000\r\na=fmtp:96 profile-id=1;sprop-sps=QgEBAWAAAAMAsAAAAwAAAwBdoAKAgC0WNrkky/AIAAADAAgAAAMAyEA=\r\n" +
        "a=recvonly\r\nm=audio 0 RTP/AVP 97\r\na=control:trackID=1\r\na=rtpmap:97 MPEG4-GENERIC/16000/1\r\n" +
        "a=fmtp:97 streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=1408\r\na=recvonly\r\n";

    // A camera that answers a relative control under a query-string base; its lines end with bare LF.
    public static string QueryBaseDescribe { get; } = WithBody(
        "RTSP/1.0 200 OK\nCSeq: 3\nServer: Rtsp Server/3.0\nContent-Base: rtsp://192.168.1.108:554/cam/realmonitor?channel=1&subtype=0/\n" +
        "Content-Type: application/sdp\n", QueryBaseSdp.Replace("\r\n", "\n", StringComparison.Ordinal), "\n");

    /// <summary>Appends Content-Length, the blank line and the body.</summary>
    public static string WithBody(string head, string body, string lineEnd = "\r\n") =>
        $"{head}Content-Length: {Encoding.UTF8.GetByteCount(body)}{lineEnd}{lineEnd}{body}";

    public const string ShortTimeoutSetup =
        "RTSP/1.0 200 OK\r\nCSeq: 5\r\nSession: 8735892712;timeout=20\r\nTransport: RTP/AVP/TCP;unicast;interleaved=4-5;ssrc=5F8C7E01\r\n\r\n";

    // Digest with qop and opaque, and the same challenge after the nonce expired.
    public const string QopChallenge =
        "RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\nWWW-Authenticate: Digest realm=\"camera\", qop=\"auth,auth-int\", algorithm=MD5, " +
        "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"\r\n\r\n";

    public const string StaleChallenge =
        "RTSP/1.0 401 Unauthorized\r\nCSeq: 9\r\nWWW-Authenticate: Digest realm=\"camera\", qop=\"auth\", " +
        "nonce=\"0d7c5b1c2a3e4f00\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", stale=true\r\n\r\n";

    public const string Redirect =
        "RTSP/1.0 302 Moved Temporarily\r\nCSeq: 2\r\nLocation: rtsp://10.0.0.2:8554/live/main\r\n\r\n";
}
