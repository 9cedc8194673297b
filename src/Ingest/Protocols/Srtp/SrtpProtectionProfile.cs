namespace Broadcast.Ingest.Protocols.Srtp;

/// <summary>
/// The SRTP protection profiles we implement, valued as their DTLS-SRTP ids (RFC 5764 §4.1.2, RFC 7714 §14.2), so
/// that a profile negotiated by DTLS converts with a cast of its id.
/// </summary>
public enum SrtpProtectionProfile : ushort
{
    /// <summary>SRTP_AES128_CM_HMAC_SHA1_80: 16-byte key, 14-byte salt, 10-byte tags; mandatory in WebRTC.</summary>
    AesCm128HmacSha1Tag80 = 0x0001,

    /// <summary>SRTP_AES128_CM_HMAC_SHA1_32: as _80 with a 4-byte SRTP tag; SRTCP keeps the 10-byte tag (RFC 5764 §4.1.2).</summary>
    AesCm128HmacSha1Tag32 = 0x0002,

    /// <summary>SRTP_AEAD_AES_128_GCM (RFC 7714): 16-byte key, 12-byte salt, 16-byte tags.</summary>
    AeadAes128Gcm = 0x0007,
}

/// <summary>The lengths a profile uses.</summary>
internal readonly record struct SrtpProfileParameters(int KeyLength, int SaltLength, int AuthKeyLength, int RtpTagLength,
    int RtcpTagLength, bool IsAead)
{
    public static SrtpProfileParameters For(SrtpProtectionProfile profile) => profile switch
    {
        SrtpProtectionProfile.AesCm128HmacSha1Tag80 => new(16, 14, 20, 10, 10, false),
        SrtpProtectionProfile.AesCm128HmacSha1Tag32 => new(16, 14, 20, 4, 10, false),
        SrtpProtectionProfile.AeadAes128Gcm => new(16, 12, 0, 16, 16, true),
        _ => throw new ArgumentOutOfRangeException(nameof(profile), profile, "Unsupported SRTP protection profile."),
    };
}
