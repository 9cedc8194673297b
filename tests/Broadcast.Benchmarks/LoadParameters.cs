using Broadcast.Ingest.Protocols.Rtp;
using Broadcast.Ingest.Routing;

namespace Broadcast.Benchmarks;

/// <summary>Producer parameters and packets shared by the benchmarks and the load tool.</summary>
internal static class LoadParameters
{
    public static RtpParameters H264(uint ssrc) => new()
    {
        Codecs =
        [
            new RtpCodecParameters
            {
                MimeType = "video/H264", PayloadType = 96, ClockRate = 90000,
                Parameters = CodecParameters.Of(("packetization-mode", 1), ("profile-level-id", "42e01f")),
            },
        ],
        Encodings = [new RtpEncodingParameters { Ssrc = ssrc }],
    };

    public static byte[] Packet(uint ssrc, ushort sequence, bool keyFrame, int payloadLength)
    {
        var packet = new byte[RtpHeader.FixedLength + payloadLength];
        RtpHeader.TryWriteFixed(packet, marker: false, 96, sequence, 3000u * sequence, ssrc);
        packet[RtpHeader.FixedLength] = keyFrame ? (byte)0x65 : (byte)0x41;
        return packet;
    }
}
