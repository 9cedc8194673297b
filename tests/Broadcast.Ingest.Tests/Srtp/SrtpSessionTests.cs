using Broadcast.Ingest.Protocols.Srtp;
using Broadcast.Ingest.Tests.Protocols;
using static Broadcast.Ingest.Tests.Srtp.KnownAnswerTests;

namespace Broadcast.Ingest.Tests.Srtp;

public class SrtpSessionTests
{
    public static TheoryData<SrtpProtectionProfile> AllProfiles => new(SrtpFixtures.Profiles);

    [Theory]
    [MemberData(nameof(AllProfiles))]
    public void Rtp_protected_then_unprotected_is_the_same_packet(SrtpProtectionProfile profile)
    {
        using var sender = SrtpFixtures.Session(profile);
        using var receiver = SrtpFixtures.Session(profile);
        // CSRC count 1, an extension of one word, padding of 3 bytes: all but the padding stays in clear.
        var rtp = Hex.Bytes("b1 e0 00 05  00 00 01 00  11 22 33 44  aa bb cc dd  be de 00 01  10 ff 00 00  01 02 03 04 05  00 00 03");

        var srtp = Protect(sender, rtp);

        Assert.Equal(rtp.Length + sender.RtpOverhead, srtp.Length);
        Assert.Equal(rtp[..24], srtp[..24]);
        Assert.NotEqual(rtp[24..], srtp[24..rtp.Length]);
        Assert.Equal(rtp, Unprotect(receiver, srtp));
    }

    [Theory]
    [MemberData(nameof(AllProfiles))]
    public void Rtcp_protected_then_unprotected_is_the_same_compound(SrtpProtectionProfile profile)
    {
        using var sender = SrtpFixtures.Session(profile);
        using var receiver = SrtpFixtures.Session(profile);
        var rtcp = SrtpFixtures.Rtcp();

        var first = ProtectRtcp(sender, rtcp);
        var second = ProtectRtcp(sender, rtcp);

        Assert.Equal(rtcp.Length + sender.RtcpOverhead, first.Length);
        Assert.Equal(rtcp[..8], first[..8]);
        Assert.NotEqual(first, second); // another index, another keystream
        Assert.Equal(rtcp, UnprotectRtcp(receiver, second));
        Assert.Equal(rtcp, UnprotectRtcp(receiver, first));
    }

