using System.Buffers.Binary;
using System.Globalization;

namespace Broadcast.Transcode.Packaging;

/// <summary>One track of an init segment: what fragments need to be read, and what a playlist says about it.</summary>
/// <param name="TrackId">tkhd's track_ID; fragments name it in tfhd.</param>
/// <param name="IsVideo">The handler is 'vide' (else 'soun').</param>
/// <param name="Timescale">mdhd's ticks per second: tfdt and sample durations count in it.</param>
/// <param name="Codec">The RFC 6381 codec string ("avc1.64001f", "mp4a.40.2"), or null when unknown.</param>
/// <param name="Width">Video width in pixels (0 for audio).</param>
/// <param name="Height">Video height in pixels (0 for audio).</param>
/// <param name="DefaultSampleDuration">trex's default duration.</param>
/// <param name="DefaultSampleFlags">trex's default sample flags.</param>
public sealed record Fmp4Track(uint TrackId, bool IsVideo, uint Timescale, string? Codec, int Width, int Height,
    uint DefaultSampleDuration, uint DefaultSampleFlags);

/// <summary>An init segment (<c>ftyp</c> + <c>moov</c>) read into its tracks.</summary>
public sealed class Fmp4Init
{
    private Fmp4Init(IReadOnlyList<Fmp4Track> tracks) => Tracks = tracks;

    public IReadOnlyList<Fmp4Track> Tracks { get; }

    /// <summary>The first video track, else the first track: parts and segments are timed and cut by it.</summary>
    public Fmp4Track Leading => Tracks.FirstOrDefault(t => t.IsVideo) ?? Tracks[0];

    /// <summary>The track with <paramref name="trackId"/>, or null.</summary>
    public Fmp4Track? Find(uint trackId)
    {
        foreach (var track in Tracks)
        {
            if (track.TrackId == trackId)
            {
                return track;
            }
        }

        return null;
    }

    /// <summary>Reads the tracks of <paramref name="moovBody"/> (the body of a moov box).</summary>
    /// <exception cref="Fmp4FormatException">No track, or a track's boxes are missing or truncated.</exception>
    public static Fmp4Init Parse(ReadOnlySpan<byte> moovBody)
    {
        var defaults = new Dictionary<uint, (uint Duration, uint Flags)>();
        if (Mp4Box.TryFindChild(moovBody, Mp4Box.Mvex, out var mvex))
        {
            var children = new Mp4Box.ChildEnumerator(mvex);
            while (children.MoveNext())
            {
                if (children.Current.Type == Mp4Box.Trex)
                {
                    var trex = Need(children.Body, 24, "trex");
                    defaults[BinaryPrimitives.ReadUInt32BigEndian(trex[4..])] =
                        (BinaryPrimitives.ReadUInt32BigEndian(trex[12..]), BinaryPrimitives.ReadUInt32BigEndian(trex[20..]));
                }
            }
        }

        var tracks = new List<Fmp4Track>();
        var boxes = new Mp4Box.ChildEnumerator(moovBody);
        while (boxes.MoveNext())
        {
            if (boxes.Current.Type == Mp4Box.Trak)
            {
                var track = ReadTrack(boxes.Body);
                if (track is not null)
                {
                    var (duration, flags) = defaults.GetValueOrDefault(track.TrackId);
                    tracks.Add(track with { DefaultSampleDuration = duration, DefaultSampleFlags = flags });
                }
            }
        }

        return tracks.Count == 0 ? throw new Fmp4FormatException("The init segment has no audio or video track.") : new Fmp4Init(tracks);
    }

    private static Fmp4Track? ReadTrack(ReadOnlySpan<byte> trak)
    {
        if (!Mp4Box.TryFindChild(trak, Mp4Box.Tkhd, out var tkhd) || !Mp4Box.TryFindChild(trak, Mp4Box.Mdia, out var mdia)
            || !Mp4Box.TryFindChild(mdia, Mp4Box.Mdhd, out var mdhd) || !Mp4Box.TryFindChild(mdia, Mp4Box.Hdlr, out var hdlr))
        {
            throw new Fmp4FormatException("A track lacks tkhd, mdhd or hdlr.");
        }

        var handler = BinaryPrimitives.ReadUInt32BigEndian(Need(hdlr, 12, "hdlr")[8..]);
        if (handler is not (Mp4Box.Vide or Mp4Box.Soun))
        {
            return null; // subtitles, timed metadata: not part of what we serve
        }

        var trackId = Need(tkhd, 1, "tkhd")[0] == 1 ? BinaryPrimitives.ReadUInt32BigEndian(Need(tkhd, 24, "tkhd")[20..])
            : BinaryPrimitives.ReadUInt32BigEndian(Need(tkhd, 16, "tkhd")[12..]);
        var timescale = Need(mdhd, 1, "mdhd")[0] == 1 ? BinaryPrimitives.ReadUInt32BigEndian(Need(mdhd, 24, "mdhd")[20..])
            : BinaryPrimitives.ReadUInt32BigEndian(Need(mdhd, 16, "mdhd")[12..]);
        if (timescale == 0)
        {
            throw new Fmp4FormatException($"Track {trackId} has a timescale of 0.");
        }

        string? codec = null;
        int width = 0, height = 0;
        if (Mp4Box.TryFindChild(mdia, Mp4Box.Minf, out var minf) && Mp4Box.TryFindChild(minf, Mp4Box.Stbl, out var stbl)
            && Mp4Box.TryFindChild(stbl, Mp4Box.Stsd, out var stsd) && stsd.Length > 8)
        {
            var entries = new Mp4Box.ChildEnumerator(stsd[8..]);
            if (entries.MoveNext())
            {
                (codec, width, height) = handler == Mp4Box.Vide ? ReadVisualEntry(entries.Current.Type, entries.Body) : (ReadAudioEntry(entries.Current.Type, entries.Body), 0, 0);
            }
        }

        return new Fmp4Track(trackId, handler == Mp4Box.Vide, timescale, codec, width, height, 0, 0);
    }

