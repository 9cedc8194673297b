namespace Broadcast.Ingest.Protocols.Codecs;

/// <summary>
/// Reads the bits of an H.264/H.265 NAL unit payload (RBSP) most significant first, dropping emulation prevention
/// bytes (00 00 03 → 00 00) as it goes, with the Exp-Golomb codes of ITU-T H.264 §9.1. Reading past the end never
/// throws: it yields zeros and sets <see cref="Failed"/>.
/// </summary>
internal ref struct RbspBitReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _index;
    private int _bit;
    private int _zeros;
    private byte _current;

    public RbspBitReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _index = -1;
        _bit = 8;
    }

    public bool Failed { get; private set; }

    public bool ReadFlag() => ReadBit() == 1;

    public uint ReadBits(int count)
    {
        uint value = 0;
        for (var i = 0; i < count; i++)
        {
            value = (value << 1) | ReadBit();
        }

        return value;
    }

    public void Skip(int count)
    {
        for (var i = 0; i < count && !Failed; i++)
        {
            ReadBit();
        }
    }

    /// <summary>ue(v): unsigned Exp-Golomb.</summary>
    public uint ReadUe()
    {
        var leadingZeros = 0;
        while (ReadBit() == 0)
        {
            if (Failed || ++leadingZeros > 31)
            {
                Failed = true;
                return 0;
            }
        }

        return leadingZeros == 0 ? 0 : (uint)((1L << leadingZeros) - 1 + ReadBits(leadingZeros));
    }

    /// <summary>se(v): signed Exp-Golomb.</summary>
    public int ReadSe()
    {
        var code = ReadUe();
        return (code & 1) == 1 ? (int)((code + 1) / 2) : -(int)(code / 2);
    }

    private uint ReadBit()
    {
        if (_bit == 8 && !NextByte())
        {
            Failed = true;
            return 0;
        }

        return (uint)(_current >> (7 - _bit++)) & 1;
    }

    private bool NextByte()
    {
        _index++;
        if (_index < _data.Length && _zeros >= 2 && _data[_index] == 3)
        {
            _index++; // emulation prevention byte
            _zeros = 0;
        }

        if (_index >= _data.Length)
        {
            _index = _data.Length;
            return false;
        }

        _current = _data[_index];
        _zeros = _current == 0 ? _zeros + 1 : 0;
        _bit = 0;
        return true;
    }
}
