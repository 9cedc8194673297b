namespace Broadcast.Transcode.Muxing;

/// <summary>An H.264 track: its parameter sets (NAL units, header byte included) and picture size.</summary>
public sealed record H264TrackConfig(byte[] Sps, byte[] Pps, int Width, int Height);

/// <summary>An AAC track: its AudioSpecificConfig (ISO/IEC 14496-3 §1.6.2.1), sample rate and channels.</summary>
public sealed record AacTrackConfig(byte[] AudioSpecificConfig, int SampleRate, int Channels);

/// <summary>One sample of a fragment: its size in the mdat, duration in the track's timescale, and whether it is sync.</summary>
public readonly record struct Fmp4Sample(int Size, uint Duration, bool Sync);

/// <summary>
/// Writes the fragmented MP4 our packager reads (ISO/IEC 14496-12, -14, -15): an init segment (ftyp + moov with empty
/// sample tables and a trex per track) and single-track fragments (moof with default-base-is-moof + mdat), as FFmpeg's
/// <c>-movflags empty_moov+default_base_moof</c> writes them. Video is track 1 (timescale 90 kHz), audio the next
/// (timescale its sample rate).
/// </summary>
public static class Fmp4Writer
{
    public const uint VideoTimescale = 90_000;
    private const uint SyncSampleFlags = 0x02000000; // sample_depends_on = 2: depends on no other sample
    private const uint NonSyncSampleFlags = 0x01010000; // sample_depends_on = 1, sample_is_non_sync_sample
    private const uint DefaultBaseIsMoof = 0x020000;
    private const uint TrunFlags = 0x000001 | 0x000100 | 0x000200 | 0x000400; // data offset; duration, size, flags per sample

    private static readonly uint Ftyp = Mp4Writer.FourCc("ftyp"), Moov = Mp4Writer.FourCc("moov"), Mvhd = Mp4Writer.FourCc("mvhd");
    private static readonly uint Trak = Mp4Writer.FourCc("trak"), Tkhd = Mp4Writer.FourCc("tkhd"), Mdia = Mp4Writer.FourCc("mdia");
    private static readonly uint Mdhd = Mp4Writer.FourCc("mdhd"), Hdlr = Mp4Writer.FourCc("hdlr"), Minf = Mp4Writer.FourCc("minf");
    private static readonly uint Vmhd = Mp4Writer.FourCc("vmhd"), Smhd = Mp4Writer.FourCc("smhd"), Dinf = Mp4Writer.FourCc("dinf");
    private static readonly uint Dref = Mp4Writer.FourCc("dref"), Url = Mp4Writer.FourCc("url "), Stbl = Mp4Writer.FourCc("stbl");
    private static readonly uint Stsd = Mp4Writer.FourCc("stsd"), Stts = Mp4Writer.FourCc("stts"), Stsc = Mp4Writer.FourCc("stsc");
    private static readonly uint Stsz = Mp4Writer.FourCc("stsz"), Stco = Mp4Writer.FourCc("stco"), Avc1 = Mp4Writer.FourCc("avc1");
    private static readonly uint AvcC = Mp4Writer.FourCc("avcC"), Mp4a = Mp4Writer.FourCc("mp4a"), Esds = Mp4Writer.FourCc("esds");
    private static readonly uint Mvex = Mp4Writer.FourCc("mvex"), Trex = Mp4Writer.FourCc("trex"), Moof = Mp4Writer.FourCc("moof");
    private static readonly uint Mfhd = Mp4Writer.FourCc("mfhd"), Traf = Mp4Writer.FourCc("traf"), Tfhd = Mp4Writer.FourCc("tfhd");
    private static readonly uint Tfdt = Mp4Writer.FourCc("tfdt"), Trun = Mp4Writer.FourCc("trun"), Mdat = Mp4Writer.FourCc("mdat");

    /// <summary>The init segment for a video and/or an audio track.</summary>
    /// <exception cref="ArgumentException">Neither track.</exception>
    public static byte[] WriteInit(H264TrackConfig? video, AacTrackConfig? audio)
    {
        if (video is null && audio is null)
        {
            throw new ArgumentException("An init segment needs a track.");
        }

        var w = new Mp4Writer(1024);
        var ftyp = w.Begin(Ftyp);
        w.U32(Mp4Writer.FourCc("iso5"));
        w.U32(512);
        foreach (var brand in new[] { "iso5", "iso6", "mp41" })
        {
            w.U32(Mp4Writer.FourCc(brand));
        }

        w.End(ftyp);
        var moov = w.Begin(Moov);
        var mvhd = w.BeginFull(Mvhd, 0, 0);
        w.Zeros(8); // creation and modification time
        w.U32(1000);
        w.U32(0); // duration: unknown (fragments follow)
        w.U32(0x00010000); // rate 1.0
        w.U16(0x0100); // volume 1.0
        w.Zeros(10);
        Matrix(w);
        w.Zeros(24);
        w.U32(TrackCount(video, audio) + 1); // next_track_ID
        w.End(mvhd);
        if (video is not null)
        {
            VideoTrak(w, video);
        }

        if (audio is not null)
        {
            AudioTrak(w, audio, AudioTrackId(video));
        }

        var mvex = w.Begin(Mvex);
        for (uint track = 1; track <= TrackCount(video, audio); track++)
        {
            var trex = w.BeginFull(Trex, 0, 0);
            w.U32(track);
            w.U32(1); // sample description 1
            w.Zeros(12); // default duration, size and flags: every trun says its own
            w.End(trex);
        }

        w.End(mvex);
        w.End(moov);
        return w.Written.ToArray();
    }