    // VisualSampleEntry: 78 bytes of fixed fields (width and height at 24 and 26), then boxes such as avcC.
    private static (string? Codec, int Width, int Height) ReadVisualEntry(uint type, ReadOnlySpan<byte> entry)
    {
        if (entry.Length < 78)
        {
            return (null, 0, 0);
        }

        var width = BinaryPrimitives.ReadUInt16BigEndian(entry[24..]);
        var height = BinaryPrimitives.ReadUInt16BigEndian(entry[26..]);
        string? codec = null;
        if (type is Mp4Box.Avc1 or Mp4Box.Avc3 && Mp4Box.TryFindChild(entry[78..], Mp4Box.AvcC, out var avcC) && avcC.Length >= 4)
        {
            // RFC 6381 §3.3: avc1.PPCCLL from profile_idc, the constraint flags and level_idc.
            codec = string.Create(CultureInfo.InvariantCulture, $"{Mp4Box.Name(type)}.{avcC[1]:x2}{avcC[2]:x2}{avcC[3]:x2}");
        }

        return (codec, width, height);
    }

    // AudioSampleEntry: 28 bytes of fixed fields, then esds (AAC) or dOps (Opus).
    private static string? ReadAudioEntry(uint type, ReadOnlySpan<byte> entry)
    {
        if (type == Mp4Box.Opus)
        {
            return "opus";
        }

        if (type != Mp4Box.Mp4a)
        {
            return null;
        }

        var objectType = entry.Length > 28 && Mp4Box.TryFindChild(entry[28..], Mp4Box.Esds, out var esds) ? AudioObjectType(esds) : 0;
        return string.Create(CultureInfo.InvariantCulture, $"mp4a.40.{(objectType == 0 ? 2 : objectType)}");
    }

    // esds (ISO/IEC 14496-1 descriptors): ES_Descriptor (3) > DecoderConfigDescriptor (4) > DecoderSpecificInfo (5),
    // whose first 5 bits are the AudioSpecificConfig's object type (2 = AAC-LC). 0 when it cannot be read.
    private static int AudioObjectType(ReadOnlySpan<byte> esds)
    {
        var at = 4; // version and flags
        if (!TryDescriptor(esds, ref at, 3, out _))
        {
            return 0;
        }

        if (at + 3 > esds.Length)
        {
            return 0;
        }

        var flags = esds[at + 2];
        at += 3; // ES_ID, flags
        if ((flags & 0x80) != 0)
        {
            at += 2; // dependsOn_ES_ID
        }

        if ((flags & 0x40) != 0)
        {
            if (at >= esds.Length)
            {
                return 0;
            }

            at += 1 + esds[at]; // URL
        }

        if ((flags & 0x20) != 0)
        {
            at += 2; // OCR_ES_Id
        }

        if (!TryDescriptor(esds, ref at, 4, out _))
        {
            return 0;
        }

        at += 13; // objectTypeIndication, streamType, bufferSizeDB, maxBitrate, avgBitrate
        return TryDescriptor(esds, ref at, 5, out var length) && length > 0 && at < esds.Length ? esds[at] >> 3 : 0;
    }

    private static bool TryDescriptor(ReadOnlySpan<byte> data, ref int at, byte tag, out int length)
    {
        length = 0;
        if (at >= data.Length || data[at] != tag)
        {
            return false;
        }

        at++;
        for (var i = 0; i < 4; i++)
        {
            if (at >= data.Length)
            {
                return false;
            }

            var b = data[at++];
            length = (length << 7) | (b & 0x7f);
            if ((b & 0x80) == 0)
            {
                return true;
            }
        }

        return true;
    }

    private static ReadOnlySpan<byte> Need(ReadOnlySpan<byte> body, int length, string box) =>
        body.Length >= length ? body : throw new Fmp4FormatException($"Box '{box}' is truncated.");
}
