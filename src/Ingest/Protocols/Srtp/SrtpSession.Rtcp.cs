using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Broadcast.Ingest.Protocols.Srtp;

// SRTCP (RFC 3711 §3.4, RFC 7714 §9): the 31-bit index travels in the packet, so there is nothing to estimate;
// the replay window applies per sender SSRC just the same.
public sealed partial class SrtpSession
{
    private const uint IndexMask = 0x7FFF_FFFF;

    private readonly Dictionary<uint, SrtpReplayWindow> _rtcpReceived = [];
    private readonly Dictionary<uint, uint> _rtcpNextIndex = [];

    /// <summary>
    /// Verifies and (when E is set) decrypts an SRTCP compound packet in place; on <see cref="SrtpStatus.Ok"/> the
    /// first <paramref name="length"/> bytes are the RTCP packet. Otherwise the packet and the state are unchanged.
    /// </summary>
    public SrtpStatus UnprotectRtcp(Span<byte> packet, out int length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        length = 0;
        if (packet.Length < SrtpCipher.RtcpHeaderLength + RtcpOverhead || (packet[0] & VersionMask) != Version2)
        {
            return SrtpStatus.Malformed;
        }

        var ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet[4..]);
        var indexWord = BinaryPrimitives.ReadUInt32BigEndian(packet[_rtcp.RtcpIndexOffset(packet.Length)..]);
        var index = indexWord & IndexMask;
        ref var window = ref CollectionsMarshal.GetValueRefOrNullRef(_rtcpReceived, ssrc);
        var known = !Unsafe.IsNullRef(ref window);
        if (known && window.IsReplay(index))
        {
            return SrtpStatus.Replayed;
        }

        if (!_rtcp.UnprotectRtcp(packet, ssrc, indexWord))
        {
            return SrtpStatus.AuthenticationFailed;
        }

        if (known)
        {
            window.Accept(index);
        }
        else
        {
            _rtcpReceived[ssrc] = SrtpReplayWindow.Start(index);
        }

        length = packet.Length - RtcpOverhead;
        return SrtpStatus.Ok;
    }

    /// <summary>
    /// Encrypts the RTCP compound packet in <c>buffer[..length]</c> in place and appends E=1 with the sender SSRC's
    /// next index (from 0) and the tag; <paramref name="buffer"/> needs <see cref="RtcpOverhead"/> bytes of room.
    /// </summary>
    public SrtpStatus ProtectRtcp(Span<byte> buffer, int length, out int protectedLength)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, buffer.Length);
        protectedLength = 0;
        if (length < SrtpCipher.RtcpHeaderLength || (buffer[0] & VersionMask) != Version2)
        {
            return SrtpStatus.Malformed;
        }

        if (buffer.Length - length < RtcpOverhead)
        {
            return SrtpStatus.BufferTooSmall;
        }

        var ssrc = BinaryPrimitives.ReadUInt32BigEndian(buffer[4..]);
        ref var next = ref CollectionsMarshal.GetValueRefOrAddDefault(_rtcpNextIndex, ssrc, out _);
        var index = next;
        next = (next + 1) & IndexMask;
        _rtcp.ProtectRtcp(buffer, length, ssrc, SrtpCipher.EncryptedFlag | index);
        protectedLength = length + RtcpOverhead;
        return SrtpStatus.Ok;
    }
}
