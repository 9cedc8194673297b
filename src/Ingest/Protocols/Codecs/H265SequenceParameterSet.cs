namespace Broadcast.Ingest.Protocols.Codecs;

/// <summary>What an H.265 sequence parameter set says about the picture: profile, level and size after the conformance window.</summary>
public readonly record struct H265SequenceParameterSet(byte ProfileIdc, byte LevelIdc, int Width, int Height)
{
    private const int SpsType = 33;

    /// <summary>
    /// Parses an SPS NAL unit, its two header bytes included (ITU-T H.265 §7.3.2.2.1), up to the conformance window.
    /// False for another NAL type or a truncated or inconsistent SPS.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> nal, out H265SequenceParameterSet sps)
    {
        sps = default;
        if (nal.Length < 3 || ((nal[0] >> 1) & 0x3F) != SpsType)
        {
            return false;
        }

        var reader = new RbspBitReader(nal[2..]);
        reader.Skip(4); // sps_video_parameter_set_id
        var maxSubLayersMinus1 = (int)reader.ReadBits(3);
        reader.Skip(1); // sps_temporal_id_nesting_flag

        // profile_tier_level(1, maxSubLayersMinus1): general profile space, tier, profile, 32 compatibility flags,
        // 4 source flags, 43 reserved/constraint bits, 1 bit; then the level.
        reader.Skip(3);
        var profile = (byte)reader.ReadBits(5);
        reader.Skip(32 + 4 + 43 + 1);
        var level = (byte)reader.ReadBits(8);
        Span<bool> profilePresent = stackalloc bool[8];
        Span<bool> levelPresent = stackalloc bool[8];
        for (var i = 0; i < maxSubLayersMinus1; i++)
        {
            profilePresent[i] = reader.ReadFlag();
            levelPresent[i] = reader.ReadFlag();
        }

        if (maxSubLayersMinus1 > 0)
        {
            reader.Skip(2 * (8 - maxSubLayersMinus1));
        }

        for (var i = 0; i < maxSubLayersMinus1; i++)
        {
            reader.Skip((profilePresent[i] ? 88 : 0) + (levelPresent[i] ? 8 : 0));
        }

        if (reader.ReadUe() > 15)
        {
            return false; // sps_seq_parameter_set_id
        }

        var chromaFormat = reader.ReadUe();
        if (chromaFormat > 3)
        {
            return false;
        }

        var separateColourPlanes = chromaFormat == 3 && reader.ReadFlag();
        var width = reader.ReadUe();
        var height = reader.ReadUe();
        uint left = 0, right = 0, top = 0, bottom = 0;
        if (reader.ReadFlag())
        {
            left = reader.ReadUe();
            right = reader.ReadUe();
            top = reader.ReadUe();
            bottom = reader.ReadUe();
        }

        if (reader.Failed || width is 0 or > 16888 || height is 0 or > 16888)
        {
            return false;
        }

        var chromaArrayType = separateColourPlanes ? 0u : chromaFormat;
        var subWidth = chromaArrayType is 1 or 2 ? 2 : 1;
        var subHeight = chromaArrayType == 1 ? 2 : 1;
        var croppedWidth = (int)width - (subWidth * (int)(left + right));
        var croppedHeight = (int)height - (subHeight * (int)(top + bottom));
        if (croppedWidth <= 0 || croppedHeight <= 0)
        {
            return false;
        }

        sps = new H265SequenceParameterSet(profile, level, croppedWidth, croppedHeight);
        return true;
    }
}
