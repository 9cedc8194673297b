namespace Broadcast.Ingest.Tests.Protocols.Rtcp;

/// <summary>RTCP datagrams shaped like what real senders put on the wire.</summary>
internal static class RtcpFixtures
{
    // What an FFmpeg RTP muxer sends: an SR without report blocks, then an SDES with its CNAME ("Lavf61.7.100").
    public const string FfmpegSenderInfo =
        "5e 4f 12 34" +              // sender SSRC
        "e9 a1 b2 c3  40 00 00 00" + // NTP timestamp
        "00 01 5f 90  00 00 01 2c" + // RTP timestamp 90000, 300 packets
        "00 04 93 e0";               // 300000 octets

    public const string FfmpegSenderReport = "80 c8 00 06" + FfmpegSenderInfo; // V=2 RC=0 PT=200 length=6

    public const string FfmpegSourceDescription =
        "81 ca 00 05  5e 4f 12 34" + // V=2 SC=1 PT=202 length=5, SSRC
        "01 0c 4c 61  76 66 36 31" + // CNAME, 12 bytes: "Lavf61.7.100"
        "2e 37 2e 31  30 30 00 00";  // end of items, pad to a word

    public const string FfmpegCompound = FfmpegSenderReport + FfmpegSourceDescription;

    // A browser's report about one source: 2/256 lost, 3 lost in all, highest sequence 0x11000, jitter 20.
    public const string BrowserReportBlock =
        "5e 4f 12 34  02 00 00 03" +
        "00 01 10 00  00 00 00 14" +
        "a1 b2 c3 40  00 01 80 00";

    public const string BrowserReceiverReport = "81 c9 00 07  00 00 00 01" + BrowserReportBlock;
}
