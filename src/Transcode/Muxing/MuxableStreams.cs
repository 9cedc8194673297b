using System.Globalization;
using Broadcast.Ingest.Routing;

namespace Broadcast.Transcode.Muxing;

/// <summary>
/// Which consumed streams the appliance's muxer takes as they are: H.264 in packetization-mode 0 or 1, and AAC in
/// RFC 3640's AAC-hbr or AAC-lbr mode with its config. Anything else (VP8, H.265, Opus, G.711…) needs FFmpeg.
/// </summary>
public static class MuxableStreams
{
    /// <summary>Whether a stream of this codec can be muxed as it is.</summary>
    public static bool IsMuxable(RtpCodecParameters codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        return codec.MimeType.ToUpperInvariant() switch
        {
            "VIDEO/H264" => GetInt(codec.Parameters, "packetization-mode", 0) is 0 or 1,
            "AUDIO/MPEG4-GENERIC" => AudioSpecificConfig(codec) is not null
                && (Get(codec.Parameters, "mode") ?? "").ToUpperInvariant() is "AAC-HBR" or "AAC-LBR"
                && GetInt(codec.Parameters, "sizelength", 13) is >= 1 and <= 16
                && GetInt(codec.Parameters, "indexlength", 3) is >= 0 and <= 8
                && GetInt(codec.Parameters, "indexdeltalength", 3) is >= 0 and <= 8,
            _ => false,
        };
    }

    /// <summary>The video track of a consumer of H.264 with <paramref name="ssrc"/>: sprop-parameter-sets, if any, give its SPS and PPS.</summary>
    public static MuxVideoTrack Video(uint ssrc, RtpCodecParameters codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        byte[]? sps = null, pps = null;
        foreach (var set in (Get(codec.Parameters, "sprop-parameter-sets") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var nal = FromBase64(set.Trim());
            switch (nal is { Length: > 0 } ? nal[0] & 0x1f : 0)
            {
                case 7:
                    sps = nal;
                    break;
                case 8:
                    pps = nal;
                    break;
            }
        }

        return new MuxVideoTrack(ssrc, sps, pps);
    }

    /// <summary>The audio track of a consumer of AAC with <paramref name="ssrc"/>.</summary>
    /// <exception cref="ArgumentException">The codec is not muxable AAC (see <see cref="IsMuxable"/>).</exception>
    public static MuxAudioTrack Audio(uint ssrc, RtpCodecParameters codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        var config = AudioSpecificConfig(codec) ?? throw new ArgumentException("AAC without its config.", nameof(codec));
        var parameters = codec.Parameters;
        var lowBitrate = (Get(parameters, "mode") ?? "").Equals("AAC-lbr", StringComparison.OrdinalIgnoreCase);
        return new MuxAudioTrack(ssrc, codec.ClockRate, codec.Channels ?? 1, config,
            GetInt(parameters, "sizelength", lowBitrate ? 6 : 13),
            GetInt(parameters, "indexlength", lowBitrate ? 2 : 3),
            GetInt(parameters, "indexdeltalength", lowBitrate ? 2 : 3));
    }

    // The fmtp's config: the AudioSpecificConfig in hex (RFC 3640 §4.1).
    private static byte[]? AudioSpecificConfig(RtpCodecParameters codec)
    {
        var hex = Get(codec.Parameters, "config");
        if (hex is null || hex.Length < 4 || hex.Length % 2 != 0 || hex.Length > 128)
        {
            return null;
        }

        try
        {
            return Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static byte[]? FromBase64(string text)
    {
        var bytes = new byte[text.Length];
        return Convert.TryFromBase64String(text, bytes, out var written) ? bytes[..written] : null;
    }

    // fmtp names are case-insensitive (RFC 3640 writes sizeLength, cameras write sizelength).
    private static string? Get(IReadOnlyDictionary<string, object> parameters, string key)
    {
        foreach (var (name, value) in parameters)
        {
            if (name.Equals(key, StringComparison.OrdinalIgnoreCase))
            {
                return CodecParameters.Format(value);
            }
        }

        return null;
    }

    private static int GetInt(IReadOnlyDictionary<string, object> parameters, string key, int fallback) =>
        int.TryParse(Get(parameters, key), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : fallback;
}
