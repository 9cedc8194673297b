using System.Text;
using Broadcast.Ingest.Protocols.Rtsp;
using Broadcast.Ingest.Protocols.Sdp;
using static Broadcast.Ingest.Tests.Protocols.Rtsp.RtspFixtures;

namespace Broadcast.Ingest.Tests.Protocols.Rtsp;

/// <summary>
/// Wire input never throws: camera answers with bytes flipped, cut or replaced by noise go through the framer, the
/// message, header and SDP parsers. A fixed seed makes a failure reproducible.
/// </summary>
public class RtspParserFuzzTests
{
    private const int Iterations = 20_000;
    private const int Seed = 2326;

    private static readonly string[] Seeds =
    [
        GStreamerDescribe, GStreamerSetupTcp, GStreamerSetupUdp, GStreamerPlay, GStreamerDigestChallenge, TwoChallenges,
        QopChallenge, StaleChallenge, SessionWithTimeoutSetup, QueryBaseDescribe, Redirect, GStreamerOptions,
        "RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n" + AbsoluteControlSdp, "RTSP/1.0 200 OK\r\n\r\n" + GStreamerH265Sdp,
    ];

    private static readonly byte[] Interesting = "$:;=,\"\\\r\n /-0123456789RTSP"u8.ToArray();

    [Fact]
    public void Mutated_camera_answers_through_every_parser_never_throw()
    {
        var random = new Random(Seed);
        for (var i = 0; i < Iterations; i++)
        {
            var bytes = Mutate(random, Encoding.UTF8.GetBytes(Seeds[random.Next(Seeds.Length)]));
            ParseEverything(bytes);
        }
    }

    private static byte[] Mutate(Random random, byte[] seed)
    {
        var bytes = seed[..random.Next(seed.Length + 1)];
        var flips = random.Next(1, 8);
        for (var i = 0; i < flips && bytes.Length > 0; i++)
        {
            var at = random.Next(bytes.Length);
            bytes[at] = random.Next(3) switch
            {
                0 => (byte)random.Next(256),
                1 => Interesting[random.Next(Interesting.Length)],
                _ => bytes[random.Next(bytes.Length)],
            };
        }

        return bytes;
    }

    private static void ParseEverything(byte[] bytes)
    {
        var offset = 0;
        while (offset < bytes.Length)
        {
            var kind = RtspMessageReader.TryReadFrame(bytes.AsSpan(offset), out var length, out _);
            if (kind is RtspFrameKind.Incomplete)
            {
                break;
            }

            if (kind is RtspFrameKind.Invalid)
            {
                offset++;
                continue;
            }

            var frame = bytes.AsSpan(offset, length);
            if (kind is RtspFrameKind.Message)
            {
                RtspRequest.TryParse(frame, out _);
                if (RtspResponse.TryParse(frame, out var response))
                {
                    RtspTransportHeader.TryParse(response.Headers.Get("Transport"), out _);
                    RtspSessionHeader.TryParse(response.Headers.Get("Session"), out _);
                    RtpInfoHeader.TryParse(response.Headers.Get("RTP-Info"), out _);
                    foreach (var challenge in RtspAuthenticationChallenge.ParseAll(response.Headers.GetAll("WWW-Authenticate")))
                    {
                        _ = challenge.Qop.Count + (challenge.Stale ? 1 : 0);
                        RtspAuthorization.TryDigest(challenge, "u", "p", "DESCRIBE", "rtsp://cam/", "c", 1, out _);
                    }

                    RtspUrl.TryParse(response.Headers.Get("Location"), out _);
                    ParseSdp(response.Body);
                }
            }

            offset += length;
        }

        ParseSdp(bytes);
    }

    private static void ParseSdp(byte[] bytes)
    {
        if (!SessionDescription.TryParse(bytes, out var sdp))
        {
            return;
        }

        foreach (var media in sdp.Media)
        {
            _ = media.FrameRate;
            _ = RtspUrl.ResolveControl("rtsp://cam/live/", media.Control);
            foreach (var format in media.Formats)
            {
                media.GetRtpMap(format);
                var fmtp = media.GetFormatParameters(format);
                fmtp.TryGetParameterSets("sprop-parameter-sets", out _);
                fmtp.TryGetHex("config", out _);
                fmtp.GetInteger("packetization-mode");
            }
        }
    }
}
