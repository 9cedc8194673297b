using System.Globalization;
using System.Text;

namespace Broadcast.Transcode;

/// <summary>One rendition as the multivariant playlist lists it (EXT-X-STREAM-INF).</summary>
/// <param name="Uri">Its media playlist, relative ("720p.m3u8").</param>
/// <param name="Bandwidth">Peak bit/s (BANDWIDTH).</param>
/// <param name="AverageBandwidth">Mean bit/s (AVERAGE-BANDWIDTH), or null.</param>
/// <param name="Width">Video width (RESOLUTION), 0 when unknown.</param>
/// <param name="Height">Video height.</param>
/// <param name="FrameRate">Frames per second (FRAME-RATE), or null.</param>
/// <param name="Codecs">RFC 6381 codecs (CODECS), or null.</param>
public sealed record Variant(string Uri, long Bandwidth, long? AverageBandwidth, int Width, int Height, double? FrameRate, string? Codecs);

/// <summary>Writes the multivariant playlist of an adaptive channel (RFC 8216bis §4.4.6): highest bandwidth first. Pure.</summary>
public static class MultivariantPlaylistWriter
{
    public static string Write(IEnumerable<Variant> variants)
    {
        ArgumentNullException.ThrowIfNull(variants);
        var text = new StringBuilder("#EXTM3U\n");
        text.Append(CultureInfo.InvariantCulture, $"#EXT-X-VERSION:{LowLatencyPlaylistWriter.Version}\n");
        // Every rendition's segments start with a key frame, at the same instants (aligned key frames).
        text.Append("#EXT-X-INDEPENDENT-SEGMENTS\n");
        foreach (var variant in variants.OrderByDescending(v => v.Bandwidth))
        {
            text.Append(CultureInfo.InvariantCulture, $"#EXT-X-STREAM-INF:BANDWIDTH={variant.Bandwidth}");
            if (variant.AverageBandwidth is { } average)
            {
                text.Append(CultureInfo.InvariantCulture, $",AVERAGE-BANDWIDTH={average}");
            }

            if (variant.Width > 0 && variant.Height > 0)
            {
                text.Append(CultureInfo.InvariantCulture, $",RESOLUTION={variant.Width}x{variant.Height}");
            }

            if (variant.FrameRate is { } rate and > 0)
            {
                text.Append(CultureInfo.InvariantCulture, $",FRAME-RATE={rate:0.000}");
            }

            if (variant.Codecs is { Length: > 0 } codecs)
            {
                text.Append(CultureInfo.InvariantCulture, $",CODECS=\"{codecs}\"");
            }

            text.Append('\n').Append(variant.Uri).Append('\n');
        }

        return text.ToString();
    }
}
