using System.Buffers.Binary;
using Broadcast.Transcode.Muxing;

namespace Broadcast.Transcode.Tests.Muxing;

/// <summary>RFC 6184 payloads (single NAL unit, STAP-A, FU-A) into MP4 samples.</summary>
public sealed class H264AccessUnitAssemblerTests
{
    // A real SPS (constrained baseline 3.1, 1280×720) and PPS written by x264, and made-up slices.
    private static readonly byte[] Sps = Convert.FromHexString("6742c01fd9005005bb0110000003001000000303c0f1832480");
    private static readonly byte[] Pps = Convert.FromHexString("68cb83cb20");
    private static readonly byte[] Aud = [0x09, 0xf0];
    private static readonly byte[] Idr = [0x65, .. Enumerable.Range(0, 3000).Select(i => (byte)i)];
    private static readonly byte[] Slice = [0x41, 0x9a, 0x02, 0x03];

    [Fact]
    public void A_key_frame_in_a_STAP_A_and_FU_As_becomes_one_length_prefixed_sample_without_its_parameter_sets()
    {
        var assembler = new H264AccessUnitAssembler();
        var seen = new Recorder();

        assembler.Push(RtpPackets.StapA(Aud, Sps, Pps), 3000, marker: false, afterLoss: false, seen);
        var fragments = RtpPackets.FuA(Idr, 1000);
        for (var i = 0; i < fragments.Count; i++)
        {
            assembler.Push(fragments[i], 3000, marker: i == fragments.Count - 1, afterLoss: false, seen);
        }

        var unit = Assert.Single(seen.Units);
        Assert.Equal((3000u, true, false), (unit.Timestamp, unit.KeyFrame, unit.Damaged));
        Assert.Equal(Idr.Length, BinaryPrimitives.ReadInt32BigEndian(unit.Sample));
        Assert.Equal(Idr, unit.Sample[4..]);
        Assert.Equal(Sps, assembler.Sps);
        Assert.Equal(Pps, assembler.Pps);
        Assert.Equal(2, assembler.ParameterSetVersion);
    }

    [Fact]
    public void Single_NAL_units_of_one_picture_are_joined_and_a_new_timestamp_ends_a_picture_without_a_marker()
    {
        var assembler = new H264AccessUnitAssembler();
        var seen = new Recorder();

        assembler.Push(Slice, 6000, marker: false, afterLoss: false, seen);
        assembler.Push(Slice, 6000, marker: false, afterLoss: false, seen);
        assembler.Push(Slice, 9000, marker: true, afterLoss: false, seen);

        Assert.Equal(2, seen.Units.Count);
        Assert.Equal([0, 0, 0, 4, .. Slice, 0, 0, 0, 4, .. Slice], seen.Units[0].Sample);
        Assert.Equal((6000u, false, false), (seen.Units[0].Timestamp, seen.Units[0].KeyFrame, seen.Units[0].Damaged));
        Assert.Equal(9000u, seen.Units[1].Timestamp);
    }

    [Fact]
    public void A_lost_fragment_damages_its_picture_and_the_next_one_is_whole_again()
    {
        var assembler = new H264AccessUnitAssembler();
        var seen = new Recorder();
        var fragments = RtpPackets.FuA(Idr, 1000);

        assembler.Push(fragments[0], 3000, marker: false, afterLoss: false, seen);
        assembler.Push(fragments[2], 3000, marker: true, afterLoss: true, seen); // fragments[1] was lost
        assembler.Push(Slice, 6000, marker: true, afterLoss: false, seen);

        Assert.True(seen.Units[0].Damaged);
        Assert.False(seen.Units[^1].Damaged);
    }

    [Fact]
    public void Payloads_it_cannot_read_are_counted_and_damage_their_picture()
    {
        var assembler = new H264AccessUnitAssembler();
        var seen = new Recorder();

        assembler.Push([0x7a, 1, 2], 3000, marker: false, afterLoss: false, seen); // type 26: MTAP16
        assembler.Push([0x18, 0x00, 0x09, 0x65], 3000, marker: false, afterLoss: false, seen); // STAP-A unit longer than the packet
        assembler.Push([0x7c], 3000, marker: false, afterLoss: false, seen); // FU-A without its header
        assembler.Push([], 3000, marker: false, afterLoss: false, seen);
        assembler.Push(Slice, 3000, marker: true, afterLoss: false, seen);

        Assert.Equal(4, assembler.Malformed);
        Assert.True(Assert.Single(seen.Units).Damaged);
    }

    [Fact]
    public void Parameter_sets_from_the_SDP_are_kept_and_an_identical_in_band_copy_changes_nothing()
    {
        var assembler = new H264AccessUnitAssembler();
        assembler.SetParameterSets(Sps, Pps);
        var version = assembler.ParameterSetVersion;

        assembler.Push(RtpPackets.StapA(Sps, Pps, Slice), 3000, marker: true, afterLoss: false, new Recorder());

        Assert.Equal(version, assembler.ParameterSetVersion);
        assembler.Push(RtpPackets.StapA(Pps[..^1], Slice), 6000, marker: true, afterLoss: false, new Recorder());
        Assert.Equal(version + 1, assembler.ParameterSetVersion);
    }

    private sealed class Recorder : IAccessUnitReceiver
    {
        public List<(byte[] Sample, uint Timestamp, bool KeyFrame, bool Damaged)> Units { get; } = [];

        public void OnAccessUnit(ReadOnlySpan<byte> sample, uint timestamp, bool keyFrame, bool damaged) =>
            Units.Add((sample.ToArray(), timestamp, keyFrame, damaged));
    }
}
