using Broadcast.Ingest.Dtls;

namespace Broadcast.Ingest.Tests.Dtls;

public sealed class SrtpKeyingMaterialTests
{
    [Theory] // RFC 5764 §4.2: client key | server key | client salt | server salt
    [InlineData(SrtpProfile.AesCm128HmacSha1Tag80, 16, 14)]
    [InlineData(SrtpProfile.AesCm128HmacSha1Tag32, 16, 14)]
    [InlineData(SrtpProfile.AeadAes128Gcm, 16, 12)]
    public void The_exporter_output_is_split_into_client_key_server_key_client_salt_server_salt(SrtpProfile profile, int key, int salt)
    {
        var exported = Enumerable.Range(0, 2 * (key + salt)).Select(i => (byte)i).ToArray();

        var keys = SrtpKeyingMaterial.Split(profile, exported);

        Assert.Equal(2 * (key + salt), SrtpKeyingMaterial.ExportLength(profile));
        Assert.Equal(exported[..key], keys.ClientWriteKey.ToArray());
        Assert.Equal(exported[key..(2 * key)], keys.ServerWriteKey.ToArray());
        Assert.Equal(exported[(2 * key)..(2 * key + salt)], keys.ClientWriteSalt.ToArray());
        Assert.Equal(exported[(2 * key + salt)..], keys.ServerWriteSalt.ToArray());
        exported[0] ^= 0xFF;
        Assert.Equal(0, keys.ClientWriteKey.Span[0]); // a copy, not a view of the caller's buffer
    }

    [Fact]
    public void Keying_material_of_the_wrong_length_is_refused()
    {
        Assert.Throws<ArgumentException>(() => SrtpKeyingMaterial.Split(SrtpProfile.AeadAes128Gcm, new byte[60]));
        Assert.Throws<ArgumentOutOfRangeException>(() => SrtpKeyingMaterial.ExportLength((SrtpProfile)0x0008));
    }

    [Fact]
    public void The_keys_never_appear_in_ToString()
    {
        var keys = SrtpKeyingMaterial.Split(SrtpProfile.AesCm128HmacSha1Tag80, Enumerable.Repeat((byte)0xAB, 60).ToArray());

        Assert.Equal("SrtpKeyingMaterial { Profile = AesCm128HmacSha1Tag80 }", keys.ToString());
    }

    [Fact]
    public void Profile_values_are_the_IANA_ids()
    {
        Assert.Equal(0x0001, (int)SrtpProfile.AesCm128HmacSha1Tag80);
        Assert.Equal(0x0002, (int)SrtpProfile.AesCm128HmacSha1Tag32);
        Assert.Equal(0x0007, (int)SrtpProfile.AeadAes128Gcm);
    }
}
