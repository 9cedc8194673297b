using Broadcast.Ingest.Protocols.Rtsp;
using static Broadcast.Ingest.Tests.Protocols.Rtsp.RtspFixtures;

namespace Broadcast.Ingest.Tests.Protocols.Rtsp;

public class RtspMessageReaderTests
{
    [Fact]
    public void A_captured_describe_answer_is_one_message_including_its_sdp_body()
    {
        var bytes = Bytes(GStreamerDescribe);

        var kind = RtspMessageReader.TryReadFrame(bytes, out var length, out _);

        Assert.Equal(RtspFrameKind.Message, kind);
        Assert.Equal(bytes.Length, length);
        Assert.True(RtspResponse.TryParse(bytes, out var response));
        Assert.Equal(835, response.Body.Length);
        Assert.Equal("rtsp://127.0.0.1:18555/cam/", response.Headers.Get("content-base"));
    }

    [Fact]
    public void The_captured_play_answer_followed_by_interleaved_frames_splits_into_a_message_then_rtcp_then_rtp()
    {
        var stream = Bytes(GStreamerPlay).Concat(Hex.Bytes(GStreamerInterleavedHex)).ToArray();
        var frames = new List<(RtspFrameKind Kind, byte Channel, int Length)>();

        var offset = 0;
        while (offset < stream.Length)
        {
            var kind = RtspMessageReader.TryReadFrame(stream.AsSpan(offset), out var length, out var channel);
            Assert.NotEqual(RtspFrameKind.Incomplete, kind);
            Assert.NotEqual(RtspFrameKind.Invalid, kind);
            frames.Add((kind, channel, length));
            offset += length;
        }

        Assert.Equal(3, frames.Count);
        Assert.Equal(RtspFrameKind.Message, frames[0].Kind);
        Assert.Equal((RtspFrameKind.Interleaved, (byte)3, 4 + 0x50), frames[1]);
        Assert.Equal((RtspFrameKind.Interleaved, (byte)0, 4 + 0x28), frames[2]);
    }

    [Fact]
    public void Every_prefix_of_a_message_or_frame_is_incomplete()
    {
        foreach (var whole in new[] { Bytes(GStreamerDescribe), Hex.Bytes(GStreamerInterleavedHex)[..84] })
        {
            for (var length = 0; length < whole.Length; length++)
            {
                Assert.Equal(RtspFrameKind.Incomplete, RtspMessageReader.TryReadFrame(whole.AsSpan(0, length), out _, out _));
            }
        }
    }

    [Fact]
    public void A_message_whose_lines_end_with_bare_line_feeds_is_read()
    {
        var bytes = Bytes(QueryBaseDescribe);

        Assert.Equal(RtspFrameKind.Message, RtspMessageReader.TryReadFrame(bytes, out var length, out _));
        Assert.Equal(bytes.Length, length);
        Assert.True(RtspResponse.TryParse(bytes, out var response));
        Assert.Equal(3, response.CSeq);
        Assert.StartsWith("v=0\n", System.Text.Encoding.UTF8.GetString(response.Body), StringComparison.Ordinal);
    }

    [Fact]
    public void A_folded_header_line_continues_the_previous_header()
    {
        var bytes = Bytes("RTSP/1.0 200 OK\r\nCSeq: 7\r\nPublic: OPTIONS, DESCRIBE,\r\n  SETUP, PLAY\r\n\r\n");

        Assert.True(RtspResponse.TryParse(bytes, out var response));
        Assert.Equal("OPTIONS, DESCRIBE, SETUP, PLAY", response.Headers.Get("Public"));
    }

    [Fact]
    public void An_interleaved_header_is_written_as_dollar_channel_and_big_endian_length()
    {
        var header = new byte[4];

        Assert.True(RtspMessageReader.TryWriteInterleavedHeader(header, 3, 0x0150));
        Assert.Equal(Hex.Bytes("24 03 01 50"), header);
        Assert.False(RtspMessageReader.TryWriteInterleavedHeader(header, 3, 70000));
        Assert.False(RtspMessageReader.TryWriteInterleavedHeader(header.AsSpan(0, 3), 3, 1));
    }

    public static TheoryData<string, string> Garbage => new()
    {
        { "a binary byte", "\u0001RTSP/1.0 200 OK\r\n\r\n" },
        { "a line that is no start line", "Hello world\r\n\r\n" },
        { "an HTTP answer", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n" },
        { "a negative content length", "RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: -5\r\n\r\n" },
        { "a content length that is not a number", "RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: 12abc\r\n\r\n" },
        { "a body larger than any SDP", "RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: 99999999\r\n\r\n" },
        { "headers that never end", "RTSP/1.0 200 OK\r\n" + new string('X', 17000) },
    };

    [Theory]
    [MemberData(nameof(Garbage))]
    public void Bytes_that_start_no_message_are_invalid(string reason, string text)
    {
        Assert.True(RtspFrameKind.Invalid == RtspMessageReader.TryReadFrame(Bytes(text), out _, out _), reason);
    }

    public static TheoryData<string, string> NotResponses => new()
    {
        { "a request", "OPTIONS rtsp://cam/ RTSP/1.0\r\nCSeq: 1\r\n\r\n" },
        { "a status that is not a number", "RTSP/1.0 abc OK\r\n\r\n" },
        { "a two-digit status", "RTSP/1.0 20 OK\r\n\r\n" },
        { "no status at all", "RTSP/1.0\r\n\r\n" },
        { "a header without a colon", "RTSP/1.0 200 OK\r\nCSeq 1\r\n\r\n" },
        { "no blank line", "RTSP/1.0 200 OK\r\nCSeq: 1\r\n" },
        { "a continuation before any header", "RTSP/1.0 200 OK\r\n  folded\r\n\r\n" },
        { "nothing", "" },
    };

    [Theory]
    [MemberData(nameof(NotResponses))]
    public void Messages_that_are_not_responses_are_refused(string reason, string text)
    {
        Assert.False(RtspResponse.TryParse(Bytes(text), out _), reason);
    }

    [Fact]
    public void A_response_without_a_reason_phrase_is_accepted()
    {
        Assert.True(RtspResponse.TryParse(Bytes("RTSP/1.0 454\r\nCSeq: 9\r\n\r\n"), out var response));
        Assert.Equal(454, response.StatusCode);
        Assert.Equal("", response.Reason);
        Assert.Equal(9, response.CSeq);
    }

    [Fact]
    public void A_request_written_by_the_client_parses_back_with_its_headers_and_body()
    {
        var request = new RtspRequest("SET_PARAMETER", "rtsp://cam/live", body: Bytes("a: b\r\n"));
        request.Headers.Add("CSeq", "12");
        request.Headers.Add("Session", "abc");

        var bytes = request.ToArray();

        Assert.Equal(RtspFrameKind.Message, RtspMessageReader.TryReadFrame(bytes, out var length, out _));
        Assert.Equal(bytes.Length, length);
        Assert.True(RtspRequest.TryParse(bytes, out var parsed));
        Assert.Equal("SET_PARAMETER", parsed.Method);
        Assert.Equal("rtsp://cam/live", parsed.Uri);
        Assert.Equal(12, parsed.CSeq);
        Assert.Equal("a: b\r\n"u8.ToArray(), parsed.Body);
        Assert.False(RtspResponse.TryParse(bytes, out _));
    }
}
