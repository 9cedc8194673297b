using System.Buffers.Binary;
using Broadcast.Ingest.Protocols.Srtp;

namespace Broadcast.Ingest.Tests.Srtp;

/// <summary>Sessions sharing one master key, and RTP/RTCP packets to feed them.</summary>
internal static class SrtpFixtures
{
    public const uint Ssrc = 0x11223344;

    public static readonly SrtpProtectionProfile[] Profiles =
        [SrtpProtectionProfile.AesCm128HmacSha1Tag80, SrtpProtectionProfile.AesCm128HmacSha1Tag32, SrtpProtectionProfile.AeadAes128Gcm];

    public static SrtpSession Session(SrtpProtectionProfile profile, byte seed = 1)
    {
        var key = Enumerable.Range(seed, SrtpContext.MasterKeyLength(profile)).Select(i => (byte)i).ToArray();
        var salt = Enumerable.Range(seed + 100, SrtpContext.MasterSaltLength(profile)).Select(i => (byte)i).ToArray();
        return new SrtpSession(profile, key, salt);
    }

    /// <summary>A plain RTP packet: 12-byte header, payload bytes counting up from the sequence number.</summary>
    public static byte[] Rtp(ushort sequenceNumber, int payloadLength = 40, uint ssrc = Ssrc)
    {
        var packet = new byte[12 + payloadLength];
        packet[0] = 0x80;
        packet[1] = 96;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), sequenceNumber);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), sequenceNumber * 3000u);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), ssrc);
        for (var i = 12; i < packet.Length; i++)
        {
            packet[i] = (byte)(sequenceNumber + i);
        }

        return packet;
    }

    /// <summary>A receiver report with one block, as a compound of one packet.</summary>
    public static byte[] Rtcp(uint ssrc = Ssrc)
    {
        var packet = new byte[32];
        packet[0] = 0x81;
        packet[1] = 201;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), 7);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), ssrc);
        for (var i = 8; i < packet.Length; i++)
        {
            packet[i] = (byte)i;
        }

        return packet;
    }
}
