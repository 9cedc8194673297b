using Broadcast.Ingest.Protocols.Srtp;
using static Broadcast.Ingest.Tests.Srtp.KnownAnswerTests;

namespace Broadcast.Ingest.Tests.Srtp;

/// <summary>The sending side of SRTP: what a retransmission looks like on the wire, and the cost of a protect.</summary>
public class SrtpProtectTests
{
    public static TheoryData<SrtpProtectionProfile> AllProfiles => new(SrtpFixtures.Profiles);

    // A NACKed packet resent without RTX keeps its SSRC and sequence number, so it has the same index: the same
    // keystream and the same tag, byte for byte. A receiver that had the first copy drops the second as a replay
    // (RFC 3711 §3.3.2), which is what it should do with a duplicate; one that lost the first accepts it once.
    [Theory]
    [MemberData(nameof(AllProfiles))]
    public void A_retransmission_without_RTX_is_the_same_bytes_and_the_receiver_takes_it_once(SrtpProtectionProfile profile)
    {
        using var sender = SrtpFixtures.Session(profile);
        using var delivered = SrtpFixtures.Session(profile);
        using var lost = SrtpFixtures.Session(profile);
        var original = Protect(sender, SrtpFixtures.Rtp(1000));
        var later = Enumerable.Range(1001, 20).Select(s => Protect(sender, SrtpFixtures.Rtp((ushort)s))).ToArray();

        var resent = Protect(sender, SrtpFixtures.Rtp(1000));

        Assert.Equal(original, resent);

        // The receiver that got the original: the resent copy is a replay, dropped with the packet left as it came.
        Assert.Equal(SrtpFixtures.Rtp(1000), Unprotect(delivered, original));
        Assert.All(later, packet => Unprotect(delivered, packet));
        var copy = resent.ToArray();
        Assert.Equal(SrtpStatus.Replayed, delivered.UnprotectRtp(copy, out var length));
        Assert.Equal(0, length);
        Assert.Equal(resent, copy);

        // The receiver that lost it: the resent copy fills the gap, once.
        Assert.All(later, packet => Unprotect(lost, packet));
        Assert.Equal(SrtpFixtures.Rtp(1000), Unprotect(lost, resent));
        Assert.Equal(SrtpStatus.Replayed, lost.UnprotectRtp(resent.ToArray(), out _));
    }

    [Theory]
    [MemberData(nameof(AllProfiles))]
    public void Protecting_a_packet_allocates_nothing_once_its_stream_is_known(SrtpProtectionProfile profile)
    {
        const int Calls = 1000;
        using var sender = SrtpFixtures.Session(profile);
        var rtp = SrtpFixtures.Rtp(0, payloadLength: 1200);
        var buffer = new byte[1500];
        rtp.CopyTo(buffer, 0);
        Assert.Equal(SrtpStatus.Ok, sender.ProtectRtp(buffer, rtp.Length, out _)); // the stream's one dictionary entry

        var protectedCount = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 1; i <= Calls; i++)
        {
            rtp.CopyTo(buffer, 0);
            buffer[2] = (byte)(i >> 8);
            buffer[3] = (byte)i;
            protectedCount += sender.ProtectRtp(buffer, rtp.Length, out _) == SrtpStatus.Ok ? 1 : 0;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(Calls, protectedCount);
        Assert.Equal(0, allocated);
    }
}
