using System.Globalization;

namespace Broadcast.Transcode;

/// <summary>
/// Picks FFmpeg's <c>-progress</c> lines out of its stderr lines and gathers each block (key=value lines ended by
/// <c>progress=continue</c> or <c>progress=end</c>) into a <see cref="FfmpegProgress"/>. Numbers are read from the
/// line's span, so a line costs no allocation; a block costs its record. Values that do not parse (N/A, empty) become
/// null, never an exception. One per stderr reader: not thread-safe.
/// </summary>
/// <remarks>
/// FFmpeg 5.1 prints, for example, <c>frame=51</c>, <c>fps=25.46</c>, <c>stream_0_0_q=28.0</c>,
/// <c>bitrate= 157.1kbits/s</c>, <c>total_size=787</c>, <c>out_time_us=40078</c>, <c>out_time_ms=40078</c>,
/// <c>out_time=00:00:00.040078</c>, <c>dup_frames=0</c>, <c>drop_frames=0</c>, <c>speed=0.02x</c> and
/// <c>progress=continue</c>. Only those keys count as progress: anything else is a log line.
/// </remarks>
internal sealed class FfmpegProgressParser
{
    private double? _fps;
    private double? _bitrateKbps;
    private double? _speed;
    private long? _frames;
    private long? _droppedFrames;
    private long? _duplicatedFrames;
    private long? _outTimeMicroseconds;

    /// <summary>
    /// Takes one stderr line (without its line end). Returns false when it is not a progress line: it belongs in the
    /// log. When the line ends a block, <paramref name="completed"/> is the block, stamped with
    /// <paramref name="time"/>'s clock; otherwise it is null.
    /// </summary>
    public bool TryAccept(ReadOnlySpan<char> line, TimeProvider time, out FfmpegProgress? completed)
    {
        completed = null;
        var equals = line.IndexOf('=');
        if (equals <= 0)
        {
            return false;
        }

        var value = line[(equals + 1)..].Trim(' ');
        switch (line[..equals])
        {
            case "frame":
                _frames = Integer(value);
                break;
            case "fps":
                _fps = Number(value);
                break;
            case "bitrate":
                _bitrateKbps = Number(WithoutSuffix(value, "kbits/s"));
                break;
            case "out_time_us":
                _outTimeMicroseconds = Integer(value);
                break;
            case "dup_frames":
                _duplicatedFrames = Integer(value);
                break;
            case "drop_frames":
                _droppedFrames = Integer(value);
                break;
            case "speed":
                _speed = Number(WithoutSuffix(value, "x"));
                break;
            case "total_size" or "out_time_ms" or "out_time":
                // out_time_us says the same (out_time_ms is in microseconds too); the size is not shown.
                break;
            case "progress":
                completed = new FfmpegProgress(_fps, _bitrateKbps, _speed, _frames, _droppedFrames, _duplicatedFrames,
                    _outTimeMicroseconds / 1_000_000.0, time.GetUtcNow());
                Reset();
                break;
            case var key when IsStreamQuality(key):
                break;
            default:
                return false;
        }

        return true;
    }

    private void Reset()
    {
        _fps = null;
        _bitrateKbps = null;
        _speed = null;
        _frames = null;
        _droppedFrames = null;
        _duplicatedFrames = null;
        _outTimeMicroseconds = null;
    }

    // stream_<file>_<stream>_q: the encoder's quantiser of each video output.
    private static bool IsStreamQuality(ReadOnlySpan<char> key)
    {
        if (!key.StartsWith("stream_") || !key.EndsWith("_q"))
        {
            return false;
        }

        var numbers = key["stream_".Length..^"_q".Length];
        var underscore = numbers.IndexOf('_');
        return underscore > 0 && IsNumber(numbers[..underscore]) && IsNumber(numbers[(underscore + 1)..]);
    }

    // By hand: ContainsAnyExceptInRange allocates.
    private static bool IsNumber(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return !text.IsEmpty;
    }

    private static ReadOnlySpan<char> WithoutSuffix(ReadOnlySpan<char> value, string suffix) =>
        value.EndsWith(suffix) ? value[..^suffix.Length].TrimEnd(' ') : value;

    private static double? Number(ReadOnlySpan<char> value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number) ? number : null;

    private static long? Integer(ReadOnlySpan<char> value) =>
        long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) ? number : null;
}