    [Theory]
    [MemberData(nameof(AllProfiles))]
    public void Our_srtcp_carries_e_set_and_an_index_from_zero_per_ssrc(SrtpProtectionProfile profile)
    {
        using var sender = SrtpFixtures.Session(profile);

        var a0 = ProtectRtcp(sender, SrtpFixtures.Rtcp(1));
        var a1 = ProtectRtcp(sender, SrtpFixtures.Rtcp(1));
        var b0 = ProtectRtcp(sender, SrtpFixtures.Rtcp(2));

        var gcm = profile == SrtpProtectionProfile.AeadAes128Gcm;
        uint Word(byte[] p) => System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(gcm ? p.Length - 4 : p.Length - 14));
        Assert.Equal(0x8000_0000u, Word(a0));
        Assert.Equal(0x8000_0001u, Word(a1));
        Assert.Equal(0x8000_0000u, Word(b0));
    }

    [Theory]
    [MemberData(nameof(AllProfiles))]
    public void A_tampered_packet_is_rejected_and_changes_neither_the_packet_nor_the_state(SrtpProtectionProfile profile)
    {
        using var sender = SrtpFixtures.Session(profile);
        using var receiver = SrtpFixtures.Session(profile);
        Unprotect(receiver, Protect(sender, SrtpFixtures.Rtp(40000)));
        // After the wrap, with ROC 1: a committed guess would move the receiver's ROC on and its window past 40001.
        var ahead = Protect(sender, SrtpFixtures.Rtp(100));
        var next = Protect(sender, SrtpFixtures.Rtp(40001));

        foreach (var offset in new[] { 3, 20, ahead.Length - 1 })
        {
            var tampered = ahead.ToArray();
            tampered[offset] ^= 0x01;
            var before = tampered.ToArray();
            Assert.Equal(SrtpStatus.AuthenticationFailed, receiver.UnprotectRtp(tampered, out var length));
            Assert.Equal(0, length);
            Assert.Equal(before, tampered);
        }

        Assert.Equal(SrtpFixtures.Rtp(40001), Unprotect(receiver, next));
        Assert.Equal(SrtpFixtures.Rtp(100), Unprotect(receiver, ahead));
    }

    [Theory]
    [MemberData(nameof(AllProfiles))]
    public void A_tampered_srtcp_packet_is_rejected_and_its_index_stays_free(SrtpProtectionProfile profile)
    {
        using var sender = SrtpFixtures.Session(profile);
        using var receiver = SrtpFixtures.Session(profile);
        var srtcp = ProtectRtcp(sender, SrtpFixtures.Rtcp());
        var tampered = srtcp.ToArray();
        tampered[10] ^= 0x80;

        Assert.Equal(SrtpStatus.AuthenticationFailed, receiver.UnprotectRtcp(tampered, out _));
        Assert.Equal(SrtpFixtures.Rtcp(), UnprotectRtcp(receiver, srtcp));
    }

    [Theory]
    [MemberData(nameof(AllProfiles))]
    public void A_replayed_packet_is_rejected(SrtpProtectionProfile profile)
    {
        using var sender = SrtpFixtures.Session(profile);
        using var receiver = SrtpFixtures.Session(profile);
        var srtp = Protect(sender, SrtpFixtures.Rtp(7));
        var srtcp = ProtectRtcp(sender, SrtpFixtures.Rtcp());
        Unprotect(receiver, srtp);
        UnprotectRtcp(receiver, srtcp);

        Assert.Equal(SrtpStatus.Replayed, receiver.UnprotectRtp(srtp.ToArray(), out _));
        Assert.Equal(SrtpStatus.Replayed, receiver.UnprotectRtcp(srtcp.ToArray(), out _));
    }

    [Fact]
    public void Reordered_packets_inside_the_window_pass_once_and_older_ones_are_rejected()
    {
        using var sender = SrtpFixtures.Session(SrtpProtectionProfile.AesCm128HmacSha1Tag80);
        using var receiver = SrtpFixtures.Session(SrtpProtectionProfile.AesCm128HmacSha1Tag80);
        var packets = Enumerable.Range(1000, 200).Select(s => Protect(sender, SrtpFixtures.Rtp((ushort)s))).ToArray();

        Unprotect(receiver, packets[0]);
        Unprotect(receiver, packets[199]);
        Unprotect(receiver, packets[72]); // 127 behind: inside
        Unprotect(receiver, packets[150]);

        Assert.Equal(SrtpStatus.Replayed, receiver.UnprotectRtp(packets[72].ToArray(), out _));
        Assert.Equal(SrtpStatus.Replayed, receiver.UnprotectRtp(packets[71].ToArray(), out _)); // 128 behind: too old
        Assert.Equal(SrtpStatus.Replayed, receiver.UnprotectRtp(packets[0].ToArray(), out _));
    }

    [Fact]
    public void The_srtcp_replay_window_keeps_128_indices()
    {
        using var sender = SrtpFixtures.Session(SrtpProtectionProfile.AeadAes128Gcm);
        using var receiver = SrtpFixtures.Session(SrtpProtectionProfile.AeadAes128Gcm);
        var packets = Enumerable.Range(0, 200).Select(_ => ProtectRtcp(sender, SrtpFixtures.Rtcp())).ToArray();

        UnprotectRtcp(receiver, packets[199]);
        UnprotectRtcp(receiver, packets[72]);

        Assert.Equal(SrtpStatus.Replayed, receiver.UnprotectRtcp(packets[71].ToArray(), out _));
    }

    [Fact]
    public void Remove_stream_forgets_an_ssrc_so_its_packets_start_afresh()
    {
        using var sender = SrtpFixtures.Session(SrtpProtectionProfile.AesCm128HmacSha1Tag80);
        using var receiver = SrtpFixtures.Session(SrtpProtectionProfile.AesCm128HmacSha1Tag80);
        var srtp = Protect(sender, SrtpFixtures.Rtp(5));
        Unprotect(receiver, srtp);

        Assert.True(receiver.RemoveStream(SrtpFixtures.Ssrc));
        Assert.False(receiver.RemoveStream(SrtpFixtures.Ssrc));
        Assert.Equal(SrtpFixtures.Rtp(5), Unprotect(receiver, srtp));
    }

    [Fact]
    public void Sessions_with_other_keys_reject_each_others_packets()
    {
        using var sender = SrtpFixtures.Session(SrtpProtectionProfile.AesCm128HmacSha1Tag80, seed: 1);
        using var receiver = SrtpFixtures.Session(SrtpProtectionProfile.AesCm128HmacSha1Tag80, seed: 2);

        Assert.Equal(SrtpStatus.AuthenticationFailed, receiver.UnprotectRtp(Protect(sender, SrtpFixtures.Rtp(1)), out _));
        Assert.Equal(SrtpStatus.AuthenticationFailed, receiver.UnprotectRtcp(ProtectRtcp(sender, SrtpFixtures.Rtcp()), out _));
    }

    [Theory]
    [MemberData(nameof(AllProfiles))]
    public void Unprotecting_a_packet_allocates_nothing(SrtpProtectionProfile profile)
    {
        using var sender = SrtpFixtures.Session(profile);
        using var receiver = SrtpFixtures.Session(profile);
        var packets = Enumerable.Range(0, 300).Select(s => Protect(sender, SrtpFixtures.Rtp((ushort)s, 1188))).ToArray();
        var rtcp = Enumerable.Range(0, 300).Select(_ => ProtectRtcp(sender, SrtpFixtures.Rtcp())).ToArray();
        var buffer = new byte[1500];
        receiver.UnprotectRtp(packets[0].AsSpan().ToArray(), out _);
        receiver.UnprotectRtcp(rtcp[0].AsSpan().ToArray(), out _);

        var accepted = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 1; i < packets.Length; i++)
        {
            packets[i].CopyTo(buffer, 0);
            accepted += receiver.UnprotectRtp(buffer.AsSpan(0, packets[i].Length), out _) == SrtpStatus.Ok ? 1 : 0;
            rtcp[i].CopyTo(buffer, 0);
            accepted += receiver.UnprotectRtcp(buffer.AsSpan(0, rtcp[i].Length), out _) == SrtpStatus.Ok ? 1 : 0;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(2 * (packets.Length - 1), accepted);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Master_keys_of_the_wrong_length_or_an_unknown_profile_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new SrtpSession(SrtpProtectionProfile.AesCm128HmacSha1Tag80, new byte[16], new byte[12]));
        Assert.Throws<ArgumentException>(() => new SrtpSession(SrtpProtectionProfile.AeadAes128Gcm, new byte[16], new byte[14]));
        Assert.Throws<ArgumentException>(() => new SrtpSession(SrtpProtectionProfile.AeadAes128Gcm, new byte[32], new byte[12]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SrtpSession((SrtpProtectionProfile)0x0008, new byte[32], new byte[12]));
    }

    [Fact]
    public void A_context_unprotects_with_the_remote_keys_and_protects_with_the_local_ones()
    {
        var clientKey = Enumerable.Range(1, 16).Select(i => (byte)i).ToArray();
        var clientSalt = Enumerable.Range(50, 14).Select(i => (byte)i).ToArray();
        var serverKey = Enumerable.Range(100, 16).Select(i => (byte)i).ToArray();
        var serverSalt = Enumerable.Range(150, 14).Select(i => (byte)i).ToArray();
        const SrtpProtectionProfile profile = SrtpProtectionProfile.AesCm128HmacSha1Tag80;
        using var server = new SrtpContext(profile, clientKey, clientSalt, serverKey, serverSalt);
        using var client = new SrtpContext(profile, serverKey, serverSalt, clientKey, clientSalt);

        var fromClient = Protect(client.Outbound, SrtpFixtures.Rtp(1));
        Assert.Equal(SrtpStatus.Ok, server.UnprotectRtp(fromClient, out _));
        var buffer = new byte[100];
        SrtpFixtures.Rtcp().CopyTo(buffer, 0);
        Assert.Equal(SrtpStatus.Ok, server.ProtectRtcp(buffer, 32, out var length));
        Assert.Equal(SrtpStatus.Ok, client.UnprotectRtcp(buffer.AsSpan(0, length), out _));
        Assert.Equal(profile, server.Profile);
    }
}
