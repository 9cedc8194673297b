namespace Broadcast.Ingest.Protocols.Srtp;

/// <summary>
/// The SRTP key derivation function (RFC 3711 §4.3) with a key derivation rate of 0, as DTLS-SRTP uses it: the
/// AES-CM keystream under the master key, from the counter block <c>(master salt XOR label·2^48)·2^16</c>,
/// truncated to the length wanted. GCM's 12-byte master salt is followed by two zero bytes (RFC 7714 §11).
/// <code>
///   x  = master_salt (14 bytes) XOR (0x00 ‖ … ‖ label at byte 7 ‖ r = 0 in bytes 8–13)
///   IV = x ‖ 0x0000
///   session key = AES-CM(master_key, IV)[0 .. n)
/// </code>
/// </summary>
internal static class SrtpKeyDerivation
{
    public const byte RtpEncryptionLabel = 0x00;
    public const byte RtpAuthenticationLabel = 0x01;
    public const byte RtpSaltLabel = 0x02;
    public const byte RtcpEncryptionLabel = 0x03;
    public const byte RtcpAuthenticationLabel = 0x04;
    public const byte RtcpSaltLabel = 0x05;

    private const int LabelOffset = 7;
    private const int MaxSaltLength = 14;

    /// <summary>Fills <paramref name="output"/> with the session key for <paramref name="label"/>.</summary>
    public static void Derive(AesCounterMode masterKey, ReadOnlySpan<byte> masterSalt, byte label, Span<byte> output)
    {
        if (masterSalt.Length > MaxSaltLength)
        {
            throw new ArgumentException("An SRTP master salt has at most 14 bytes.", nameof(masterSalt));
        }

        Span<byte> iv = stackalloc byte[AesCounterMode.BlockSize];
        iv.Clear();
        masterSalt.CopyTo(iv);
        iv[LabelOffset] ^= label;
        output.Clear();
        masterKey.Apply(iv, output);
    }
}
