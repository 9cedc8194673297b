using Broadcast.Ingest.Protocols.Srtp;
using Broadcast.Ingest.Tests.Protocols;

namespace Broadcast.Ingest.Tests.Srtp;

/// <summary>
/// Whole packets: RFC 7714 §16–17 (GCM with the session keys given) and libsrtp's reference packets for the
/// AES-CM and GCM profiles (from master keys, so through the key derivation), whose SRTCP index is 1.
/// </summary>
public class KnownAnswerTests
{
    // RFC 7714 §16.1 and §17.1: session key, session salt, SSRC 0x5501a0b2 (RTP), 0x4d617273 (RTCP, index 0x5d4).
    private static readonly byte[] GcmKey = Hex.Bytes("000102030405060708090a0b0c0d0e0f");
    private static readonly byte[] GcmSalt = Hex.Bytes("517569642070726f2071756f");

    private static readonly byte[] Rfc7714Rtp = Hex.Bytes("""
        8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f 6d6e6973 20646976 69736120 696e2070 61727465 73207472 6573
        """);

    private static readonly byte[] Rfc7714Srtp = Hex.Bytes("""
        8040f17b 8041f8d3 5501a0b2 f24de3a3 fb34de6c acba861c 9d7e4bca be633bd5 0d294e6f 42a5f47a 51c7d19b 36de3adf
        8833899d 7f27beb1 6a9152cf 765ee439 0cce
        """);

    private static readonly byte[] Rfc7714Rtcp = Hex.Bytes("""
        81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61
        deadbeef deadbeef deadbeef deadbeef deadbeef
        """);

    private static readonly byte[] Rfc7714Srtcp = Hex.Bytes("""
        81c8000d 4d617273 63e94885 dcdab67c a727d766 2f6b7e99 7ff5c0f7 6c06f32d c676a5f1 730d6fda 4ce09b46 86303ded
        0bb9275b c84aa458 96cf4d2f c5abf872 45d9eade 800005d4
        """);

    // §17.2: E = 0, authenticated only.
    private static readonly byte[] Rfc7714AuthenticatedOnlySrtcp = Hex.Bytes("""
        81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61
        deadbeef deadbeef deadbeef deadbeef deadbeef 841dd968 3dd78ec9 2ae58790 125f62b3 000005d4
        """);

    // libsrtp's reference packets: SSRC 0xcafebabe, sequence 0x1234, ROC 0.
    private static readonly byte[] CmMasterKey = Hex.Bytes("e1f97a0d3e018be0d64fa32c06de4139");
    private static readonly byte[] CmMasterSalt = Hex.Bytes("0ec675ad498afeebb6960b3aabe6");
    private static readonly byte[] GcmMasterSalt = Hex.Bytes("a0a1a2a3a4a5a6a7a8a9aaab");
    private static readonly byte[] Rtp = Hex.Bytes("800f1234 decafbad cafebabe abababab abababab abababab abababab");
    private static readonly byte[] Rtcp = Hex.Bytes("81c8000b cafebabe abababab abababab abababab abababab");
    private static readonly byte[] CmSrtp = Hex.Bytes(
        "800f1234 decafbad cafebabe 4e55dc4c e79978d8 8ca4d215 949d2402 b78d6acc 99ea179b 8dbb");
    private static readonly byte[] CmSrtcp = Hex.Bytes(
        "81c8000b cafebabe 7128035b e487b9bd bef89041 f977a5a8 80000001 993e08cd 54d6c123 0798");
    private static readonly byte[] GcmSrtp = Hex.Bytes(
        "800f1234 decafbad cafebabe c5002ede 04cfdd2e b91159e0 880aa06e d2976826 f796b201 df3131a1 27e8a392");
    private static readonly byte[] GcmSrtcp = Hex.Bytes(
        "81c8000b cafebabe c98b8b5d f0392a55 852b6c21 ac8e7025 c52c6fbe a2b3b446 ea31123b a88ce61e 80000001");

