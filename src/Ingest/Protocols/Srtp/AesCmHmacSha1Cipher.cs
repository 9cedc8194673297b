using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Broadcast.Ingest.Protocols.Srtp;

/// <summary>
/// AES_CM_128 with HMAC-SHA1 (RFC 3711 §4.1.1, §4.2.1), for the _80 and _32 profiles.
/// <code>
///  SRTP:  | RTP header (clear) | encrypted payload | tag |      tag = HMAC(k_a, header ‖ payload ‖ ROC)
///  SRTCP: | first 8 bytes (clear) | encrypted rest | E‖index (31) | tag |  tag = HMAC(k_a, all before it)
///  IV   = (k_s·2^16) XOR (SSRC·2^64) XOR (index·2^16)   (index 48 bits for SRTP, 31 for SRTCP)
/// </code>
/// The ROC is hashed without copying the packet: it is written for the HMAC into the first four bytes of the tag's
/// place (the tag having been saved), which is then restored.
/// </summary>
internal sealed class AesCmHmacSha1Cipher : SrtpCipher
{
    private const int RocLength = 4;
    private const int MacLength = 20;
    private const int SaltLength = 14;

    private readonly AesCounterMode _aes;
    private readonly IncrementalHash _hmac;
    private readonly byte[] _salt;

    public AesCmHmacSha1Cipher(ReadOnlySpan<byte> key, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> authKey, int rtpTagLength,
        int rtcpTagLength)
        : base(rtpTagLength, rtcpTagLength)
    {
        if (salt.Length != SaltLength)
        {
            throw new ArgumentException("An AES-CM session salt has 14 bytes.", nameof(salt));
        }

        _aes = new AesCounterMode(key);
        _hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA1, authKey);
        _salt = salt.ToArray();
    }

    public override int RtcpIndexOffset(int packetLength) => packetLength - RtcpTagLength - RtcpIndexLength;

    public override bool UnprotectRtp(Span<byte> packet, int headerLength, uint ssrc, ulong index)
    {
        var tagOffset = packet.Length - RtpTagLength;
        Span<byte> received = stackalloc byte[MacLength];
        packet[tagOffset..].CopyTo(received);
        Span<byte> mac = stackalloc byte[MacLength];
        BinaryPrimitives.WriteUInt32BigEndian(packet[tagOffset..], (uint)(index >> 16));
        Authenticate(packet[..(tagOffset + RocLength)], mac);
        received[..RocLength].CopyTo(packet[tagOffset..]);
        if (!CryptographicOperations.FixedTimeEquals(mac[..RtpTagLength], received[..RtpTagLength]))
        {
            return false;
        }

        Transform(packet[headerLength..tagOffset], ssrc, index);
        return true;
    }

    public override void ProtectRtp(Span<byte> buffer, int length, int headerLength, uint ssrc, ulong index)
    {
        Transform(buffer[headerLength..length], ssrc, index);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[length..], (uint)(index >> 16));
        Span<byte> mac = stackalloc byte[MacLength];
        Authenticate(buffer[..(length + RocLength)], mac);
        mac[..RtpTagLength].CopyTo(buffer[length..]);
    }

    public override bool UnprotectRtcp(Span<byte> packet, uint ssrc, uint indexWord)
    {
        var tagOffset = packet.Length - RtcpTagLength;
        Span<byte> mac = stackalloc byte[MacLength];
        Authenticate(packet[..tagOffset], mac);
        if (!CryptographicOperations.FixedTimeEquals(mac[..RtcpTagLength], packet[tagOffset..]))
        {
            return false;
        }

        if ((indexWord & EncryptedFlag) != 0)
        {
            Transform(packet[RtcpHeaderLength..(tagOffset - RtcpIndexLength)], ssrc, indexWord & ~EncryptedFlag);
        }

        return true;
    }

    public override void ProtectRtcp(Span<byte> buffer, int length, uint ssrc, uint indexWord)
    {
        if ((indexWord & EncryptedFlag) != 0)
        {
            Transform(buffer[RtcpHeaderLength..length], ssrc, indexWord & ~EncryptedFlag);
        }

        BinaryPrimitives.WriteUInt32BigEndian(buffer[length..], indexWord);
        var tagOffset = length + RtcpIndexLength;
        Span<byte> mac = stackalloc byte[MacLength];
        Authenticate(buffer[..tagOffset], mac);
        mac[..RtcpTagLength].CopyTo(buffer[tagOffset..]);
    }

    public override void Dispose()
    {
        _aes.Dispose();
        _hmac.Dispose();
    }

    private void Authenticate(ReadOnlySpan<byte> data, Span<byte> mac)
    {
        _hmac.AppendData(data);
        _hmac.GetHashAndReset(mac);
    }

    private void Transform(Span<byte> payload, uint ssrc, ulong index)
    {
        Span<byte> iv = stackalloc byte[AesCounterMode.BlockSize];
        _salt.CopyTo(iv);
        iv[14] = 0;
        iv[15] = 0;
        // SSRC into bytes 4–7, the 48-bit index into bytes 8–13.
        BinaryPrimitives.WriteUInt32BigEndian(iv[4..], BinaryPrimitives.ReadUInt32BigEndian(iv[4..]) ^ ssrc);
        BinaryPrimitives.WriteUInt16BigEndian(iv[8..], (ushort)(BinaryPrimitives.ReadUInt16BigEndian(iv[8..]) ^ (ushort)(index >> 32)));
        BinaryPrimitives.WriteUInt32BigEndian(iv[10..], BinaryPrimitives.ReadUInt32BigEndian(iv[10..]) ^ (uint)index);
        _aes.Apply(iv, payload);
    }
}
