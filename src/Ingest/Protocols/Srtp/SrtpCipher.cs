namespace Broadcast.Ingest.Protocols.Srtp;

/// <summary>
/// The transform of one set of session keys (the SRTP ones or the SRTCP ones), over packets whose index the
/// session already worked out. Unprotect verifies first and leaves the packet as it was when the tag fails.
/// </summary>
internal abstract class SrtpCipher : IDisposable
{
    /// <summary>The E flag of the SRTCP index word: the payload is encrypted.</summary>
    public const uint EncryptedFlag = 0x8000_0000;

    public const int RtcpHeaderLength = 8;
    public const int RtcpIndexLength = 4;

    protected SrtpCipher(int rtpTagLength, int rtcpTagLength)
    {
        RtpTagLength = rtpTagLength;
        RtcpTagLength = rtcpTagLength;
    }

    public int RtpTagLength { get; }

    public int RtcpTagLength { get; }

    /// <summary>The offset of the E‖SRTCP index word in a protected packet of this length.</summary>
    public abstract int RtcpIndexOffset(int packetLength);

    /// <summary><c>header | encrypted payload | tag</c> → <c>header | payload</c> in place; false when the tag fails.</summary>
    public abstract bool UnprotectRtp(Span<byte> packet, int headerLength, uint ssrc, ulong index);

    /// <summary>Encrypts <c>buffer[headerLength..length]</c> and appends the tag.</summary>
    public abstract void ProtectRtp(Span<byte> buffer, int length, int headerLength, uint ssrc, ulong index);

    /// <summary>Verifies and decrypts an SRTCP packet in place (trailer left in the buffer); false when the tag fails.</summary>
    public abstract bool UnprotectRtcp(Span<byte> packet, uint ssrc, uint indexWord);

    /// <summary>Encrypts <c>buffer[8..length]</c> when E is set and appends the index word and the tag.</summary>
    public abstract void ProtectRtcp(Span<byte> buffer, int length, uint ssrc, uint indexWord);

    public abstract void Dispose();
}
