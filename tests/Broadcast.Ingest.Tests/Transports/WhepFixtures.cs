namespace Broadcast.Ingest.Tests.Transports;

/// <summary>
/// WHEP offers as players send them: two captured (Chromium, GStreamer's webrtcbin as whepsrc sets it up) and one
/// written in Firefox's shape. Kept byte for byte except for line endings (LF here; the parser takes CRLF or LF).
/// </summary>
internal static class WhepFixtures
{
    /// <summary>
    /// Chromium 156 (Debian 12), captured: <c>addTransceiver('video'|'audio', {direction: 'recvonly'})</c>,
    /// <c>createOffer</c>, ICE gathering complete. VP8, VP9 (profiles 0–3), H.264 in six profile/mode variants
    /// (Baseline, Constrained Baseline, Main, High 4:4:4, each in packetization-mode 1 and 0; no High in this build),
    /// AV1, RED/ULPFEC/FlexFEC, each with RTX; Opus, RED, G.722, PCMU, PCMA. MID is extension 9 in both sections
    /// (the router's is 1), abs-send-time 2 (the router's is 4): no extension id agrees with the router's.
    /// </summary>
    public const string Chrome = """
        v=0
        o=- 7637431111178198022 2 IN IP4 127.0.0.1
        s=-
        t=0 0
        a=group:BUNDLE 0 1
        a=extmap-allow-mixed
        a=msid-semantic: WMS
        m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 100 101 35 36 37 38 102 103 104 107 108 109 114 115 116 117 39 40 41 42 43 44 45 46 47 48 118 119 120 49
        c=IN IP4 0.0.0.0
        a=rtcp:9 IN IP4 0.0.0.0
        a=candidate:1597831399 1 udp 2113937151 4b343878-54b3-4034-927a-c7db4e0c9f6d.local 39633 typ host generation 0 network-cost 999
        a=candidate:2488940807 1 udp 2113942271 daa26466-6a4c-4cbb-a417-123cfa32d4ba.local 56962 typ host generation 0 network-cost 999
        a=ice-ufrag:nmjr
        a=ice-pwd:aZWpXL91zDj2KoyGbR6DB/Uc
        a=ice-options:trickle
        a=fingerprint:sha-256 1C:EF:71:CE:18:D4:7D:5F:CD:48:79:88:C5:70:0D:72:E6:F7:CA:2A:54:18:C9:F9:29:34:4A:CF:D8:D8:6C:DB
        a=setup:actpass
        a=mid:0
        a=extmap:1 urn:ietf:params:rtp-hdrext:toffset
        a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time
        a=extmap:3 urn:3gpp:video-orientation
        a=extmap:4 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01
        a=extmap:5 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay
        a=extmap:6 http://www.webrtc.org/experiments/rtp-hdrext/video-content-type
        a=extmap:7 http://www.webrtc.org/experiments/rtp-hdrext/video-timing
        a=extmap:8 http://www.webrtc.org/experiments/rtp-hdrext/color-space
        a=extmap:9 urn:ietf:params:rtp-hdrext:sdes:mid
        a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id
        a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id
        a=recvonly
        a=rtcp-mux
        a=rtcp-rsize
        a=rtcp-xr:rcvr-rtt=all
        a=rtpmap:96 VP8/90000
        a=rtcp-fb:96 goog-remb
        a=rtcp-fb:96 transport-cc
        a=rtcp-fb:96 ccm fir
        a=rtcp-fb:96 nack
        a=rtcp-fb:96 nack pli
        a=rtpmap:97 rtx/90000
        a=fmtp:97 apt=96
        a=rtpmap:98 VP9/90000
        a=rtcp-fb:98 goog-remb
        a=rtcp-fb:98 transport-cc
        a=rtcp-fb:98 ccm fir
        a=rtcp-fb:98 nack
        a=rtcp-fb:98 nack pli
        a=fmtp:98 profile-id=0
        a=rtpmap:99 rtx/90000
        a=fmtp:99 apt=98
        a=rtpmap:100 VP9/90000
        a=rtcp-fb:100 goog-remb
        a=rtcp-fb:100 transport-cc
        a=rtcp-fb:100 ccm fir
        a=rtcp-fb:100 nack
        a=rtcp-fb:100 nack pli
        a=fmtp:100 profile-id=2
        a=rtpmap:101 rtx/90000
        a=fmtp:101 apt=100
        a=rtpmap:35 VP9/90000
        a=rtcp-fb:35 goog-remb
        a=rtcp-fb:35 transport-cc
        a=rtcp-fb:35 ccm fir
        a=rtcp-fb:35 nack
        a=rtcp-fb:35 nack pli
        a=fmtp:35 profile-id=1
        a=rtpmap:36 rtx/90000
        a=fmtp:36 apt=35
        a=rtpmap:37 VP9/90000
        a=rtcp-fb:37 goog-remb
        a=rtcp-fb:37 transport-cc
        a=rtcp-fb:37 ccm fir
        a=rtcp-fb:37 nack
        a=rtcp-fb:37 nack pli
        a=fmtp:37 profile-id=3
        a=rtpmap:38 rtx/90000
        a=fmtp:38 apt=37
        a=rtpmap:102 H264/90000
        a=rtcp-fb:102 goog-remb
        a=rtcp-fb:102 transport-cc
        a=rtcp-fb:102 ccm fir
        a=rtcp-fb:102 nack
        a=rtcp-fb:102 nack pli
        a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f
        a=rtpmap:103 rtx/90000
        a=fmtp:103 apt=102
        a=rtpmap:104 H264/90000
        a=rtcp-fb:104 goog-remb
        a=rtcp-fb:104 transport-cc
        a=rtcp-fb:104 ccm fir
        a=rtcp-fb:104 nack
        a=rtcp-fb:104 nack pli
        a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f
        a=rtpmap:107 rtx/90000
        a=fmtp:107 apt=104
        a=rtpmap:108 H264/90000
        a=rtcp-fb:108 goog-remb
        a=rtcp-fb:108 transport-cc
        a=rtcp-fb:108 ccm fir
        a=rtcp-fb:108 nack
        a=rtcp-fb:108 nack pli
        a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f
        a=rtpmap:109 rtx/90000
        a=fmtp:109 apt=108
        a=rtpmap:114 H264/90000
        a=rtcp-fb:114 goog-remb
        a=rtcp-fb:114 transport-cc
        a=rtcp-fb:114 ccm fir
        a=rtcp-fb:114 nack
        a=rtcp-fb:114 nack pli
        a=fmtp:114 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f
        a=rtpmap:115 rtx/90000
        a=fmtp:115 apt=114
        a=rtpmap:116 H264/90000
        a=rtcp-fb:116 goog-remb
        a=rtcp-fb:116 transport-cc
        a=rtcp-fb:116 ccm fir
        a=rtcp-fb:116 nack
        a=rtcp-fb:116 nack pli
        a=fmtp:116 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f
        a=rtpmap:117 rtx/90000
        a=fmtp:117 apt=116
        a=rtpmap:39 H264/90000
        a=rtcp-fb:39 goog-remb
        a=rtcp-fb:39 transport-cc
        a=rtcp-fb:39 ccm fir
        a=rtcp-fb:39 nack
        a=rtcp-fb:39 nack pli
        a=fmtp:39 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=4d001f
        a=rtpmap:40 rtx/90000
        a=fmtp:40 apt=39
        a=rtpmap:41 H264/90000
        a=rtcp-fb:41 goog-remb
        a=rtcp-fb:41 transport-cc
        a=rtcp-fb:41 ccm fir
        a=rtcp-fb:41 nack
        a=rtcp-fb:41 nack pli
        a=fmtp:41 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=f4001f
        a=rtpmap:42 rtx/90000
        a=fmtp:42 apt=41
        a=rtpmap:43 H264/90000
        a=rtcp-fb:43 goog-remb
        a=rtcp-fb:43 transport-cc
        a=rtcp-fb:43 ccm fir
        a=rtcp-fb:43 nack
        a=rtcp-fb:43 nack pli
        a=fmtp:43 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=f4001f
        a=rtpmap:44 rtx/90000
        a=fmtp:44 apt=43
        a=rtpmap:45 AV1/90000
        a=rtcp-fb:45 goog-remb
        a=rtcp-fb:45 transport-cc
        a=rtcp-fb:45 ccm fir
        a=rtcp-fb:45 nack
        a=rtcp-fb:45 nack pli
        a=fmtp:45 level-idx=5;profile=0;tier=0
        a=rtpmap:46 rtx/90000
        a=fmtp:46 apt=45
        a=rtpmap:47 AV1/90000
        a=rtcp-fb:47 goog-remb
        a=rtcp-fb:47 transport-cc
        a=rtcp-fb:47 ccm fir
        a=rtcp-fb:47 nack
        a=rtcp-fb:47 nack pli
        a=fmtp:47 level-idx=5;profile=1;tier=0
        a=rtpmap:48 rtx/90000
        a=fmtp:48 apt=47
        a=rtpmap:118 red/90000
        a=rtpmap:119 rtx/90000
        a=fmtp:119 apt=118
        a=rtpmap:120 ulpfec/90000
        a=rtpmap:49 flexfec-03/90000
        a=rtcp-fb:49 goog-remb
        a=rtcp-fb:49 transport-cc
        a=fmtp:49 repair-window=10000000
        m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126
        c=IN IP4 0.0.0.0
        a=rtcp:9 IN IP4 0.0.0.0
        a=candidate:1597831399 1 udp 2113937151 4b343878-54b3-4034-927a-c7db4e0c9f6d.local 53287 typ host generation 0 network-cost 999
        a=candidate:2488940807 1 udp 2113942271 daa26466-6a4c-4cbb-a417-123cfa32d4ba.local 39338 typ host generation 0 network-cost 999
        a=ice-ufrag:nmjr
        a=ice-pwd:aZWpXL91zDj2KoyGbR6DB/Uc
        a=ice-options:trickle
        a=fingerprint:sha-256 1C:EF:71:CE:18:D4:7D:5F:CD:48:79:88:C5:70:0D:72:E6:F7:CA:2A:54:18:C9:F9:29:34:4A:CF:D8:D8:6C:DB
        a=setup:actpass
        a=mid:1
        a=extmap:14 urn:ietf:params:rtp-hdrext:ssrc-audio-level
        a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time
        a=extmap:4 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01
        a=extmap:9 urn:ietf:params:rtp-hdrext:sdes:mid
        a=recvonly
        a=rtcp-mux
        a=rtcp-rsize
        a=rtcp-xr:rcvr-rtt=all
        a=rtpmap:111 opus/48000/2
        a=rtcp-fb:111 transport-cc
        a=fmtp:111 minptime=10;useinbandfec=1
        a=rtpmap:63 red/48000/2
        a=fmtp:63 111/111
        a=rtpmap:9 G722/8000
        a=rtpmap:0 PCMU/8000
        a=rtpmap:8 PCMA/8000
        a=rtpmap:13 CN/8000
        a=rtpmap:110 telephone-event/48000
        a=rtpmap:126 telephone-event/8000
        """;

