using System.Buffers.Binary;

namespace Broadcast.Transcode.Tests.Muxing;

/// <summary>Builds RTP packets (RFC 3550 fixed header, no CSRC or extension) for the depacketiser tests.</summary>
internal static class RtpPackets
{
    public static byte[] Make(ushort sequence, uint timestamp, uint ssrc, ReadOnlySpan<byte> payload, bool marker = false, byte payloadType = 96)
    {
        var packet = new byte[12 + payload.Length];
        packet[0] = 0x80;
        packet[1] = (byte)((marker ? 0x80 : 0) | payloadType);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), sequence);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), ssrc);
        payload.CopyTo(packet.AsSpan(12));
        return packet;
    }

    /// <summary>STAP-A (RFC 6184 §5.7.1): the F/NRI of the first unit, type 24, then 16-bit size + unit for each.</summary>
    public static byte[] StapA(params byte[][] units)
    {
        var payload = new List<byte> { (byte)((units[0][0] & 0x60) | 24) };
        foreach (var unit in units)
        {
            payload.Add((byte)(unit.Length >> 8));
            payload.Add((byte)unit.Length);
            payload.AddRange(unit);
        }

        return [.. payload];
    }

    /// <summary>A NAL unit cut into FU-A payloads (RFC 6184 §5.8) of at most <paramref name="size"/> bytes of its body.</summary>
    public static List<byte[]> FuA(byte[] nal, int size)
    {
        var fragments = new List<byte[]>();
        var body = nal.AsSpan(1);
        for (var at = 0; at < body.Length; at += size)
        {
            var piece = body.Slice(at, Math.Min(size, body.Length - at));
            var header = (byte)((at == 0 ? 0x80 : 0) | (at + size >= body.Length ? 0x40 : 0) | (nal[0] & 0x1f));
            fragments.Add([(byte)((nal[0] & 0xe0) | 28), header, .. piece]);
        }

        return fragments;
    }

    /// <summary>An AAC-hbr payload (RFC 3640 §3.3.6): AU-headers-length, then 13-bit size + 3-bit index per AU, then the AUs.</summary>
    public static byte[] AacHbr(params byte[][] frames) => AacHbrWithSizes(frames.Select(f => f.Length).ToArray(), [.. frames.SelectMany(f => f)]);

    public static byte[] AacHbrWithSizes(int[] sizes, byte[] data)
    {
        var payload = new byte[2 + (2 * sizes.Length) + data.Length];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)(16 * sizes.Length));
        for (var i = 0; i < sizes.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(2 + (2 * i)), (ushort)(sizes[i] << 3));
        }

        data.CopyTo(payload.AsSpan(2 + (2 * sizes.Length)));
        return payload;
    }
}
