using Broadcast.Ingest.Protocols.Rtcp;
using Broadcast.Testing;

namespace Broadcast.Ingest.Tests.Transports;

/// <summary>
/// Component tests of what the viewer peer does with media, against <see cref="StandInWebRtcSender"/> on loopback:
/// SRTP decrypted and counted per SSRC, sender reports and CNAMEs kept, receiver reports computed from them, and loss
/// played before decryption so that a NACK and its retransmission can be tested.
/// </summary>
public sealed class WebRtcTestPeerMediaTests
{
    private const uint VideoSsrc = 0x11110001;
    private const uint AudioSsrc = 0x22220002;

    [Fact]
    public async Task Rtp_is_decrypted_counted_per_ssrc_and_kept_in_arrival_order_across_a_sequence_wrap()
    {
        await using var sender = new StandInWebRtcSender();
        await using var peer = await ConnectAsync(sender);
        var raised = new List<RtpPacketInfo>();
        peer.RtpReceived += packet =>
        {
            lock (raised)
            {
                raised.Add(packet);
            }
        };

        for (var i = 0; i < 20; i++)
        {
            sender.SendRtp(VideoSsrc, (ushort)(65530 + i), 3000u * (uint)i, marker: i % 5 == 4, payloadLength: 100 + i);
        }

        for (var i = 0; i < 5; i++)
        {
            sender.SendRtp(AudioSsrc, (ushort)(7 + i), 960u * (uint)i);
        }

        await peer.WaitForRtpAsync(25);

        var video = peer.GetStream(VideoSsrc)!;
        Assert.Equal(20, video.PacketsReceived);
        Assert.Equal(Enumerable.Range(100, 20).Sum(), video.PayloadBytesReceived);
        Assert.Equal(65536u + 13, video.ExtendedHighestSequence); // 65530 + 19 wrapped once
        Assert.Equal(0, video.CumulativeLost);
        Assert.Empty(video.Missing);
        Assert.Equal(5, peer.GetStream(AudioSsrc)!.PacketsReceived);
        Assert.Equal(2, peer.Streams.Count);

        var recent = peer.RecentRtp;
        Assert.Equal(25, recent.Count);
        Assert.Equal(new RtpPacketInfo(VideoSsrc, 65530, 96, 0, false, 100), recent[0]);
        Assert.Equal(new RtpPacketInfo(VideoSsrc, 65534, 96, 12000, true, 104), recent[4]);
        Assert.Equal(new RtpPacketInfo(VideoSsrc, 2, 96, 24000, false, 108), recent[8]);
        Assert.Equal(new RtpPacketInfo(AudioSsrc, 11, 96, 3840, false, 100), recent[24]);
        lock (raised)
        {
            Assert.Equal(recent, raised);
        }

        Assert.Equal(0, peer.SrtpFailures);
    }

    [Fact]
    public async Task Sender_reports_and_cnames_are_kept_and_a_receiver_report_answers_with_loss_LSR_and_DLSR()
    {
        const ulong Ntp = 0xE9A1B2C3_40000000;
        await using var sender = new StandInWebRtcSender();
        await using var peer = await ConnectAsync(sender);
        for (ushort sequence = 1; sequence <= 10; sequence++)
        {
            if (sequence != 5) // lost on the way
            {
                sender.SendRtp(VideoSsrc, sequence, sequence * 3000u);
            }
        }

        sender.SendSenderReport(VideoSsrc, Ntp, 27000, "viewer-test");
        var report = await peer.WaitForSenderReportAsync(VideoSsrc);
        await peer.WaitForRtpAsync(9);

        Assert.Equal(Ntp, report.NtpTimestamp);
        Assert.Equal(27000u, report.RtpTimestamp);
        Assert.Equal("viewer-test", peer.GetCname(VideoSsrc));
        Assert.Equal(1, peer.RtcpPacketsOfType(RtcpPacketType.SenderReport));
        Assert.Equal(1, peer.RtcpPacketsOfType(RtcpPacketType.SourceDescription));
        Assert.Equal([(ushort)5], peer.GetStream(VideoSsrc)!.Missing);

        Assert.True(peer.SendReceiverReport(VideoSsrc));

        await Eventually.HoldsAsync(() => sender.Reports.Count == 1, () => $"the sender has {sender.Reports.Count} report blocks; {peer}");
        var block = sender.Reports[0];
        Assert.Equal(VideoSsrc, block.Ssrc);
        Assert.Equal(1, block.CumulativeLost);
        Assert.Equal((byte)(256 / 10), block.FractionLost); // 1 of the 10 expected
        Assert.Equal(10u, block.ExtendedHighestSequence);
        Assert.Equal(0xB2C34000u, block.LastSenderReport); // the middle 32 bits of the SR's NTP time
        Assert.InRange(block.DelaySinceLastSenderReport, 0u, 30u * 65536);
    }