    /// <summary>
    /// GStreamer 1.22 webrtcbin, captured, set up as whepsrc sets it: bundle-policy max-bundle, a recvonly audio
    /// transceiver (Opus) then a recvonly video one (VP8 and H.264 Constrained Baseline with NACK, PLI, FIR).
    /// max-bundle puts the second section at port 0 with a=bundle-only (RFC 8843): it is live, not rejected.
    /// Session-level ice-options, media-level fingerprint, a=rtcp-mux-only, candidates in the first section only,
    /// mids "audio0" and "video1", no header extensions.
    /// </summary>
    public const string GStreamer = """
        v=0
        o=- 8150678715729214577 0 IN IP4 0.0.0.0
        s=-
        t=0 0
        a=ice-options:trickle
        a=group:BUNDLE audio0 video1
        m=audio 9 UDP/TLS/RTP/SAVPF 111
        c=IN IP4 0.0.0.0
        a=setup:actpass
        a=ice-ufrag:G7fnr/s+JR/h0gLYfv6cvxdIv1W6ROeu
        a=ice-pwd:1M3Jy65KPBrTQD8XbDy6uWdaOyRBYi75
        a=rtcp-mux
        a=rtcp-rsize
        a=recvonly
        a=rtpmap:111 OPUS/48000/2
        a=rtcp-fb:111 transport-cc
        a=mid:audio0
        a=fingerprint:sha-256 AA:69:3F:3D:4F:7E:51:29:EB:01:0D:62:96:04:1E:BF:28:24:F4:08:1B:87:C8:0D:8B:06:8F:31:19:33:26:72
        a=rtcp-mux-only
        a=candidate:1 1 UDP 2015363327 192.0.2.2 37185 typ host
        a=candidate:2 1 TCP 1015021823 192.0.2.2 9 typ host tcptype active
        a=candidate:3 1 TCP 1010827519 192.0.2.2 59945 typ host tcptype passive
        a=candidate:4 1 UDP 2015363583 fd00::2 42670 typ host
        a=candidate:5 1 TCP 1015022079 fd00::2 9 typ host tcptype active
        a=candidate:6 1 TCP 1010827775 fd00::2 50749 typ host tcptype passive
        a=candidate:7 1 UDP 2015363839 fe80::fc:ff:fe00:1 35789 typ host
        a=candidate:8 1 TCP 1015022335 fe80::fc:ff:fe00:1 9 typ host tcptype active
        a=candidate:9 1 TCP 1010828031 fe80::fc:ff:fe00:1 43149 typ host tcptype passive
        m=video 0 UDP/TLS/RTP/SAVPF 96 102
        c=IN IP4 0.0.0.0
        a=setup:actpass
        a=ice-ufrag:G7fnr/s+JR/h0gLYfv6cvxdIv1W6ROeu
        a=ice-pwd:1M3Jy65KPBrTQD8XbDy6uWdaOyRBYi75
        a=bundle-only
        a=rtcp-mux
        a=rtcp-rsize
        a=recvonly
        a=rtpmap:96 VP8/90000
        a=rtcp-fb:96 nack
        a=rtcp-fb:96 nack pli
        a=rtcp-fb:96 ccm fir
        a=rtcp-fb:96 transport-cc
        a=rtpmap:102 H264/90000
        a=rtcp-fb:102 nack
        a=rtcp-fb:102 nack pli
        a=rtcp-fb:102 ccm fir
        a=rtcp-fb:102 transport-cc
        a=fmtp:102 packetization-mode=1;profile-level-id=42e01f;level-asymmetry-allowed=1
        a=mid:video1
        a=fingerprint:sha-256 AA:69:3F:3D:4F:7E:51:29:EB:01:0D:62:96:04:1E:BF:28:24:F4:08:1B:87:C8:0D:8B:06:8F:31:19:33:26:72
        a=rtcp-mux-only
        """;