    /// <summary>The audio track's id in an init segment with or without video.</summary>
    public static uint AudioTrackId(H264TrackConfig? video) => video is null ? 1u : 2u;

    /// <summary>
    /// Writes one fragment of one track to <paramref name="w"/> (reset first): moof (mfhd <paramref name="sequence"/>,
    /// traf with tfdt <paramref name="baseTime"/>) and an mdat holding <paramref name="data"/>, the samples back to back.
    /// </summary>
    public static void WriteFragment(Mp4Writer w, uint sequence, uint trackId, ulong baseTime, ReadOnlySpan<Fmp4Sample> samples, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(w);
        w.Reset();
        var moof = w.Begin(Moof);
        var mfhd = w.BeginFull(Mfhd, 0, 0);
        w.U32(sequence);
        w.End(mfhd);
        var traf = w.Begin(Traf);
        var tfhd = w.BeginFull(Tfhd, 0, DefaultBaseIsMoof);
        w.U32(trackId);
        w.End(tfhd);
        var tfdt = w.BeginFull(Tfdt, 1, 0);
        w.U64(baseTime);
        w.End(tfdt);
        var trun = w.BeginFull(Trun, 0, TrunFlags);
        w.U32((uint)samples.Length);
        var dataOffset = w.Length;
        w.U32(0);
        foreach (var sample in samples)
        {
            w.U32(sample.Duration);
            w.U32((uint)sample.Size);
            w.U32(sample.Sync ? SyncSampleFlags : NonSyncSampleFlags);
        }

        w.End(trun);
        w.End(traf);
        w.End(moof);
        w.PatchU32(dataOffset, (uint)(w.Length + 8)); // from the moof's first byte to the first sample
        var mdat = w.Begin(Mdat);
        w.Bytes(data);
        w.End(mdat);
    }

    private static uint TrackCount(H264TrackConfig? video, AacTrackConfig? audio) => (video is null ? 0u : 1u) + (audio is null ? 0u : 1u);

    private static void VideoTrak(Mp4Writer w, H264TrackConfig video)
    {
        var trak = w.Begin(Trak);
        WriteTkhd(w, 1, volume: 0, video.Width, video.Height);
        var mdia = w.Begin(Mdia);
        WriteMdhd(w, VideoTimescale);
        Handler(w, "vide", "VideoHandler");
        var minf = w.Begin(Minf);
        var vmhd = w.BeginFull(Vmhd, 0, 1);
        w.Zeros(8); // graphicsmode, opcolor
        w.End(vmhd);
        DataInformation(w);
        var stbl = w.Begin(Stbl);
        var stsd = w.BeginFull(Stsd, 0, 0);
        w.U32(1);
        var avc1 = w.Begin(Avc1);
        w.Zeros(6);
        w.U16(1); // data_reference_index
        w.Zeros(16);
        w.U16((ushort)video.Width);
        w.U16((ushort)video.Height);
        w.U32(0x00480000); // 72 dpi
        w.U32(0x00480000);
        w.U32(0);
        w.U16(1); // frame_count
        w.Zeros(32); // compressorname
        w.U16(0x0018); // depth
        w.U16(0xffff); // pre_defined = -1
        var avcC = w.Begin(AvcC);
        w.U8(1); // configurationVersion
        w.U8(video.Sps[1]); // profile, compatibility, level: the SPS's own bytes after its header
        w.U8(video.Sps[2]);
        w.U8(video.Sps[3]);
        w.U8(0xff); // 4-byte NAL lengths
        w.U8(0xe1); // one SPS
        w.U16((ushort)video.Sps.Length);
        w.Bytes(video.Sps);
        w.U8(1); // one PPS
        w.U16((ushort)video.Pps.Length);
        w.Bytes(video.Pps);
        w.End(avcC);
        w.End(avc1);
        w.End(stsd);
        EmptySampleTables(w);
        w.End(stbl);
        w.End(minf);
        w.End(mdia);
        w.End(trak);
    }

