using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Broadcast.Ingest.Protocols.Srtp;

/// <summary>
/// AEAD_AES_128_GCM (RFC 7714) with a 16-byte tag.
/// <code>
///  SRTP:  | RTP header (AAD) | ciphertext | tag |          IV = (00 00 ‖ SSRC ‖ ROC ‖ SEQ) XOR salt
///  SRTCP: | first 8 bytes (AAD) | ciphertext | tag | E‖index |   IV = (00 00 ‖ SSRC ‖ 00 00 ‖ 0‖index) XOR salt,
///                                                              AAD = first 8 bytes ‖ E‖index
/// </code>
/// (With E = 0 the whole SRTCP payload is AAD and nothing is encrypted.) Decryption goes to a scratch buffer and is
/// copied back only when the tag verifies, so that a rejected packet is left as it came.
/// </summary>
internal sealed class AesGcmCipher : SrtpCipher
{
    private const int TagLength = 16;
    private const int NonceLength = 12;

    private readonly AesGcm _gcm;
    private readonly byte[] _salt;
    private byte[] _scratch = new byte[2048];

    public AesGcmCipher(ReadOnlySpan<byte> key, ReadOnlySpan<byte> salt)
        : base(TagLength, TagLength)
    {
        if (salt.Length != NonceLength)
        {
            throw new ArgumentException("A GCM session salt has 12 bytes.", nameof(salt));
        }

        _gcm = new AesGcm(key, TagLength);
        _salt = salt.ToArray();
    }

    public override int RtcpIndexOffset(int packetLength) => packetLength - RtcpIndexLength;

    public override bool UnprotectRtp(Span<byte> packet, int headerLength, uint ssrc, ulong index)
    {
        Span<byte> nonce = stackalloc byte[NonceLength];
        Nonce(nonce, ssrc, (uint)(index >> 16), (uint)(index & 0xFFFF));
        var tagOffset = packet.Length - TagLength;
        return Open(nonce, packet[headerLength..tagOffset], packet[tagOffset..], packet[..headerLength]);
    }

    public override void ProtectRtp(Span<byte> buffer, int length, int headerLength, uint ssrc, ulong index)
    {
        Span<byte> nonce = stackalloc byte[NonceLength];
        Nonce(nonce, ssrc, (uint)(index >> 16), (uint)(index & 0xFFFF));
        var payload = buffer[headerLength..length];
        _gcm.Encrypt(nonce, payload, payload, buffer.Slice(length, TagLength), buffer[..headerLength]);
    }

    public override bool UnprotectRtcp(Span<byte> packet, uint ssrc, uint indexWord)
    {
        Span<byte> nonce = stackalloc byte[NonceLength];
        Nonce(nonce, ssrc, 0, indexWord & ~EncryptedFlag);
        var tagOffset = packet.Length - RtcpIndexLength - TagLength;
        var tag = packet.Slice(tagOffset, TagLength);
        if ((indexWord & EncryptedFlag) != 0)
        {
            Span<byte> aad = stackalloc byte[RtcpHeaderLength + RtcpIndexLength];
            packet[..RtcpHeaderLength].CopyTo(aad);
            BinaryPrimitives.WriteUInt32BigEndian(aad[RtcpHeaderLength..], indexWord);
            return Open(nonce, packet[RtcpHeaderLength..tagOffset], tag, aad);
        }

        var clear = AuthenticatedOnlyAad(packet[..tagOffset], indexWord);
        return Open(nonce, [], tag, clear);
    }

    public override void ProtectRtcp(Span<byte> buffer, int length, uint ssrc, uint indexWord)
    {
        Span<byte> nonce = stackalloc byte[NonceLength];
        Nonce(nonce, ssrc, 0, indexWord & ~EncryptedFlag);
        var tag = buffer.Slice(length, TagLength);
        if ((indexWord & EncryptedFlag) != 0)
        {
            Span<byte> aad = stackalloc byte[RtcpHeaderLength + RtcpIndexLength];
            buffer[..RtcpHeaderLength].CopyTo(aad);
            BinaryPrimitives.WriteUInt32BigEndian(aad[RtcpHeaderLength..], indexWord);
            var payload = buffer[RtcpHeaderLength..length];
            _gcm.Encrypt(nonce, payload, payload, tag, aad);
        }
        else
        {
            _gcm.Encrypt(nonce, [], [], tag, AuthenticatedOnlyAad(buffer[..length], indexWord));
        }

        BinaryPrimitives.WriteUInt32BigEndian(buffer[(length + TagLength)..], indexWord);
    }

    public override void Dispose() => _gcm.Dispose();

    // Wire input must not throw: a tag mismatch is the exception AesGcm raises, caught here (it costs a few
    // microseconds, only on forged or corrupted packets).
    private bool Open(ReadOnlySpan<byte> nonce, Span<byte> ciphertext, ReadOnlySpan<byte> tag, ReadOnlySpan<byte> aad)
    {
        var plaintext = Scratch(ciphertext.Length);
        try
        {
            _gcm.Decrypt(nonce, ciphertext, tag, plaintext, aad);
        }
        catch (CryptographicException)
        {
            return false;
        }

        plaintext.CopyTo(ciphertext);
        return true;
    }

    private ReadOnlySpan<byte> AuthenticatedOnlyAad(ReadOnlySpan<byte> packet, uint indexWord)
    {
        var aad = Scratch(packet.Length + RtcpIndexLength);
        packet.CopyTo(aad);
        BinaryPrimitives.WriteUInt32BigEndian(aad[packet.Length..], indexWord);
        return aad;
    }

    private Span<byte> Scratch(int length)
    {
        if (_scratch.Length < length)
        {
            _scratch = new byte[Math.Max(length, 2 * _scratch.Length)];
        }

        return _scratch.AsSpan(0, length);
    }

    private void Nonce(Span<byte> nonce, uint ssrc, uint high, uint low)
    {
        BinaryPrimitives.WriteUInt16BigEndian(nonce, 0);
        BinaryPrimitives.WriteUInt32BigEndian(nonce[2..], ssrc);
        BinaryPrimitives.WriteUInt16BigEndian(nonce[6..], (ushort)(high >> 16));
        BinaryPrimitives.WriteUInt32BigEndian(nonce[8..], (high << 16) | low);
        AesCounterMode.Xor(nonce, _salt);
    }
}
