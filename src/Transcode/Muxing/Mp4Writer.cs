using System.Buffers.Binary;

namespace Broadcast.Transcode.Muxing;

/// <summary>
/// Writes ISO BMFF boxes big-endian into a buffer it keeps between uses: <see cref="Reset"/>, write, read
/// <see cref="Written"/>. A box is opened with <see cref="Begin"/> and its size filled in by <see cref="End"/>.
/// </summary>
public sealed class Mp4Writer(int capacity = 4096)
{
    private byte[] _buffer = new byte[capacity];

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, Length);

    public void Reset() => Length = 0;

    /// <summary>Opens a box of <paramref name="type"/> (four ASCII letters); returns where it starts, for <see cref="End"/>.</summary>
    public int Begin(uint type)
    {
        var start = Length;
        U32(0);
        U32(type);
        return start;
    }

    /// <summary>Opens a full box (version and 24-bit flags after the type).</summary>
    public int BeginFull(uint type, byte version, uint flags)
    {
        var start = Begin(type);
        U32(((uint)version << 24) | (flags & 0xffffff));
        return start;
    }

    public void End(int start) => BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(start), (uint)(Length - start));

    public void U8(byte value) => Take(1)[0] = value;

    public void U16(ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Take(2), value);

    public void U32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Take(4), value);

    public void U64(ulong value) => BinaryPrimitives.WriteUInt64BigEndian(Take(8), value);

    public void Zeros(int count) => Take(count).Clear();

    public void Bytes(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Take(bytes.Length));

    /// <summary>Overwrites a 32-bit field written earlier (a trun's data offset once the moof's size is known).</summary>
    public void PatchU32(int at, uint value) => BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(at), value);

    /// <summary>Four ASCII letters as a box type or brand.</summary>
    public static uint FourCc(string code) => BinaryPrimitives.ReadUInt32BigEndian(System.Text.Encoding.ASCII.GetBytes(code));

    private Span<byte> Take(int count)
    {
        if (Length + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Length + count));
        }

        var span = _buffer.AsSpan(Length, count);
        Length += count;
        return span;
    }
}