    [Fact]
    public async Task A_packet_lost_on_purpose_is_NACKed_and_its_retransmission_fills_the_gap_once()
    {
        await using var sender = new StandInWebRtcSender();
        await using var peer = await ConnectAsync(sender, new WebRtcTestPeerOptions { NackLostPackets = true });
        var dropped = 0;
        peer.DropWhen(packet => packet.SequenceNumber == 5 && Interlocked.Exchange(ref dropped, 1) == 0); // the first copy only
        var original = Array.Empty<byte>();
        for (ushort sequence = 1; sequence <= 10; sequence++)
        {
            var datagram = sender.SendRtp(VideoSsrc, sequence, sequence * 3000u);
            original = sequence == 5 ? datagram : original;
        }

        await Eventually.HoldsAsync(() => sender.Nacked.Contains((ushort)5), () => $"the sender got NACKs for [{string.Join(", ", sender.Nacked)}]; {peer}");
        Assert.Equal([(ushort)5], sender.Nacked);

        sender.Send(original); // a retransmission without RTX: the very same bytes

        await peer.WaitUntilAsync(p => p.GetStream(VideoSsrc)?.Recovered == 1);
        var stream = peer.GetStream(VideoSsrc)!;
        Assert.Equal(10, stream.PacketsReceived);
        Assert.Equal(0, stream.CumulativeLost);
        Assert.Empty(stream.Missing);
        Assert.Equal(1, peer.RtpPacketsDropped);

        sender.Send(original); // once more: now a replay, which SRTP drops

        await peer.WaitUntilAsync(p => p.SrtpReplays == 1);
        Assert.Equal(10, peer.GetStream(VideoSsrc)!.PacketsReceived);
        Assert.Equal(0, peer.SrtpFailures);
    }

    [Fact]
    public async Task Drop_every_nth_loses_that_share_before_decryption_and_the_gaps_show_as_missing()
    {
        await using var sender = new StandInWebRtcSender();
        await using var peer = await ConnectAsync(sender);
        peer.DropEvery(4);

        for (ushort sequence = 1; sequence <= 20; sequence++)
        {
            sender.SendRtp(VideoSsrc, sequence, sequence * 3000u);
        }

        await peer.WaitUntilAsync(p => p.RtpPacketsReceived + p.RtpPacketsDropped == 20);
        Assert.Equal(15, peer.RtpPacketsReceived);
        Assert.Equal(5, peer.RtpPacketsDropped);
        Assert.Equal([(ushort)4, 8, 12, 16], peer.GetStream(VideoSsrc)!.Missing); // 20 was the last: no gap after it yet
        Assert.Empty(sender.Nacked); // NACKs are off by default
        Assert.Equal(0, peer.SrtpFailures);
    }

    private static async Task<WebRtcTestPeer> ConnectAsync(StandInWebRtcSender sender, WebRtcTestPeerOptions? options = null)
    {
        var peer = new WebRtcTestPeer(sender.IceParameters, sender.Candidate, sender.DtlsParameters, options);
        try
        {
            sender.Connect(peer.DtlsParameters);
            await peer.ConnectAsync();
            await sender.Connected.WaitAsync(Eventually.DefaultTimeout);
            return peer;
        }
        catch
        {
            await peer.DisposeAsync();
            throw;
        }
    }
}
