namespace Broadcast.Ingest.Dtls;

/// <summary>
/// What a DTLS-SRTP handshake gives the SRTP layer: the negotiated profile and the master keys and salts of both
/// directions, split from the TLS exporter output (RFC 5764 §4.2) laid out as
/// <c>client_write_key | server_write_key | client_write_salt | server_write_salt</c>.
/// As the DTLS server we decrypt the publisher's SRTP/SRTCP with the client's key and salt and protect what we send
/// (SRTCP feedback) with the server's.
/// </summary>
public sealed record SrtpKeyingMaterial(
    SrtpProfile Profile,
    ReadOnlyMemory<byte> ClientWriteKey,
    ReadOnlyMemory<byte> ClientWriteSalt,
    ReadOnlyMemory<byte> ServerWriteKey,
    ReadOnlyMemory<byte> ServerWriteSalt)
{
    /// <summary>The exporter label of RFC 5764 §4.2.</summary>
    public const string ExporterLabel = "EXTRACTOR-dtls_srtp";

    /// <summary>Master key length in bytes.</summary>
    public static int KeyLength(SrtpProfile profile) => profile switch
    {
        SrtpProfile.AeadAes128Gcm or SrtpProfile.AesCm128HmacSha1Tag80 or SrtpProfile.AesCm128HmacSha1Tag32 => 16,
        _ => throw new ArgumentOutOfRangeException(nameof(profile), profile, "Unknown SRTP profile."),
    };

    /// <summary>Master salt length in bytes (RFC 7714 uses 12 for GCM, RFC 3711 14 for AES-CM).</summary>
    public static int SaltLength(SrtpProfile profile) => profile switch
    {
        SrtpProfile.AeadAes128Gcm => 12,
        SrtpProfile.AesCm128HmacSha1Tag80 or SrtpProfile.AesCm128HmacSha1Tag32 => 14,
        _ => throw new ArgumentOutOfRangeException(nameof(profile), profile, "Unknown SRTP profile."),
    };

    /// <summary>How many bytes to ask of the exporter: two keys and two salts.</summary>
    public static int ExportLength(SrtpProfile profile) => 2 * (KeyLength(profile) + SaltLength(profile));

    /// <summary>Splits the exporter output; the input is copied.</summary>
    /// <exception cref="ArgumentException">The length is not <see cref="ExportLength"/>.</exception>
    public static SrtpKeyingMaterial Split(SrtpProfile profile, ReadOnlySpan<byte> exported)
    {
        var key = KeyLength(profile);
        var salt = SaltLength(profile);
        if (exported.Length != 2 * (key + salt))
        {
            throw new ArgumentException($"{profile} needs {2 * (key + salt)} bytes of keying material, not {exported.Length}.", nameof(exported));
        }

        var copy = exported.ToArray();
        return new SrtpKeyingMaterial(
            profile,
            ClientWriteKey: copy.AsMemory(0, key),
            ClientWriteSalt: copy.AsMemory(2 * key, salt),
            ServerWriteKey: copy.AsMemory(key, key),
            ServerWriteSalt: copy.AsMemory(2 * key + salt, salt));
    }

    /// <summary>Keys in logs would defeat SRTP: only the profile is printed.</summary>
    public override string ToString() => $"SrtpKeyingMaterial {{ Profile = {Profile} }}";
}
