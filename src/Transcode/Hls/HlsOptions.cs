namespace Broadcast.Transcode;

/// <summary>
/// HLS output and FFmpeg supervision settings, bound from the configuration section <c>Hls</c>
/// (<see cref="SectionName"/>) and checked on start by <see cref="HlsOptionsValidator"/>.
/// </summary>
public sealed class HlsOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Hls";

    /// <summary>
    /// Folder holding one sub-folder per channel with its <c>index.m3u8</c> and segments.
    /// Default <c>data/hls</c>; relative paths resolve against the working directory.
    /// </summary>
    public string Root { get; set; } = "data/hls";

    /// <summary>
    /// Folder for SDP files and the per-channel FFmpeg logs (<c>&lt;channelId&gt;.ffmpeg.log</c>).
    /// Default <c>data/run</c>.
    /// </summary>
    public string WorkRoot { get; set; } = "data/run";

    /// <summary>FFmpeg binary: a name looked up on PATH, or a path. Default <c>ffmpeg</c>.</summary>
    public string FfmpegPath { get; set; } = "ffmpeg";

    /// <summary>
    /// Target segment length in seconds (FFmpeg cuts at the first key frame after it). Default 2, range 0.5–60.
    /// </summary>
    public double SegmentSeconds { get; set; } = 2;

    /// <summary>
    /// How segments are made: <see cref="HlsSegmentFormat.Fmp4"/> (default) has FFmpeg write fragmented MP4 to a pipe
    /// and our packager serve Low-Latency HLS; <see cref="HlsSegmentFormat.MpegTs"/> is classic HLS written by FFmpeg.
    /// </summary>
    public HlsSegmentFormat Format { get; set; } = HlsSegmentFormat.Fmp4;

    /// <summary>
    /// PART-TARGET of Low-Latency HLS in seconds: parts never last longer, and players hold back three of them.
    /// Default 0.25 (chosen by measurement, see the README), range 0.1–2 and at most half the segment duration.
    /// </summary>
    public double PartSeconds { get; set; } = 0.25;

    /// <summary>
    /// Who packages a fragmented-MP4 channel whose media is only copied (H.264 and/or AAC, no renditions):
    /// <see cref="HlsMuxer.Auto"/> (default) lets the appliance's own muxer do it, with no FFmpeg for the channel;
    /// <see cref="HlsMuxer.Ffmpeg"/> always runs FFmpeg. Channels that need encoding always run FFmpeg.
    /// </summary>
    public HlsMuxer Muxer { get; set; } = HlsMuxer.Auto;

    /// <summary>
    /// Adaptive bitrate: the renditions the channel's one FFmpeg makes, with key frames aligned (none by default: one
    /// rendition, the source). With renditions, <c>index.m3u8</c> is a multivariant playlist and every rendition a
    /// Low-Latency media playlist of its own (<c>&lt;name&gt;.m3u8</c>). fMP4 channels only.
    /// </summary>
    public IList<HlsRendition> Renditions { get; set; } = [];

    /// <summary>Segments listed in the live playlist. Default 6, range 1–1000.</summary>
    public int PlaylistSize { get; set; } = 6;

    /// <summary>AAC bitrate in kbit/s when audio is transcoded (Opus, PCMU, PCMA). Default 128, range 16–512.</summary>
    public int AudioBitrateKbps { get; set; } = 128;

    /// <summary>
    /// H.264 bitrate in kbit/s, used only when video is transcoded (VP8 → H.264). Default 2500, range 100–50000.
    /// </summary>
    public int VideoBitrateKbps { get; set; } = 2500;

    /// <summary>
    /// x264 speed preset when video is transcoded: ultrafast, superfast, veryfast, faster, fast, medium, slow,
    /// slower, veryslow. Default <c>veryfast</c>.
    /// </summary>
    public string X264Preset { get; set; } = "veryfast";

    /// <summary>Wait before the first restart after an unexpected exit. Default 1 s; must be positive.</summary>
    public TimeSpan RestartBackoffInitial { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Ceiling of the doubling restart wait. A run that lasted at least this long counts as healthy and resets
    /// the wait to <see cref="RestartBackoffInitial"/>. Default 30 s; at least <see cref="RestartBackoffInitial"/>.
    /// </summary>
    public TimeSpan RestartBackoffMax { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Segment durations without a new segment, while media flows to FFmpeg, after which FFmpeg is killed and
    /// restarted. Default 3 (6 s with 2 s segments), range 2–100.
    /// </summary>
    public int StallSegments { get; set; } = 3;

    /// <summary>
    /// Wait after writing <c>q</c> to FFmpeg's stdin before its process tree is killed. Default 5 s, range 0.1–60 s.
    /// </summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>FFmpeg output lines kept in memory for status and errors. Default 50, range 1–10000.</summary>
    public int StderrLinesKept { get; set; } = 50;

    /// <summary>A copy with a channel's own segment duration, playlist length, format and ladder (null keeps the configured value).</summary>
    public HlsOptions With(double? segmentSeconds, int? playlistSize, HlsSegmentFormat? format = null, IReadOnlyList<HlsRendition>? renditions = null)
    {
        var copy = (HlsOptions)MemberwiseClone();
        copy.SegmentSeconds = segmentSeconds ?? SegmentSeconds;
        copy.PlaylistSize = playlistSize ?? PlaylistSize;
        copy.Format = format ?? Format;
        copy.Renditions = renditions is null ? Renditions : [.. renditions];
        return copy;
    }
}

/// <summary>One rung of a channel's bitrate ladder.</summary>
public sealed class HlsRendition
{
    /// <summary>The media playlist's file name stem ("720p"): letters, digits, '-' and '_'.</summary>
    public string Name { get; set; } = "";

    /// <summary>The source's video itself, copied (no Height or bitrate): the top rung when the source is H.264.</summary>
    public bool Copy { get; set; }

    /// <summary>Height in pixels of an encoded rung (the width follows the source's aspect); even, 144–2160.</summary>
    public int Height { get; set; }

    /// <summary>H.264 bitrate of an encoded rung in kbit/s, 100–50000.</summary>
    public int VideoKbps { get; set; }

    /// <summary>What is wrong with a ladder (names, sizes, bitrates, more than one copy), one line per problem.</summary>
    public static IEnumerable<string> Problems(IEnumerable<HlsRendition> ladder)
    {
        ArgumentNullException.ThrowIfNull(ladder);
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var copies = 0;
        foreach (var rendition in ladder)
        {
            if (rendition.Name.Length is 0 or > 32 || rendition.Name.Equals("index", StringComparison.OrdinalIgnoreCase)
                || !rendition.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') || !names.Add(rendition.Name))
            {
                yield return $"rendition names must be unique, 1-32 letters, digits, '-' or '_', and not 'index' (was '{rendition.Name}').";
            }

            copies += rendition.Copy ? 1 : 0;
            if (!rendition.Copy && (rendition.Height is < 144 or > 2160 || rendition.Height % 2 != 0 || rendition.VideoKbps is < 100 or > 50_000))
            {
                yield return $"rendition '{rendition.Name}': an encoded rung needs an even height of 144-2160 and a bitrate of 100-50000 kbit/s.";
            }
        }

        if (copies > 1)
        {
            yield return "at most one rendition copies the source.";
        }
    }

    /// <summary>A ladder as one line ("src=copy,480p=480@1400"): how a channel's own ladder is kept and compared.</summary>
    public static string ToText(IEnumerable<HlsRendition> ladder) =>
        string.Join(',', ladder.Select(r => r.Copy ? $"{r.Name}=copy" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{r.Name}={r.Height}@{r.VideoKbps}")));

    /// <summary>The ladder written by <see cref="ToText"/>.</summary>
    /// <exception cref="FormatException">Not such a line.</exception>
    public static IReadOnlyList<HlsRendition> ParseText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ladder = new List<HlsRendition>();
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var (name, spec) = item.Split('=') is [var n, var v] ? (n, v) : throw new FormatException($"Rendition '{item}' is not name=copy or name=height@kbps.");
            if (spec == "copy")
            {
                ladder.Add(new HlsRendition { Name = name, Copy = true });
                continue;
            }

            var parts = spec.Split('@');
            if (parts.Length != 2 || !int.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out var height)
                || !int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var kbps))
            {
                throw new FormatException($"Rendition '{item}' is not name=copy or name=height@kbps.");
            }

            ladder.Add(new HlsRendition { Name = name, Height = height, VideoKbps = kbps });
        }

        return ladder;
    }
}

/// <summary>Who turns a copied channel's RTP into fragmented MP4.</summary>
public enum HlsMuxer
{
    /// <summary>The appliance's own muxer where the channel's codecs allow it (H.264, AAC), else FFmpeg.</summary>
    Auto,

    /// <summary>Always FFmpeg.</summary>
    Ffmpeg,
}

/// <summary>How a channel's HLS segments are made.</summary>
public enum HlsSegmentFormat
{
    /// <summary>Fragmented MP4 (CMAF) cut by our packager into Low-Latency HLS parts and segments.</summary>
    Fmp4,

    /// <summary>Classic HLS: MPEG-TS segments and the playlist written by FFmpeg.</summary>
    MpegTs,
}
