using Broadcast.Ingest.Protocols.Srtp;
using static Broadcast.Ingest.Tests.Srtp.KnownAnswerTests;

namespace Broadcast.Ingest.Tests.Srtp;

/// <summary>The rollover counter (RFC 3711 appendix A) where implementations have lost it: at the wrap, across loss, at the start.</summary>
public class SrtpRolloverTests
{
    public static TheoryData<SrtpProtectionProfile> AllProfiles => new(SrtpFixtures.Profiles);

    [Theory]
    [InlineData(0ul, 0, 0L)]
    [InlineData(100ul, 101, 101L)]
    [InlineData(100ul, 99, 99L)]
    [InlineData(65535ul, 0, 65536L)] // s_l ≥ 2^15 and SEQ far below: the wrap
    [InlineData(65535ul, 32767, 32767L)] // exactly 2^15 below s_l: still this ROC
    [InlineData(65535ul, 32766, 98302L)]
    [InlineData(65536ul + 5, 65530, 65530L)] // s_l < 2^15 and SEQ far above: a late packet from before the wrap
    [InlineData(5ul, 65530, -6L)] // ... but there was no ROC before 0
    [InlineData((3ul << 16) + 40000, 7000, (4L << 16) + 7000)]
    public void The_index_guess_follows_appendix_a(ulong highest, int sequenceNumber, long expected)
    {
        Assert.Equal(expected, SrtpPacketIndex.Estimate(highest, (ushort)sequenceNumber));
    }

    [Theory]
    [MemberData(nameof(AllProfiles))]
    public void Decryption_goes_on_across_the_wrap_from_65535_to_0(SrtpProtectionProfile profile)
    {
        using var sender = SrtpFixtures.Session(profile);
        using var receiver = SrtpFixtures.Session(profile);

        for (var i = 65500; i < 65536 + 500; i++)
        {
            var sequenceNumber = (ushort)i;
            Assert.Equal(SrtpFixtures.Rtp(sequenceNumber), Unprotect(receiver, Protect(sender, SrtpFixtures.Rtp(sequenceNumber))));
        }
    }

    [Fact]
    public void A_burst_of_loss_around_the_wrap_does_not_lose_the_roc()
    {
        using var sender = SrtpFixtures.Session(SrtpProtectionProfile.AesCm128HmacSha1Tag80);
        using var receiver = SrtpFixtures.Session(SrtpProtectionProfile.AesCm128HmacSha1Tag80);
        var late = Array.Empty<byte>();

        for (var i = 60000; i < 65536 + 20000; i++)
        {
            var sequenceNumber = (ushort)i;
            var srtp = Protect(sender, SrtpFixtures.Rtp(sequenceNumber));
            if (i == 65000)
            {
                late = srtp; // arrives after the wrap
            }
            else if (i is < 64000 or > 65536 + 15000)
            {
                // 16536 packets lost on either side of the wrap, less than 2^15 in all
                Assert.Equal(SrtpFixtures.Rtp(sequenceNumber), Unprotect(receiver, srtp));
            }
        }

        Assert.Equal(SrtpStatus.Replayed, receiver.UnprotectRtp(late, out _)); // ROC − 1 guessed right, but out of the window
    }

    [Fact]
    public void A_packet_from_just_before_the_wrap_arriving_just_after_it_decrypts()
    {
        using var sender = SrtpFixtures.Session(SrtpProtectionProfile.AesCm128HmacSha1Tag80);
        using var receiver = SrtpFixtures.Session(SrtpProtectionProfile.AesCm128HmacSha1Tag80);
        var beforeWrap = Protect(sender, SrtpFixtures.Rtp(65534));
        var last = Protect(sender, SrtpFixtures.Rtp(65535));
        var afterWrap = Protect(sender, SrtpFixtures.Rtp(1));

        Unprotect(receiver, beforeWrap);
        Unprotect(receiver, afterWrap);

        Assert.Equal(SrtpFixtures.Rtp(65535), Unprotect(receiver, last));
    }

    [Theory]
    [MemberData(nameof(AllProfiles))]
    public void A_stream_that_starts_near_65535_and_loses_its_first_packets_still_decrypts(SrtpProtectionProfile profile)
    {
        using var sender = SrtpFixtures.Session(profile);
        using var receiver = SrtpFixtures.Session(profile);
        var lost = new[] { Protect(sender, SrtpFixtures.Rtp(65533)), Protect(sender, SrtpFixtures.Rtp(65534)) };
        var late = Protect(sender, SrtpFixtures.Rtp(65535));

        // The first packet the receiver sees was sent with ROC 1 (cisco/libsrtp#725).
        for (ushort sequenceNumber = 0; sequenceNumber < 50; sequenceNumber++)
        {
            Assert.Equal(SrtpFixtures.Rtp(sequenceNumber), Unprotect(receiver, Protect(sender, SrtpFixtures.Rtp(sequenceNumber))));
        }

        Assert.Equal(SrtpFixtures.Rtp(65535), Unprotect(receiver, late));
        Assert.Equal(SrtpFixtures.Rtp(65534), Unprotect(receiver, lost[1]));
    }

    [Fact]
    public void A_stream_that_starts_at_65535_decrypts_through_the_wrap()
    {
        using var sender = SrtpFixtures.Session(SrtpProtectionProfile.AeadAes128Gcm);
        using var receiver = SrtpFixtures.Session(SrtpProtectionProfile.AeadAes128Gcm);

        foreach (var sequenceNumber in new ushort[] { 65535, 0, 1, 3, 2 })
        {
            Assert.Equal(SrtpFixtures.Rtp(sequenceNumber), Unprotect(receiver, Protect(sender, SrtpFixtures.Rtp(sequenceNumber))));
        }
    }

    [Fact]
    public void The_replay_window_marks_each_index_once_and_forgets_those_128_behind()
    {
        var window = SrtpReplayWindow.Start(1000);

        Assert.True(window.IsReplay(1000));
        Assert.False(window.IsReplay(999));
        Assert.False(window.IsReplay(1001));
        window.Accept(999);
        Assert.True(window.IsReplay(999));
        window.Accept(1200);
        Assert.Equal(1200ul, window.Highest);
        Assert.True(window.IsReplay(1072)); // 128 behind
        Assert.False(window.IsReplay(1073));
        window.Accept(1073);
        Assert.True(window.IsReplay(1073));
        window.Accept(100_000);
        Assert.True(window.IsReplay(1200));
        Assert.False(window.IsReplay(99_999));
    }
}
