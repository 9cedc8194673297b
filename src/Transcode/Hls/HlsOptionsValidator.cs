using Microsoft.Extensions.Options;

namespace Broadcast.Transcode;

/// <summary>Checks <see cref="HlsOptions"/> on start and reports every problem at once, each naming its key.</summary>
public sealed class HlsOptionsValidator : IValidateOptions<HlsOptions>
{
    /// <summary>The presets x264 knows, fastest first.</summary>
    public static readonly IReadOnlyList<string> X264Presets =
        ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"];

    /// <summary>Returns success, or one failure message per invalid key (<c>Hls:Key must ...</c>).</summary>
    public ValidateOptionsResult Validate(string? name, HlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();

        RequireText(errors, nameof(HlsOptions.Root), options.Root);
        RequireText(errors, nameof(HlsOptions.WorkRoot), options.WorkRoot);
        RequireText(errors, nameof(HlsOptions.FfmpegPath), options.FfmpegPath);
        if (options.FfmpegPath?.Contains('"', StringComparison.Ordinal) == true)
        {
            // The path is passed in double quotes when FFmpeg starts in its own session.
            errors.Add("Hls:FfmpegPath must not contain a double quote.");
        }

        if (!double.IsFinite(options.PartSeconds) || options.PartSeconds < 0.1 || options.PartSeconds > 2
            || options.PartSeconds > options.SegmentSeconds / 2)
        {
            errors.Add($"Hls:PartSeconds must be between 0.1 and 2 seconds and at most half of Hls:SegmentSeconds (was {options.PartSeconds}).");
        }

        foreach (var problem in HlsRendition.Problems(options.Renditions ?? []))
        {
            errors.Add("Hls:Renditions: " + problem);
        }

        if (!Enum.IsDefined(options.Muxer))
        {
            errors.Add($"Hls:Muxer must be Auto or Ffmpeg (was {options.Muxer}).");
        }

        if (!Enum.IsDefined(options.Format))
        {
            errors.Add($"Hls:Format must be Fmp4 or MpegTs (was {options.Format}).");
        }

        if (!double.IsFinite(options.SegmentSeconds) || options.SegmentSeconds < 0.5 || options.SegmentSeconds > 60)
        {
            errors.Add($"Hls:SegmentSeconds must be between 0.5 and 60 seconds (was {options.SegmentSeconds}).");
        }

        RequireRange(errors, nameof(HlsOptions.PlaylistSize), options.PlaylistSize, 1, 1000);
        RequireRange(errors, nameof(HlsOptions.AudioBitrateKbps), options.AudioBitrateKbps, 16, 512);
        RequireRange(errors, nameof(HlsOptions.VideoBitrateKbps), options.VideoBitrateKbps, 100, 50_000);
        RequireRange(errors, nameof(HlsOptions.StallSegments), options.StallSegments, 2, 100);
        RequireRange(errors, nameof(HlsOptions.StderrLinesKept), options.StderrLinesKept, 1, 10_000);

        if (!X264Presets.Contains(options.X264Preset, StringComparer.Ordinal))
        {
            errors.Add($"Hls:X264Preset must be one of {string.Join(", ", X264Presets)} (was '{options.X264Preset}').");
        }

        if (options.RestartBackoffInitial <= TimeSpan.Zero)
        {
            errors.Add($"Hls:RestartBackoffInitial must be positive (was {options.RestartBackoffInitial}).");
        }

        if (options.RestartBackoffMax < options.RestartBackoffInitial)
        {
            errors.Add($"Hls:RestartBackoffMax must be at least RestartBackoffInitial (was {options.RestartBackoffMax}).");
        }

        if (options.StopTimeout < TimeSpan.FromMilliseconds(100) || options.StopTimeout > TimeSpan.FromSeconds(60))
        {
            errors.Add($"Hls:StopTimeout must be between 0.1 and 60 seconds (was {options.StopTimeout}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void RequireText(List<string> errors, string key, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add($"Hls:{key} must not be empty.");
        }
    }

    private static void RequireRange(List<string> errors, string key, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            errors.Add($"Hls:{key} must be between {min} and {max} (was {value}).");
        }
    }
}