    [Fact]
    public void Rfc_7714_gcm_srtp_encrypts_and_decrypts_to_the_vectors()
    {
        using var sender = Rfc7714Session();
        using var receiver = Rfc7714Session();

        Assert.Equal(Rfc7714Srtp, Protect(sender, Rfc7714Rtp));
        Assert.Equal(Rfc7714Rtp, Unprotect(receiver, Rfc7714Srtp));
    }

    [Fact]
    public void Rfc_7714_gcm_srtcp_decrypts_both_the_encrypted_and_the_authenticated_only_vector()
    {
        using var receiver = Rfc7714Session();
        using var other = Rfc7714Session();

        Assert.Equal(Rfc7714Rtcp, UnprotectRtcp(receiver, Rfc7714Srtcp));
        Assert.Equal(Rfc7714Rtcp, UnprotectRtcp(other, Rfc7714AuthenticatedOnlySrtcp));
    }

    [Theory]
    [InlineData(SrtpProtectionProfile.AesCm128HmacSha1Tag80)]
    [InlineData(SrtpProtectionProfile.AesCm128HmacSha1Tag32)]
    [InlineData(SrtpProtectionProfile.AeadAes128Gcm)]
    public void Libsrtp_reference_packets_are_reproduced_from_the_master_key(SrtpProtectionProfile profile)
    {
        var gcm = profile == SrtpProtectionProfile.AeadAes128Gcm;
        var key = gcm ? GcmKey : CmMasterKey;
        var salt = gcm ? GcmMasterSalt : CmMasterSalt;
        var srtp = gcm ? GcmSrtp : profile == SrtpProtectionProfile.AesCm128HmacSha1Tag32 ? CmSrtp[..32] : CmSrtp;
        var srtcp = gcm ? GcmSrtcp : CmSrtcp; // the _32 profile keeps the 80-bit SRTCP tag
        using var sender = new SrtpSession(profile, key, salt);
        using var receiver = new SrtpSession(profile, key, salt);

        Assert.Equal(srtp, Protect(sender, Rtp));
        Assert.Equal(Rtp, Unprotect(receiver, srtp));
        Assert.Equal(Rtcp, UnprotectRtcp(receiver, srtcp));
        ProtectRtcp(sender, Rtcp); // index 0
        Assert.Equal(srtcp, ProtectRtcp(sender, Rtcp)); // index 1, as libsrtp numbers its first packet
    }

    private static SrtpSession Rfc7714Session() => new(SrtpProtectionProfile.AeadAes128Gcm,
        new AesGcmCipher(GcmKey, GcmSalt), new AesGcmCipher(GcmKey, GcmSalt));

    internal static byte[] Protect(SrtpSession session, byte[] rtp)
    {
        var buffer = new byte[rtp.Length + session.RtpOverhead];
        rtp.CopyTo(buffer, 0);
        Assert.Equal(SrtpStatus.Ok, session.ProtectRtp(buffer, rtp.Length, out var length));
        return buffer[..length];
    }

    internal static byte[] Unprotect(SrtpSession session, byte[] srtp)
    {
        var packet = srtp.ToArray();
        Assert.Equal(SrtpStatus.Ok, session.UnprotectRtp(packet, out var length));
        return packet[..length];
    }

    internal static byte[] ProtectRtcp(SrtpSession session, byte[] rtcp)
    {
        var buffer = new byte[rtcp.Length + session.RtcpOverhead];
        rtcp.CopyTo(buffer, 0);
        Assert.Equal(SrtpStatus.Ok, session.ProtectRtcp(buffer, rtcp.Length, out var length));
        return buffer[..length];
    }

    internal static byte[] UnprotectRtcp(SrtpSession session, byte[] srtcp)
    {
        var packet = srtcp.ToArray();
        Assert.Equal(SrtpStatus.Ok, session.UnprotectRtcp(packet, out var length));
        return packet[..length];
    }
}
