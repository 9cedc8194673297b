using Broadcast.Ingest.Protocols.Srtp;
using Broadcast.Ingest.Tests.Protocols;

namespace Broadcast.Ingest.Tests.Srtp;

public class SrtpInvalidInputTests
{
    public static TheoryData<string, string> InvalidSrtp => new()
    {
        { "empty", "" },
        { "11 bytes", "80 60 00 01 00 00 00 00 00 00 00" },
        { "a header and no tag", "80 60 00 01  00 00 00 00  11 22 33 44" },
        { "a tag one byte short", "80 60 00 01  00 00 00 00  11 22 33 44  01 02 03" },
        { "version 1", "40 60 00 01  00 00 00 00  11 22 33 44" + Tail },
        { "version 3", "c0 60 00 01  00 00 00 00  11 22 33 44" + Tail },
        { "CSRCs past the end", "8f 60 00 01  00 00 00 00  11 22 33 44" + Tail },
        { "an extension header past the end", "90 60 00 01  00 00 00 00  11 22 33 44  be de" },
        { "extension words past the end", "90 60 00 01  00 00 00 00  11 22 33 44  be de 00 09" + Tail },
    };

    public static TheoryData<string, string> InvalidSrtcp => new()
    {
        { "empty", "" },
        { "a header only", "81 c9 00 01  11 22 33 44" },
        { "no room for index and tag", "81 c9 00 01  11 22 33 44  80 00 00 01  01 02 03 04 05 06 07 08 09" },
        { "version 0", "01 c9 00 01  11 22 33 44" + Tail },
        { "version 1", "41 c9 00 01  11 22 33 44" + Tail },
    };

    // 20 bytes: enough for any tag, wrong as any tag.
    private const string Tail = " 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13";

    [Theory]
    [MemberData(nameof(InvalidSrtp))]
    public void Unprotect_reports_a_packet_that_cannot_be_srtp_as_malformed(string name, string hex)
    {
        foreach (var profile in SrtpFixtures.Profiles)
        {
            using var session = SrtpFixtures.Session(profile);
            var packet = Hex.Bytes(hex);
            var status = session.UnprotectRtp(packet, out var length);
            Assert.True(status == SrtpStatus.Malformed, $"{name}, {profile}: {status}");
            Assert.Equal(0, length);
        }
    }

    [Theory]
    [MemberData(nameof(InvalidSrtcp))]
    public void Unprotect_reports_a_packet_that_cannot_be_srtcp_as_malformed(string name, string hex)
    {
        foreach (var profile in SrtpFixtures.Profiles)
        {
            using var session = SrtpFixtures.Session(profile);
            var status = session.UnprotectRtcp(Hex.Bytes(hex), out var length);
            Assert.True(status == SrtpStatus.Malformed, $"{name}, {profile}: {status}");
            Assert.Equal(0, length);
        }
    }

    [Fact]
    public void Valid_looking_packets_with_a_wrong_tag_fail_authentication()
    {
        using var session = SrtpFixtures.Session(SrtpProtectionProfile.AesCm128HmacSha1Tag80);

        Assert.Equal(SrtpStatus.AuthenticationFailed, session.UnprotectRtp(Hex.Bytes("80 60 00 01  00 00 00 00  11 22 33 44" + Tail), out _));
        Assert.Equal(SrtpStatus.AuthenticationFailed, session.UnprotectRtcp(Hex.Bytes("81 c9 00 01  11 22 33 44" + Tail), out _));
    }

    [Fact]
    public void Protect_reports_a_buffer_without_room_and_a_packet_that_is_not_rtp()
    {
        foreach (var profile in SrtpFixtures.Profiles)
        {
            using var session = SrtpFixtures.Session(profile);
            var rtp = SrtpFixtures.Rtp(1);
            var rtcp = SrtpFixtures.Rtcp();
            var tight = new byte[rtp.Length + session.RtpOverhead - 1];
            rtp.CopyTo(tight, 0);

            Assert.Equal(SrtpStatus.BufferTooSmall, session.ProtectRtp(tight, rtp.Length, out var length));
            Assert.Equal(0, length);
            Assert.Equal(SrtpStatus.BufferTooSmall, session.ProtectRtcp(rtcp.AsSpan().ToArray(), rtcp.Length, out _));
            Assert.Equal(SrtpStatus.Malformed, session.ProtectRtp(new byte[64], 11, out _));
            Assert.Equal(SrtpStatus.Malformed, session.ProtectRtcp(new byte[64], 32, out _)); // version 0
            Assert.Equal(SrtpStatus.Malformed, session.ProtectRtcp(new byte[64], 7, out _));
            Assert.Throws<ArgumentOutOfRangeException>(() => session.ProtectRtp(new byte[10], 11, out _));
        }
    }

    [Fact]
    public void A_disposed_session_is_a_caller_bug()
    {
        var session = SrtpFixtures.Session(SrtpProtectionProfile.AeadAes128Gcm);
        session.Dispose();
        session.Dispose();

        Assert.Throws<ObjectDisposedException>(() => session.UnprotectRtp(new byte[40], out _));
    }

    [Fact]
    public void Random_datagrams_never_throw_and_never_authenticate()
    {
        var random = new Random(3711);
        var buffer = new byte[256];
        var sessions = SrtpFixtures.Profiles.Select(p => SrtpFixtures.Session(p)).ToArray();
        try
        {
            for (var i = 0; i < 30_000; i++)
            {
                var datagram = buffer.AsSpan(0, random.Next(buffer.Length + 1));
                random.NextBytes(datagram);
                if (datagram.Length > 1 && random.Next(2) == 0)
                {
                    datagram[0] = (byte)(0x80 | (datagram[0] & 0x3f)); // version 2, so the crypto is reached
                }

                var session = sessions[i % sessions.Length];
                Assert.NotEqual(SrtpStatus.Ok, session.UnprotectRtp(datagram, out _));
                Assert.NotEqual(SrtpStatus.Ok, session.UnprotectRtcp(datagram, out _));
            }
        }
        finally
        {
            foreach (var session in sessions)
            {
                session.Dispose();
            }
        }
    }
}
