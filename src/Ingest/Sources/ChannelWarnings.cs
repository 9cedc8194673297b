using System.Globalization;
using Broadcast.Ingest.Routing;

namespace Broadcast.Ingest.Sources;

/// <summary>
/// What will make browser playback of a channel suffer, in words an admin can act on: tracks left out, key frames
/// further apart than a segment, B-frames, and codecs HLS cannot carry as they are. Pure.
/// </summary>
public static class ChannelWarnings
{
    /// <summary>Warnings for <paramref name="tracks"/> of a channel whose segments last <paramref name="segmentSeconds"/>.</summary>
    public static IReadOnlyList<string> For(IReadOnlyList<TrackStatus> tracks, double segmentSeconds)
    {
        ArgumentNullException.ThrowIfNull(tracks);
        var warnings = new List<string>();
        foreach (var track in tracks)
        {
            if (!track.Used)
            {
                warnings.Add(Text($"{Capitalised(track.Kind)} track {track.Index} ({track.Codec}) is ignored: {track.Ignored ?? "not used"}."));
                continue;
            }

            var codec = track.MimeType ?? track.Codec;
            if (track.Kind == MediaKinds.Video)
            {
                if (track.KeyFrameIntervalSeconds is { } interval && interval > segmentSeconds * 1.1)
                {
                    var segmentsLast = Math.Ceiling(interval / segmentSeconds) * segmentSeconds;
                    warnings.Add(
                        Text($"Key frames come every {interval:0.##} s, more than the {segmentSeconds:0.##} s segment duration: ") +
                        Text($"segments last {segmentsLast:0.##} s and players start later. ") +
                        Text($"Set the camera's key-frame (I-frame, GOP) interval to {segmentSeconds:0.##} s or less."));
                }

                if (track.BFrames == true)
                {
                    warnings.Add("The video has B-frames: they add decoding delay and some browsers stutter on them. Turn B-frames off in the camera.");
                }

                if (codec.EndsWith("H265", StringComparison.OrdinalIgnoreCase))
                {
                    warnings.Add("H.265 does not play in most browsers: the video is transcoded to H.264, which costs CPU. Set the camera to H.264 if it can.");
                }
            }
            else if (codec.EndsWith("/opus", StringComparison.OrdinalIgnoreCase) || codec.EndsWith("/PCMU", StringComparison.OrdinalIgnoreCase)
                || codec.EndsWith("/PCMA", StringComparison.OrdinalIgnoreCase))
            {
                warnings.Add($"{track.Codec} audio cannot go into HLS as it is: it is transcoded to AAC.");
            }
        }

        return warnings;
    }

    private static string Capitalised(string kind) => kind.Length == 0 ? kind : char.ToUpperInvariant(kind[0]) + kind[1..];

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
