using Broadcast.Ingest.Protocols.Srtp;
using Broadcast.Ingest.Tests.Protocols;

namespace Broadcast.Ingest.Tests.Srtp;

/// <summary>RFC 3711 appendix B.2 (AES-CM keystream) and B.3 (key derivation).</summary>
public class Rfc3711VectorTests
{
    [Fact]
    public void The_aes_cm_keystream_matches_appendix_b_2_at_both_ends_of_the_segment()
    {
        using var aes = new AesCounterMode(Hex.Bytes("2B7E151628AED2A6ABF7158809CF4F3C"));
        var keystream = new byte[1044512]; // 65282 blocks, zeros in: the keystream out

        aes.Apply(Hex.Bytes("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000"), keystream);

        Assert.Equal(Hex.Bytes("E03EAD0935C95E80E166B16DD92B4EB4 D23513162B02D0F72A43A2FE4A5F97AB 41E95B3BB0A2E8DD477901E4FCA894C0"),
            keystream[..48]);
        Assert.Equal(Hex.Bytes("EC8CDF7398607CB0F2D21675EA9EA1E4 362B7C3C6773516318A077D7FC5073AE 6A2CC3787889374FBEB4C81B17BA6C44"),
            keystream[^48..]);
    }

    [Fact]
    public void Applying_the_keystream_twice_gives_the_data_back()
    {
        using var aes = new AesCounterMode(Hex.Bytes("2B7E151628AED2A6ABF7158809CF4F3C"));
        var iv = Hex.Bytes("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000");
        var data = Enumerable.Range(0, 3001).Select(i => (byte)i).ToArray();
        var copy = data.ToArray();

        aes.Apply(iv, data);
        Assert.NotEqual(copy, data);
        aes.Apply(iv, data);
        Assert.Equal(copy, data);
    }

    [Fact]
    public void Key_derivation_matches_appendix_b_3()
    {
        var masterSalt = Hex.Bytes("0EC675AD498AFEEBB6960B3AABE6");
        using var prf = new AesCounterMode(Hex.Bytes("E1F97A0D3E018BE0D64FA32C06DE4139"));
        var cipherKey = new byte[16];
        var cipherSalt = new byte[14];
        var authKey = new byte[94];

        SrtpKeyDerivation.Derive(prf, masterSalt, SrtpKeyDerivation.RtpEncryptionLabel, cipherKey);
        SrtpKeyDerivation.Derive(prf, masterSalt, SrtpKeyDerivation.RtpSaltLabel, cipherSalt);
        SrtpKeyDerivation.Derive(prf, masterSalt, SrtpKeyDerivation.RtpAuthenticationLabel, authKey);

        Assert.Equal(Hex.Bytes("C61E7A93744F39EE10734AFE3FF7A087"), cipherKey);
        Assert.Equal(Hex.Bytes("30CBBC08863D8C85D49DB34A9AE1"), cipherSalt);
        Assert.Equal(Hex.Bytes("""
            CEBE321F6FF7716B6FD4AB49AF256A15 6D38BAA48F0A0ACF3C34E2359E6CDBCE
            E049646C43D9327AD175578EF7227098 6371C10C9A369AC2F94A8C5FBCDDDC25
            6D6E919A48B610EF17C2041E47403576 6B68642C59BBFC2F34DB60DBDFB2
            """), authKey);
    }
}
