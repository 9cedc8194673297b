namespace Broadcast.Ingest.Protocols.Rtp;

/// <summary>
/// Finds elements in an RTP header extension block (RFC 8285): the one-byte form (profile 0xBEDE,
/// <c>ID(4) | L(4)</c> then L+1 bytes; ID 0 is padding, ID 15 stops parsing) and the two-byte form
/// (profile 0x100X, <c>ID(8) | length(8)</c> then length bytes; ID 0 is padding).
/// </summary>
public static class RtpHeaderExtensions
{
    public const ushort OneByteProfile = 0xBEDE;
    private const ushort TwoByteProfileMask = 0xFFF0;
    private const ushort TwoByteProfile = 0x1000;

    /// <summary>Finds the element <paramref name="id"/>; false when absent or when the block is malformed.</summary>
    public static bool TryFind(ReadOnlySpan<byte> packet, in RtpHeader header, int id, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (!TryFindRange(packet, in header, id, out var offset, out var length))
        {
            return false;
        }

        value = packet.Slice(offset, length);
        return true;
    }

    /// <summary>Where the value of element <paramref name="id"/> lies in the packet, to be rewritten in place.</summary>
    public static bool TryFindRange(ReadOnlySpan<byte> packet, in RtpHeader header, int id, out int offset, out int length)
    {
        offset = 0;
        length = 0;
        if (!header.HasExtension || id <= 0)
        {
            return false;
        }

        var block = packet.Slice(header.ExtensionOffset, header.ExtensionLength);
        bool found;
        int start;
        if (header.ExtensionProfile == OneByteProfile)
        {
            found = TryFindOneByte(block, id, out start, out length);
        }
        else if ((header.ExtensionProfile & TwoByteProfileMask) == TwoByteProfile)
        {
            found = TryFindTwoByte(block, id, out start, out length);
        }
        else
        {
            return false;
        }

        offset = header.ExtensionOffset + start;
        return found;
    }

    /// <summary>Turns element <paramref name="id"/> (header and value) into padding bytes, which receivers skip.</summary>
    public static void Blank(Span<byte> packet, in RtpHeader header, int id)
    {
        if (TryFindRange(packet, in header, id, out var offset, out var length))
        {
            var elementHeader = header.ExtensionProfile == OneByteProfile ? 1 : 2;
            packet.Slice(offset - elementHeader, elementHeader + length).Clear();
        }
    }

    /// <summary>
    /// Rewrites every element's id in place through <paramref name="idMap"/> (old id → new id; 0, or an index past
    /// its end, blanks the element: header and data become padding bytes, which receivers skip). New ids must fit the
    /// block's form (1–14 one-byte, 1–255 two-byte). False, with the block left as far as it was read, when it is malformed.
    /// </summary>
    public static bool Remap(Span<byte> packet, in RtpHeader header, ReadOnlySpan<byte> idMap)
    {
        if (!header.HasExtension)
        {
            return true;
        }

        var block = packet.Slice(header.ExtensionOffset, header.ExtensionLength);
        var oneByte = header.ExtensionProfile == OneByteProfile;
        if (!oneByte && (header.ExtensionProfile & TwoByteProfileMask) != TwoByteProfile)
        {
            return true; // a profile we do not read: left as it is
        }

        var i = 0;
        while (i < block.Length)
        {
            int elementId = oneByte ? block[i] >> 4 : block[i];
            if (elementId == 0)
            {
                i++;
                continue;
            }

            if (oneByte && elementId == 15)
            {
                return true; // reserved: the rest is not ours to read
            }

            if (!oneByte && i + 2 > block.Length)
            {
                return false;
            }

            var headerLength = oneByte ? 1 : 2;
            var length = oneByte ? (block[i] & 0x0F) + 1 : block[i + 1];
            if (i + headerLength + length > block.Length)
            {
                return false;
            }

            var newId = elementId < idMap.Length ? idMap[elementId] : (byte)0;
            if (newId == 0 || (oneByte && newId > 14))
            {
                block.Slice(i, headerLength + length).Clear();
            }
            else if (oneByte)
            {
                block[i] = (byte)((newId << 4) | (block[i] & 0x0F));
            }
            else
            {
                block[i] = newId;
            }

            i += headerLength + length;
        }

        return true;
    }

    private static bool TryFindOneByte(ReadOnlySpan<byte> block, int id, out int start, out int valueLength)
    {
        start = 0;
        valueLength = 0;
        var i = 0;
        while (i < block.Length)
        {
            var elementId = block[i] >> 4;
            if (elementId == 0)
            {
                i++; // padding byte
                continue;
            }

            if (elementId == 15)
            {
                return false; // reserved: stop parsing the block
            }

            var length = (block[i] & 0x0F) + 1;
            if (i + 1 + length > block.Length)
            {
                return false;
            }

            if (elementId == id)
            {
                (start, valueLength) = (i + 1, length);
                return true;
            }

            i += 1 + length;
        }

        return false;
    }

    private static bool TryFindTwoByte(ReadOnlySpan<byte> block, int id, out int start, out int valueLength)
    {
        start = 0;
        valueLength = 0;
        var i = 0;
        while (i < block.Length)
        {
            var elementId = block[i];
            if (elementId == 0)
            {
                i++; // padding byte
                continue;
            }

            if (i + 2 > block.Length)
            {
                return false;
            }

            var length = block[i + 1];
            if (i + 2 + length > block.Length)
            {
                return false;
            }

            if (elementId == id)
            {
                (start, valueLength) = (i + 2, length);
                return true;
            }

            i += 2 + length;
        }

        return false;
    }
}
