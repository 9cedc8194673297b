using System.Buffers.Binary;

namespace Broadcast.Transcode.Packaging;

/// <summary>What one track fragment (traf) of a moof holds, in its track's timescale.</summary>
/// <param name="TrackId">tfhd's track_ID.</param>
/// <param name="BaseTime">tfdt's baseMediaDecodeTime: the decode time of its first sample.</param>
/// <param name="Duration">The sum of its sample durations.</param>
/// <param name="SampleCount">Samples in the fragment.</param>
/// <param name="StartsWithSync">Its first sample is a sync sample (a key frame, or any audio sample).</param>
public readonly record struct TrackRun(uint TrackId, ulong BaseTime, ulong Duration, int SampleCount, bool StartsWithSync);

/// <summary>Reads a moof's track fragments (ISO/IEC 14496-12 §8.8) without allocating.</summary>
public static class Fmp4Fragment
{
    private const uint BaseDataOffsetPresent = 0x1, SampleDescriptionIndexPresent = 0x2, DefaultDurationPresent = 0x8;
    private const uint DefaultSizePresent = 0x10, DefaultFlagsPresent = 0x20;
    private const uint DataOffsetPresent = 0x1, FirstSampleFlagsPresent = 0x4, SampleDurationPresent = 0x100;
    private const uint SampleSizePresent = 0x200, SampleFlagsPresent = 0x400, CompositionOffsetPresent = 0x800;
    private const uint NonSyncSample = 0x00010000;

    /// <summary>Fills <paramref name="runs"/> with the moof's track fragments; returns how many (extra ones are skipped).</summary>
    /// <exception cref="Fmp4FormatException">A traf is truncated, lacks tfhd or tfdt, or names a track the init does not have.</exception>
    public static int Read(ReadOnlySpan<byte> moofBody, Fmp4Init init, Span<TrackRun> runs)
    {
        var count = 0;
        var children = new Mp4Box.ChildEnumerator(moofBody);
        while (children.MoveNext())
        {
            if (children.Current.Type == Mp4Box.Traf && count < runs.Length)
            {
                runs[count++] = ReadTraf(children.Body, init);
            }
        }

        return count;
    }

    private static TrackRun ReadTraf(ReadOnlySpan<byte> traf, Fmp4Init init)
    {
        if (!Mp4Box.TryFindChild(traf, Mp4Box.Tfhd, out var tfhd) || tfhd.Length < 8)
        {
            throw new Fmp4FormatException("A traf lacks its tfhd.");
        }

        var tfhdFlags = BinaryPrimitives.ReadUInt32BigEndian(tfhd) & 0xffffff;
        var trackId = BinaryPrimitives.ReadUInt32BigEndian(tfhd[4..]);
        var track = init.Find(trackId) ?? throw new Fmp4FormatException($"A fragment names track {trackId}, which the init segment lacks.");
        var at = 8;
        at += (tfhdFlags & BaseDataOffsetPresent) != 0 ? 8 : 0;
        at += (tfhdFlags & SampleDescriptionIndexPresent) != 0 ? 4 : 0;
        var defaultDuration = track.DefaultSampleDuration;
        var defaultFlags = track.DefaultSampleFlags;
        if ((tfhdFlags & DefaultDurationPresent) != 0)
        {
            defaultDuration = ReadUInt32(tfhd, at);
            at += 4;
        }

        at += (tfhdFlags & DefaultSizePresent) != 0 ? 4 : 0;
        if ((tfhdFlags & DefaultFlagsPresent) != 0)
        {
            defaultFlags = ReadUInt32(tfhd, at);
        }

        if (!Mp4Box.TryFindChild(traf, Mp4Box.Tfdt, out var tfdt) || tfdt.Length < 8)
        {
            throw new Fmp4FormatException($"Track {trackId}'s fragment lacks its tfdt.");
        }

        var baseTime = tfdt[0] == 1 ? ReadUInt64(tfdt, 4) : ReadUInt32(tfdt, 4);
        ulong duration = 0;
        var samples = 0;
        var sync = false;
        var first = true;
        var children = new Mp4Box.ChildEnumerator(traf);
        while (children.MoveNext())
        {
            if (children.Current.Type != Mp4Box.Trun)
            {
                continue;
            }

            var trun = children.Body;
            var flags = ReadUInt32(trun, 0) & 0xffffff;
            var sampleCount = ReadUInt32(trun, 4);
            var p = 8;
            p += (flags & DataOffsetPresent) != 0 ? 4 : 0;
            uint? firstFlags = null;
            if ((flags & FirstSampleFlagsPresent) != 0)
            {
                firstFlags = ReadUInt32(trun, p);
                p += 4;
            }

            var entryLength = 4 * (((flags & SampleDurationPresent) != 0 ? 1 : 0) + ((flags & SampleSizePresent) != 0 ? 1 : 0)
                + ((flags & SampleFlagsPresent) != 0 ? 1 : 0) + ((flags & CompositionOffsetPresent) != 0 ? 1 : 0));
            if (entryLength > 0 && sampleCount > (uint)(Math.Max(trun.Length - p, 0) / entryLength))
            {
                throw new Fmp4FormatException($"Track {trackId}'s trun declares more samples than it holds.");
            }

            if (entryLength == 0)
            {
                // Every sample takes the defaults: no need to walk them.
                duration += (ulong)sampleCount * defaultDuration;
                if (first && sampleCount > 0)
                {
                    sync = ((firstFlags ?? defaultFlags) & NonSyncSample) == 0;
                    first = false;
                }
            }

            for (var i = 0; entryLength > 0 && i < sampleCount; i++)
            {
                var q = p;
                uint sampleDuration = defaultDuration;
                if ((flags & SampleDurationPresent) != 0)
                {
                    sampleDuration = ReadUInt32(trun, q);
                    q += 4;
                }

                q += (flags & SampleSizePresent) != 0 ? 4 : 0;
                if (first)
                {
                    var sampleFlags = (flags & SampleFlagsPresent) != 0 ? ReadUInt32(trun, q) : i == 0 && firstFlags is { } f ? f : defaultFlags;
                    sync = (sampleFlags & NonSyncSample) == 0;
                    first = false;
                }

                duration += sampleDuration;
                p += entryLength;
            }

            samples += (int)sampleCount;
        }

        // Audio has no sync flags to speak of: every sample starts a decodable unit.
        return new TrackRun(trackId, baseTime, duration, samples, sync || !track.IsVideo);
    }

    private static uint ReadUInt32(ReadOnlySpan<byte> data, int at) =>
        at + 4 <= data.Length ? BinaryPrimitives.ReadUInt32BigEndian(data[at..]) : throw new Fmp4FormatException("A fragment box is truncated.");

    private static ulong ReadUInt64(ReadOnlySpan<byte> data, int at) =>
        at + 8 <= data.Length ? BinaryPrimitives.ReadUInt64BigEndian(data[at..]) : throw new Fmp4FormatException("A fragment box is truncated.");
}
