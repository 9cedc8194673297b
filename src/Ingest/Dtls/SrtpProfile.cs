namespace Broadcast.Ingest.Dtls;

/// <summary>
/// The SRTP protection profiles we negotiate in DTLS-SRTP's use_srtp extension (RFC 5764 §4.1.2, RFC 7714 §14.2),
/// with their IANA ids as values. Listed in our order of preference.
/// </summary>
public enum SrtpProfile : ushort
{
    /// <summary>SRTP_AEAD_AES_128_GCM (0x0007): 16-byte key, 12-byte salt, 16-byte tag.</summary>
    AeadAes128Gcm = 0x0007,

    /// <summary>SRTP_AES128_CM_HMAC_SHA1_80 (0x0001): 16-byte key, 14-byte salt, 10-byte tag; mandatory in WebRTC.</summary>
    AesCm128HmacSha1Tag80 = 0x0001,

    /// <summary>SRTP_AES128_CM_HMAC_SHA1_32 (0x0002): as _80 with a 4-byte SRTP tag (SRTCP keeps 10 bytes).</summary>
    AesCm128HmacSha1Tag32 = 0x0002,
}
