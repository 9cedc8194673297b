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
        if (!header.HasExtension || id <= 0)
        {
            return false;
        }

        var block = packet.Slice(header.ExtensionOffset, header.ExtensionLength);
        if (header.ExtensionProfile == OneByteProfile)
        {
            return TryFindOneByte(block, id, out value);
        }

        if ((header.ExtensionProfile & TwoByteProfileMask) == TwoByteProfile)
        {
            return TryFindTwoByte(block, id, out value);
        }

        return false;
    }

    private static bool TryFindOneByte(ReadOnlySpan<byte> block, int id, out ReadOnlySpan<byte> value)
    {
        value = default;
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
                value = block.Slice(i + 1, length);
                return true;
            }

            i += 1 + length;
        }

        return false;
    }

    private static bool TryFindTwoByte(ReadOnlySpan<byte> block, int id, out ReadOnlySpan<byte> value)
    {
        value = default;
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
                value = block.Slice(i + 2, length);
                return true;
            }

            i += 2 + length;
        }

        return false;
    }
}