    /// <summary>
    /// Firefox's shape (written after Firefox 128's recvonly offers): session-level fingerprint, media-level ICE,
    /// attributes sorted by name, VP8 120/RTX 124, VP9 121/125, H.264 mode 1 126/127 and mode 0 97/98, RED/ULPFEC;
    /// Opus 109. MID is extension 3 (the router's is 1) and abs-send-time 4 (the router's too): only abs-send-time
    /// survives. Firefox names an SSRC of its own even in recvonly sections (the sender of its receiver reports).
    /// </summary>
    public const string Firefox = """
        v=0
        o=mozilla...THIS_IS_SDPARTA-128.0 4915702286435468102 0 IN IP4 0.0.0.0
        s=-
        t=0 0
        a=fingerprint:sha-256 5C:1F:8E:52:0A:6B:3D:27:91:C4:E8:75:0F:AD:36:B2:48:9E:17:C0:D5:63:2A:FB:84:09:7E:51:EC:36:A8:9D
        a=group:BUNDLE 0 1
        a=ice-options:trickle
        a=msid-semantic:WMS *
        m=video 9 UDP/TLS/RTP/SAVPF 120 124 121 125 126 127 97 98 123 122 119
        c=IN IP4 0.0.0.0
        a=recvonly
        a=extmap:3 urn:ietf:params:rtp-hdrext:sdes:mid
        a=extmap:4 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time
        a=extmap:5 urn:ietf:params:rtp-hdrext:toffset
        a=extmap:6/recvonly http://www.webrtc.org/experiments/rtp-hdrext/playout-delay
        a=extmap:7 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01
        a=fmtp:126 profile-level-id=42e01f;level-asymmetry-allowed=1;packetization-mode=1
        a=fmtp:97 profile-level-id=42e01f;level-asymmetry-allowed=1
        a=fmtp:120 max-fs=12288;max-fr=60
        a=fmtp:124 apt=120
        a=fmtp:121 max-fs=12288;max-fr=60
        a=fmtp:125 apt=121
        a=fmtp:127 apt=126
        a=fmtp:98 apt=97
        a=fmtp:119 apt=122
        a=ice-pwd:2bd4b8a5b1a7b5a0c1f3e8d2a9c4e6f1
        a=ice-ufrag:7e1c2a9d
        a=mid:0
        a=rtcp-fb:120 nack
        a=rtcp-fb:120 nack pli
        a=rtcp-fb:120 ccm fir
        a=rtcp-fb:120 goog-remb
        a=rtcp-fb:120 transport-cc
        a=rtcp-fb:121 nack
        a=rtcp-fb:121 nack pli
        a=rtcp-fb:121 ccm fir
        a=rtcp-fb:121 goog-remb
        a=rtcp-fb:121 transport-cc
        a=rtcp-fb:126 nack
        a=rtcp-fb:126 nack pli
        a=rtcp-fb:126 ccm fir
        a=rtcp-fb:126 goog-remb
        a=rtcp-fb:126 transport-cc
        a=rtcp-fb:97 nack
        a=rtcp-fb:97 nack pli
        a=rtcp-fb:97 ccm fir
        a=rtcp-fb:97 goog-remb
        a=rtcp-fb:97 transport-cc
        a=rtcp-fb:123 nack
        a=rtcp-fb:123 nack pli
        a=rtcp-fb:123 ccm fir
        a=rtcp-fb:123 goog-remb
        a=rtcp-fb:123 transport-cc
        a=rtcp-mux
        a=rtcp-rsize
        a=rtpmap:120 VP8/90000
        a=rtpmap:124 rtx/90000
        a=rtpmap:121 VP9/90000
        a=rtpmap:125 rtx/90000
        a=rtpmap:126 H264/90000
        a=rtpmap:127 rtx/90000
        a=rtpmap:97 H264/90000
        a=rtpmap:98 rtx/90000
        a=rtpmap:123 ulpfec/90000
        a=rtpmap:122 red/90000
        a=rtpmap:119 rtx/90000
        a=setup:actpass
        a=ssrc:3307183422 cname:{b3f1a2c4-5d6e-4f70-8a91-b2c3d4e5f607}
        m=audio 9 UDP/TLS/RTP/SAVPF 109 9 0 8 101
        c=IN IP4 0.0.0.0
        a=recvonly
        a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level
        a=extmap:2/recvonly urn:ietf:params:rtp-hdrext:csrc-audio-level
        a=extmap:3 urn:ietf:params:rtp-hdrext:sdes:mid
        a=fmtp:109 maxplaybackrate=48000;stereo=1;useinbandfec=1
        a=fmtp:101 0-15
        a=ice-pwd:2bd4b8a5b1a7b5a0c1f3e8d2a9c4e6f1
        a=ice-ufrag:7e1c2a9d
        a=mid:1
        a=rtcp-mux
        a=rtpmap:109 opus/48000/2
        a=rtpmap:9 G722/8000/1
        a=rtpmap:0 PCMU/8000
        a=rtpmap:8 PCMA/8000
        a=rtpmap:101 telephone-event/8000/1
        a=setup:actpass
        a=ssrc:1702458211 cname:{b3f1a2c4-5d6e-4f70-8a91-b2c3d4e5f607}
        """;
}