    private static void AudioTrak(Mp4Writer w, AacTrackConfig audio, uint trackId)
    {
        var trak = w.Begin(Trak);
        WriteTkhd(w, trackId, volume: 0x0100, 0, 0);
        var mdia = w.Begin(Mdia);
        WriteMdhd(w, (uint)audio.SampleRate);
        Handler(w, "soun", "SoundHandler");
        var minf = w.Begin(Minf);
        var smhd = w.BeginFull(Smhd, 0, 0);
        w.U32(0); // balance, reserved
        w.End(smhd);
        DataInformation(w);
        var stbl = w.Begin(Stbl);
        var stsd = w.BeginFull(Stsd, 0, 0);
        w.U32(1);
        var mp4a = w.Begin(Mp4a);
        w.Zeros(6);
        w.U16(1); // data_reference_index
        w.Zeros(8);
        w.U16((ushort)audio.Channels);
        w.U16(16); // samplesize
        w.U32(0); // pre_defined, reserved
        w.U32(audio.SampleRate <= ushort.MaxValue ? (uint)audio.SampleRate << 16 : 0);
        WriteEsds(w, audio.AudioSpecificConfig);
        w.End(mp4a);
        w.End(stsd);
        EmptySampleTables(w);
        w.End(stbl);
        w.End(minf);
        w.End(mdia);
        w.End(trak);
    }

    // ISO/IEC 14496-1 §7.2.6.5: ES_Descriptor { DecoderConfigDescriptor { DecoderSpecificInfo }, SLConfigDescriptor }.
    private static void WriteEsds(Mp4Writer w, byte[] audioSpecificConfig)
    {
        var esds = w.BeginFull(Esds, 0, 0);
        var decoderSpecific = 2 + audioSpecificConfig.Length;
        var decoderConfig = 2 + 13 + decoderSpecific;
        Descriptor(w, 0x03, 3 + decoderConfig + 3);
        w.U16(0); // ES_ID
        w.U8(0); // no dependency, URL or OCR stream
        Descriptor(w, 0x04, 13 + decoderSpecific);
        w.U8(0x40); // Audio ISO/IEC 14496-3
        w.U8(0x15); // audio stream, upstream 0, reserved 1
        w.Zeros(3); // bufferSizeDB
        w.U32(0); // maxBitrate
        w.U32(0); // avgBitrate
        Descriptor(w, 0x05, audioSpecificConfig.Length);
        w.Bytes(audioSpecificConfig);
        Descriptor(w, 0x06, 1);
        w.U8(0x02); // SL predefined: MP4
        w.End(esds);
    }

    private static void Descriptor(Mp4Writer w, byte tag, int length)
    {
        w.U8(tag);
        w.U8((byte)length); // every descriptor here is shorter than 128 bytes
    }

    private static void WriteTkhd(Mp4Writer w, uint trackId, ushort volume, int width, int height)
    {
        var tkhd = w.BeginFull(Tkhd, 0, 0x3); // enabled, in movie
        w.Zeros(8);
        w.U32(trackId);
        w.U32(0);
        w.U32(0); // duration
        w.Zeros(8);
        w.U16(0); // layer
        w.U16(0); // alternate_group
        w.U16(volume);
        w.U16(0);
        Matrix(w);
        w.U32((uint)width << 16);
        w.U32((uint)height << 16);
        w.End(tkhd);
    }

    private static void WriteMdhd(Mp4Writer w, uint timescale)
    {
        var mdhd = w.BeginFull(Mdhd, 0, 0);
        w.Zeros(8);
        w.U32(timescale);
        w.U32(0);
        w.U16(0x55c4); // "und"
        w.U16(0);
        w.End(mdhd);
    }

    private static void Handler(Mp4Writer w, string type, string name)
    {
        var hdlr = w.BeginFull(Hdlr, 0, 0);
        w.U32(0);
        w.U32(Mp4Writer.FourCc(type));
        w.Zeros(12);
        w.Bytes(System.Text.Encoding.ASCII.GetBytes(name));
        w.U8(0);
        w.End(hdlr);
    }

    private static void DataInformation(Mp4Writer w)
    {
        var dinf = w.Begin(Dinf);
        var dref = w.BeginFull(Dref, 0, 0);
        w.U32(1);
        var url = w.BeginFull(Url, 0, 1); // media in this file
        w.End(url);
        w.End(dref);
        w.End(dinf);
    }

    private static void EmptySampleTables(Mp4Writer w)
    {
        foreach (var table in new[] { Stts, Stsc, Stco })
        {
            var box = w.BeginFull(table, 0, 0);
            w.U32(0);
            w.End(box);
        }

        var stsz = w.BeginFull(Stsz, 0, 0);
        w.U32(0);
        w.U32(0);
        w.End(stsz);
    }

    private static void Matrix(Mp4Writer w)
    {
        foreach (var value in new uint[] { 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000 })
        {
            w.U32(value);
        }
    }
}
