using System.Buffers.Binary;

namespace Broadcast.Transcode.Packaging;

/// <summary>A malformed ISO BMFF (fragmented MP4) stream: the pipeline treats it like an FFmpeg failure.</summary>
public sealed class Fmp4FormatException(string message) : Exception(message);

/// <summary>One ISO/IEC 14496-12 box header: <c>uint32 size</c> (1: a 64-bit size follows), <c>char[4] type</c>.</summary>
/// <param name="Type">The four-character code as a big-endian integer (see <see cref="Mp4Box.FourCc"/>).</param>
/// <param name="Size">The whole box, header included.</param>
/// <param name="HeaderLength">8, or 16 with a 64-bit size.</param>
public readonly record struct Mp4BoxHeader(uint Type, long Size, int HeaderLength);

/// <summary>Pure readers of box headers and children; every read is bounds-checked against the span it is given.</summary>
public static class Mp4Box
{
    public const uint Ftyp = 0x66747970, Moov = 0x6d6f6f76, Moof = 0x6d6f6f66, Mdat = 0x6d646174, Mfra = 0x6d667261;
    public const uint Styp = 0x73747970, Sidx = 0x73696478, Prft = 0x70726674, Emsg = 0x656d7367, Free = 0x66726565, Skip = 0x736b6970;
    public const uint Mvhd = 0x6d766864, Trak = 0x7472616b, Tkhd = 0x746b6864, Mdia = 0x6d646961, Mdhd = 0x6d646864, Hdlr = 0x68646c72;
    public const uint Minf = 0x6d696e66, Stbl = 0x7374626c, Stsd = 0x73747364, Mvex = 0x6d766578, Trex = 0x74726578, Mehd = 0x6d656864;
    public const uint Mfhd = 0x6d666864, Traf = 0x74726166, Tfhd = 0x74666864, Tfdt = 0x74666474, Trun = 0x7472756e;
    public const uint Avc1 = 0x61766331, Avc3 = 0x61766333, AvcC = 0x61766343, Hvc1 = 0x68766331, Hev1 = 0x68657631;
    public const uint Mp4a = 0x6d703461, Esds = 0x65736473, Opus = 0x4f707573;
    public const uint Vide = 0x76696465, Soun = 0x736f756e;

    /// <summary>The integer form of a four-character code such as "moof".</summary>
    public static uint FourCc(ReadOnlySpan<char> code) =>
        code.Length == 4 ? (uint)code[0] << 24 | (uint)code[1] << 16 | (uint)code[2] << 8 | code[3] : throw new ArgumentException("Four characters expected.", nameof(code));

    /// <summary>
    /// Reads the header at the start of <paramref name="data"/>. False when fewer bytes than the header are there;
    /// a size smaller than its header, or "to the end of file" (0), is malformed for a stream.
    /// </summary>
    /// <exception cref="Fmp4FormatException">The size field is impossible.</exception>
    public static bool TryReadHeader(ReadOnlySpan<byte> data, out Mp4BoxHeader header)
    {
        header = default;
        if (data.Length < 8)
        {
            return false;
        }

        long size = BinaryPrimitives.ReadUInt32BigEndian(data);
        var type = BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
        var headerLength = 8;
        if (size == 1)
        {
            if (data.Length < 16)
            {
                return false;
            }

            var large = BinaryPrimitives.ReadUInt64BigEndian(data[8..]);
            size = large > long.MaxValue ? long.MaxValue : (long)large;
            headerLength = 16;
        }

        if (size < headerLength)
        {
            throw new Fmp4FormatException($"Box '{Name(type)}' declares {size} bytes, less than its header.");
        }

        header = new Mp4BoxHeader(type, size, headerLength);
        return true;
    }

    /// <summary>The body of the first child box of <paramref name="type"/> inside <paramref name="container"/> (a box body), or empty.</summary>
    public static bool TryFindChild(ReadOnlySpan<byte> container, uint type, out ReadOnlySpan<byte> body)
    {
        var enumerator = new ChildEnumerator(container);
        while (enumerator.MoveNext())
        {
            if (enumerator.Current.Type == type)
            {
                body = enumerator.Body;
                return true;
            }
        }

        body = default;
        return false;
    }

    /// <summary>The box's type as text, for messages.</summary>
    public static string Name(uint type)
    {
        Span<char> chars = stackalloc char[4];
        for (var i = 0; i < 4; i++)
        {
            var c = (char)((type >> (24 - (8 * i))) & 0xff);
            chars[i] = char.IsAsciiLetterOrDigit(c) || c is ' ' ? c : '?';
        }

        return new string(chars);
    }

    /// <summary>Walks the child boxes of a box body; stops at the first one that does not fit.</summary>
    public ref struct ChildEnumerator(ReadOnlySpan<byte> container)
    {
        private readonly ReadOnlySpan<byte> _container = container;
        private int _next;

        public Mp4BoxHeader Current { get; private set; }

        /// <summary>The current child's body (after its header).</summary>
        public ReadOnlySpan<byte> Body { get; private set; }

        /// <summary>The current child, header included.</summary>
        public ReadOnlySpan<byte> Whole { get; private set; }

        /// <exception cref="Fmp4FormatException">A child does not fit in its container.</exception>
        public bool MoveNext()
        {
            if (_next >= _container.Length)
            {
                return false;
            }

            var rest = _container[_next..];
            if (!TryReadHeader(rest, out var header) || header.Size > rest.Length)
            {
                throw new Fmp4FormatException("A box does not fit in its parent.");
            }

            Current = header;
            Whole = rest[..(int)header.Size];
            Body = Whole[header.HeaderLength..];
            _next += (int)header.Size;
            return true;
        }
    }
}
