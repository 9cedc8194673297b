namespace Broadcast.Ingest.Protocols.Codecs;

/// <summary>What an H.264 sequence parameter set says about the picture: profile, level, size after cropping, frame rate.</summary>
public readonly record struct H264SequenceParameterSet(byte ProfileIdc, byte ConstraintFlags, byte LevelIdc, int Width, int Height,
    double? FrameRate)
{
    private const byte SpsType = 7;
    private const byte NalTypeMask = 0b0001_1111;

    /// <summary>profile_idc, constraint flags and level_idc as an SDP profile-level-id (e.g. <c>42c01e</c>).</summary>
    public string ProfileLevelId => $"{ProfileIdc:x2}{ConstraintFlags:x2}{LevelIdc:x2}";

    /// <summary>
    /// Parses an SPS NAL unit, header byte included (ITU-T H.264 §7.3.2.1.1), far enough for the size and, when the
    /// VUI has timing information, the frame rate. False for another NAL type or a truncated or inconsistent SPS.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> nal, out H264SequenceParameterSet sps)
    {
        sps = default;
        if (nal.Length < 4 || (nal[0] & NalTypeMask) != SpsType)
        {
            return false;
        }

        var profile = nal[1];
        var reader = new RbspBitReader(nal[4..]);
        if (reader.ReadUe() > 31)
        {
            return false; // seq_parameter_set_id
        }

        uint chromaFormat = 1;
        var separateColourPlanes = false;
        if (profile is 100 or 110 or 122 or 244 or 44 or 83 or 86 or 118 or 128 or 138 or 139 or 134 or 135)
        {
            chromaFormat = reader.ReadUe();
            if (chromaFormat > 3)
            {
                return false;
            }

            if (chromaFormat == 3)
            {
                separateColourPlanes = reader.ReadFlag();
            }

            reader.ReadUe(); // bit_depth_luma_minus8
            reader.ReadUe(); // bit_depth_chroma_minus8
            reader.Skip(1); // qpprime_y_zero_transform_bypass_flag
            if (reader.ReadFlag())
            {
                for (var i = 0; i < (chromaFormat != 3 ? 8 : 12); i++)
                {
                    if (reader.ReadFlag())
                    {
                        SkipScalingList(ref reader, i < 6 ? 16 : 64);
                    }
                }
            }
        }

        reader.ReadUe(); // log2_max_frame_num_minus4
        var pocType = reader.ReadUe();
        if (pocType == 0)
        {
            reader.ReadUe(); // log2_max_pic_order_cnt_lsb_minus4
        }
        else if (pocType == 1)
        {
            reader.Skip(1); // delta_pic_order_always_zero_flag
            reader.ReadSe();
            reader.ReadSe();
            var cycle = reader.ReadUe();
            if (cycle > 255)
            {
                return false;
            }

            for (var i = 0; i < cycle; i++)
            {
                reader.ReadSe();
            }
        }
        else if (pocType > 2)
        {
            return false;
        }

        reader.ReadUe(); // max_num_ref_frames
        reader.Skip(1); // gaps_in_frame_num_value_allowed_flag
        var widthInMbs = reader.ReadUe() + 1;
        var heightInMapUnits = reader.ReadUe() + 1;
        var frameMbsOnly = reader.ReadFlag();
        if (!frameMbsOnly)
        {
            reader.Skip(1); // mb_adaptive_frame_field_flag
        }

        reader.Skip(1); // direct_8x8_inference_flag
        uint cropLeft = 0, cropRight = 0, cropTop = 0, cropBottom = 0;
        if (reader.ReadFlag())
        {
            cropLeft = reader.ReadUe();
            cropRight = reader.ReadUe();
            cropTop = reader.ReadUe();
            cropBottom = reader.ReadUe();
        }

        var frameRate = reader.ReadFlag() ? ReadVuiFrameRate(ref reader) : null;
        if (reader.Failed || widthInMbs > 1024 || heightInMapUnits > 1024)
        {
            return false;
        }

        // ChromaArrayType 0 (monochrome or separate planes) crops in luma samples; 4:2:0 in pairs both ways.
        var chromaArrayType = separateColourPlanes ? 0u : chromaFormat;
        var fieldFactor = frameMbsOnly ? 1 : 2;
        var cropUnitX = chromaArrayType is 1 or 2 ? 2 : 1;
        var cropUnitY = (chromaArrayType == 1 ? 2 : 1) * fieldFactor;
        var width = (int)(widthInMbs * 16) - (cropUnitX * (int)(cropLeft + cropRight));
        var height = (int)(heightInMapUnits * 16 * fieldFactor) - (cropUnitY * (int)(cropTop + cropBottom));
        if (width <= 0 || height <= 0)
        {
            return false;
        }

        sps = new H264SequenceParameterSet(profile, nal[2], nal[3], width, height, frameRate);
        return true;
    }

    private static void SkipScalingList(ref RbspBitReader reader, int size)
    {
        var last = 8;
        var next = 8;
        for (var j = 0; j < size && !reader.Failed; j++)
        {
            if (next != 0)
            {
                next = (last + reader.ReadSe() + 256) % 256;
            }

            last = next == 0 ? last : next;
        }
    }

    // E.1.1 up to timing_info: time_scale / (2 · num_units_in_tick) frames a second (two fields per frame).
    private static double? ReadVuiFrameRate(ref RbspBitReader reader)
    {
        if (reader.ReadFlag() && reader.ReadBits(8) == 255)
        {
            reader.Skip(32); // sar_width, sar_height
        }

        if (reader.ReadFlag())
        {
            reader.Skip(1); // overscan_appropriate_flag
        }

        if (reader.ReadFlag())
        {
            reader.Skip(4); // video_format, video_full_range_flag
            if (reader.ReadFlag())
            {
                reader.Skip(24); // colour primaries, transfer, matrix
            }
        }

        if (reader.ReadFlag())
        {
            reader.ReadUe();
            reader.ReadUe();
        }

        if (!reader.ReadFlag())
        {
            return null;
        }

        var unitsInTick = reader.ReadBits(32);
        var timeScale = reader.ReadBits(32);
        if (reader.Failed || unitsInTick == 0 || timeScale == 0)
        {
            return null;
        }

        var rate = timeScale / (2.0 * unitsInTick);
        return rate is > 0 and <= 1000 ? rate : null;
    }
}
