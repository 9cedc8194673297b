using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Broadcast.Ingest.Protocols.Srtp;

/// <summary>
/// One direction of SRTP and SRTCP under one master key and salt (RFC 3711, RFC 7714): the session keys derived
/// once, and per SSRC the highest packet index (rollover counter and s_l) with a 128-packet replay window.
/// Unprotect works in place and commits that state only after the tag verifies, so a forged, corrupted or
/// replayed packet changes nothing. Protect keeps its own per-SSRC index (SRTCP: E=1, from 0).
/// Not thread-safe: a transport uses it from its worker only. No allocation per packet; a new SSRC adds one
/// dictionary entry.
/// </summary>
public sealed partial class SrtpSession : IDisposable
{
    private const byte VersionMask = 0b1100_0000;
    private const byte Version2 = 0b1000_0000;
    private const byte ExtensionBit = 0b0001_0000;
    private const byte CsrcCountMask = 0b0000_1111;
    private const int RtpFixedHeaderLength = 12;
    private const long RocIncrement = 1 << 16;

    private readonly SrtpCipher _rtp;
    private readonly SrtpCipher _rtcp;
    private readonly Dictionary<uint, SrtpReplayWindow> _rtpReceived = [];
    private readonly Dictionary<uint, SrtpReplayWindow> _rtpSent = [];
    private bool _disposed;

    /// <summary>Derives the session keys (RFC 3711 §4.3, key derivation rate 0) from a master key and salt.</summary>
    /// <exception cref="ArgumentException">The key or salt has the wrong length for the profile.</exception>
    public SrtpSession(SrtpProtectionProfile profile, ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt)
    {
        var parameters = SrtpProfileParameters.For(profile);
        if (masterKey.Length != parameters.KeyLength || masterSalt.Length != parameters.SaltLength)
        {
            throw new ArgumentException(
                $"{profile} takes a {parameters.KeyLength}-byte master key and a {parameters.SaltLength}-byte master salt.");
        }

        Profile = profile;
        using var prf = new AesCounterMode(masterKey);
        _rtp = CreateCipher(parameters, prf, masterSalt, SrtpKeyDerivation.RtpEncryptionLabel);
        _rtcp = CreateCipher(parameters, prf, masterSalt, SrtpKeyDerivation.RtcpEncryptionLabel);
    }

    // Session keys given directly, as in RFC 7714's test vectors.
    internal SrtpSession(SrtpProtectionProfile profile, SrtpCipher rtp, SrtpCipher rtcp)
    {
        Profile = profile;
        _rtp = rtp;
        _rtcp = rtcp;
    }

    public SrtpProtectionProfile Profile { get; }

    /// <summary>Bytes that protecting an RTP packet adds (the tag).</summary>
    public int RtpOverhead => _rtp.RtpTagLength;

    /// <summary>Bytes that protecting an RTCP packet adds (the E‖index word and the tag).</summary>
    public int RtcpOverhead => SrtpCipher.RtcpIndexLength + _rtcp.RtcpTagLength;

    /// <summary>
    /// Verifies and decrypts an SRTP packet in place; on <see cref="SrtpStatus.Ok"/> the first
    /// <paramref name="length"/> bytes are the RTP packet. Otherwise the packet and the state are unchanged.
    /// </summary>
    public SrtpStatus UnprotectRtp(Span<byte> packet, out int length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        length = 0;
        if (!TryGetRtpHeaderLength(packet, out var headerLength) || packet.Length < headerLength + _rtp.RtpTagLength)
        {
            return SrtpStatus.Malformed;
        }

        var sequenceNumber = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        var ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet[8..]);
        ref var window = ref CollectionsMarshal.GetValueRefOrNullRef(_rtpReceived, ssrc);
        var known = !Unsafe.IsNullRef(ref window);
        long index = sequenceNumber;
        if (known)
        {
            index = SrtpPacketIndex.Estimate(window.Highest, sequenceNumber);
            if (index < 0 || window.IsReplay((ulong)index))
            {
                return SrtpStatus.Replayed;
            }
        }

        if (!_rtp.UnprotectRtp(packet, headerLength, ssrc, (ulong)index))
        {
            // A new stream whose first packets were lost across a wrap (cisco/libsrtp#725): its sender's ROC is 1.
            if (known || !_rtp.UnprotectRtp(packet, headerLength, ssrc, (ulong)(index + RocIncrement)))
            {
                return SrtpStatus.AuthenticationFailed;
            }

            index += RocIncrement;
        }

