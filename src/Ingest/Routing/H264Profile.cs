using System.Globalization;

namespace Broadcast.Ingest.Routing;

/// <summary>H.264 profiles as read from an SDP <c>profile-level-id</c> (RFC 6184 §8.1: profile_idc, profile-iop, level_idc).</summary>
public enum H264Profile
{
    ConstrainedBaseline,
    Baseline,
    Main,
    ConstrainedHigh,
    High,
    PredictiveHigh444,
}

/// <summary>Reads the profile out of a profile-level-id, the way WebRTC stacks compare H.264 codecs.</summary>
public static class H264ProfileLevelId
{
    /// <summary>The value assumed when profile-level-id is absent (RFC 6184: Constrained Baseline, level 3.1).</summary>
    public const string Default = "42e01f";

    // (profile_idc, profile-iop pattern, profile). Pattern characters are bits 7..0: '1', '0' or 'x' (either).
    private static readonly (byte Idc, string Iop, H264Profile Profile)[] Patterns =
    [
        (0x42, "x1xx0000", H264Profile.ConstrainedBaseline),
        (0x4D, "1xxx0000", H264Profile.ConstrainedBaseline),
        (0x58, "11xx0000", H264Profile.ConstrainedBaseline),
        (0x42, "x0xx0000", H264Profile.Baseline),
        (0x58, "10xx0000", H264Profile.Baseline),
        (0x4D, "0x0x0000", H264Profile.Main),
        (0x64, "00000000", H264Profile.High),
        (0x64, "00001100", H264Profile.ConstrainedHigh),
        (0xF4, "00000000", H264Profile.PredictiveHigh444),
    ];

    /// <summary>Parses a 6-hex-digit profile-level-id; false for a malformed value or an unknown profile.</summary>
    public static bool TryGetProfile(string? profileLevelId, out H264Profile profile)
    {
        profile = default;
        var value = string.IsNullOrEmpty(profileLevelId) ? Default : profileLevelId;
        if (value.Length != 6 || !uint.TryParse(value, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        var idc = (byte)(number >> 16);
        var iop = (byte)(number >> 8);
        foreach (var (patternIdc, pattern, candidate) in Patterns)
        {
            if (patternIdc == idc && Matches(pattern, iop))
            {
                profile = candidate;
                return true;
            }
        }

        return false;
    }

    private static bool Matches(string pattern, byte value)
    {
        for (var i = 0; i < 8; i++)
        {
            var bit = (value >> (7 - i)) & 1;
            if ((pattern[i] == '1' && bit == 0) || (pattern[i] == '0' && bit == 1))
            {
                return false;
            }
        }

        return true;
    }
}