        if (known)
        {
            window.Accept((ulong)index);
        }
        else
        {
            _rtpReceived[ssrc] = SrtpReplayWindow.Start((ulong)index);
        }

        length = packet.Length - _rtp.RtpTagLength;
        return SrtpStatus.Ok;
    }

    /// <summary>
    /// Encrypts the RTP packet in <c>buffer[..length]</c> in place and appends the tag; <paramref name="buffer"/>
    /// needs <see cref="RtpOverhead"/> bytes of room after it. The ROC follows the sequence numbers per SSRC.
    /// </summary>
    public SrtpStatus ProtectRtp(Span<byte> buffer, int length, out int protectedLength)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, buffer.Length);
        protectedLength = 0;
        if (!TryGetRtpHeaderLength(buffer[..length], out var headerLength))
        {
            return SrtpStatus.Malformed;
        }

        if (buffer.Length - length < _rtp.RtpTagLength)
        {
            return SrtpStatus.BufferTooSmall;
        }

        var sequenceNumber = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
        var ssrc = BinaryPrimitives.ReadUInt32BigEndian(buffer[8..]);
        ref var sent = ref CollectionsMarshal.GetValueRefOrAddDefault(_rtpSent, ssrc, out var known);
        var index = known ? SrtpPacketIndex.Estimate(sent.Highest, sequenceNumber) : sequenceNumber;
        if (index < 0)
        {
            return SrtpStatus.Malformed; // a retransmission from before the stream began
        }

        if (known)
        {
            sent.Accept((ulong)index);
        }
        else
        {
            sent = SrtpReplayWindow.Start((ulong)index);
        }

        _rtp.ProtectRtp(buffer, length, headerLength, ssrc, (ulong)index);
        protectedLength = length + _rtp.RtpTagLength;
        return SrtpStatus.Ok;
    }

    /// <summary>Forgets the receive state of an SSRC (its stream ended): a later packet from it starts afresh.</summary>
    public bool RemoveStream(uint ssrc)
    {
        var removed = _rtpReceived.Remove(ssrc);
        return _rtcpReceived.Remove(ssrc) || removed;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _rtp.Dispose();
        _rtcp.Dispose();
    }

    /// <summary>The clear header of an SRTP packet: 12 bytes, the CSRCs and the extension (padding is encrypted).</summary>
    internal static bool TryGetRtpHeaderLength(ReadOnlySpan<byte> packet, out int headerLength)
    {
        headerLength = 0;
        if (packet.Length < RtpFixedHeaderLength || (packet[0] & VersionMask) != Version2)
        {
            return false;
        }

        var length = RtpFixedHeaderLength + (4 * (packet[0] & CsrcCountMask));
        if ((packet[0] & ExtensionBit) != 0)
        {
            if (packet.Length < length + 4)
            {
                return false;
            }

            length += 4 + (4 * BinaryPrimitives.ReadUInt16BigEndian(packet[(length + 2)..]));
        }

        headerLength = length;
        return packet.Length >= length;
    }

    private static SrtpCipher CreateCipher(SrtpProfileParameters parameters, AesCounterMode prf, ReadOnlySpan<byte> masterSalt,
        byte encryptionLabel)
    {
        Span<byte> key = stackalloc byte[parameters.KeyLength];
        Span<byte> salt = stackalloc byte[parameters.SaltLength];
        Span<byte> authKey = stackalloc byte[parameters.AuthKeyLength];
        try
        {
            SrtpKeyDerivation.Derive(prf, masterSalt, encryptionLabel, key);
            SrtpKeyDerivation.Derive(prf, masterSalt, (byte)(encryptionLabel + 2), salt);
            if (parameters.IsAead)
            {
                return new AesGcmCipher(key, salt);
            }

            SrtpKeyDerivation.Derive(prf, masterSalt, (byte)(encryptionLabel + 1), authKey);
            return new AesCmHmacSha1Cipher(key, salt, authKey, parameters.RtpTagLength, parameters.RtcpTagLength);
        }
        finally
        {
            key.Clear();
            salt.Clear();
            authKey.Clear();
        }
    }
}
