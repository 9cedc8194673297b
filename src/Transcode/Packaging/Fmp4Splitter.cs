namespace Broadcast.Transcode.Packaging;

/// <summary>Receives what <see cref="Fmp4Splitter"/> cuts out of a fragmented MP4 byte stream.</summary>
public interface IFmp4Sink
{
    /// <summary>An init segment: <paramref name="bytes"/> is <c>ftyp</c> + <c>moov</c>, ready to serve as EXT-X-MAP.</summary>
    void OnInit(ReadOnlySpan<byte> bytes, Fmp4Init init);

    /// <summary>One <c>moof</c> + <c>mdat</c> (self-contained with default-base-is-moof) and its track fragments.</summary>
    void OnFragment(ReadOnlySpan<byte> bytes, ReadOnlySpan<TrackRun> runs);
}

/// <summary>
/// Cuts a fragmented MP4 byte stream (FFmpeg's <c>-f mp4 -movflags empty_moov+default_base_moof…</c> on a pipe) into
/// its init segment and its moof+mdat fragments, whatever the read sizes. Write into <see cref="GetBuffer"/>, call
/// <see cref="Advance"/>, and the sink is called for every complete element; nothing is allocated per fragment.
/// styp, sidx, prft, emsg, free and skip boxes are skipped; mfra ends the stream.
/// </summary>
public sealed class Fmp4Splitter
{
    /// <summary>The largest box accepted: a 4K key frame is a few MB; anything near this is a broken stream.</summary>
    public const int MaxBoxBytes = 64 * 1024 * 1024;

    private const int MinimumRead = 64 * 1024;
    private const int MaxTracks = 16;

    private readonly TrackRun[] _runs = new TrackRun[MaxTracks];
    private byte[] _buffer;
    private int _start;
    private int _end;
    private int _ftypStart = -1;
    private Fmp4Init? _init;

    public Fmp4Splitter(int initialCapacity = 256 * 1024) => _buffer = new byte[Math.Max(initialCapacity, MinimumRead)];

    /// <summary>The init segment in force, or null before the first one.</summary>
    public Fmp4Init? Init => _init;

    /// <summary>True after an mfra box: the stream has ended.</summary>
    public bool Ended { get; private set; }

    /// <summary>Fragments cut so far.</summary>
    public long Fragments { get; private set; }

    /// <summary>Free space to read into (at least 64 KiB).</summary>
    public Memory<byte> GetBuffer()
    {
        if (_buffer.Length - _end < MinimumRead)
        {
            Compact(MinimumRead);
        }

        return _buffer.AsMemory(_end);
    }

    /// <summary>Takes <paramref name="count"/> bytes written into <see cref="GetBuffer"/> and hands every complete element to <paramref name="sink"/>.</summary>
    /// <exception cref="Fmp4FormatException">The stream is not fragmented MP4 as expected.</exception>
    public void Advance(int count, IFmp4Sink sink)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _buffer.Length - _end);
        _end += count;
        while (!Ended && TryCut(sink))
        {
        }
    }

    // One step over the bytes at _start: returns false when more bytes are needed.
    private bool TryCut(IFmp4Sink sink)
    {
        var data = _buffer.AsSpan(_start, _end - _start);
        if (!Mp4Box.TryReadHeader(data, out var header))
        {
            return false;
        }

        if (header.Size > MaxBoxBytes)
        {
            throw new Fmp4FormatException($"Box '{Mp4Box.Name(header.Type)}' of {header.Size} bytes is larger than {MaxBoxBytes}.");
        }

        var size = (int)header.Size;
        switch (header.Type)
        {
            case Mp4Box.Ftyp:
                if (!Have(size))
                {
                    return false;
                }

                _ftypStart = _start;
                _start += size;
                return true;
            case Mp4Box.Moov:
                if (!Have(size))
                {
                    return false;
                }

                var init = Fmp4Init.Parse(data.Slice(header.HeaderLength, size - header.HeaderLength));
                var initStart = _ftypStart >= 0 ? _ftypStart : _start;
                _start += size;
                _init = init;
                sink.OnInit(_buffer.AsSpan(initStart, _start - initStart), init);
                _ftypStart = -1;
                return true;
            case Mp4Box.Moof:
                return TryCutFragment(data, size, header.HeaderLength, sink);
            case Mp4Box.Mfra:
                Ended = true;
                return false;
            case Mp4Box.Styp or Mp4Box.Sidx or Mp4Box.Prft or Mp4Box.Emsg or Mp4Box.Free or Mp4Box.Skip:
                if (!Have(size))
                {
                    return false;
                }

                _start += size;
                return true;
            default:
                throw new Fmp4FormatException($"Unexpected box '{Mp4Box.Name(header.Type)}' in a fragmented MP4 stream.");
        }
    }

    private bool TryCutFragment(ReadOnlySpan<byte> data, int moofSize, int moofHeader, IFmp4Sink sink)
    {
        if (_init is null)
        {
            throw new Fmp4FormatException("A fragment came before the init segment.");
        }

        if (!Have(moofSize + 16))
        {
            return false;
        }

        if (!Mp4Box.TryReadHeader(data[moofSize..], out var mdat))
        {
            return false;
        }

        if (mdat.Type != Mp4Box.Mdat)
        {
            throw new Fmp4FormatException($"A moof is followed by '{Mp4Box.Name(mdat.Type)}', not mdat.");
        }

        if (moofSize + mdat.Size > MaxBoxBytes)
        {
            throw new Fmp4FormatException($"A fragment of {moofSize + mdat.Size} bytes is larger than {MaxBoxBytes}.");
        }

        var total = moofSize + (int)mdat.Size;
        if (!Have(total))
        {
            return false;
        }

        var count = Fmp4Fragment.Read(data.Slice(moofHeader, moofSize - moofHeader), _init, _runs);
        var bytes = _buffer.AsSpan(_start, total);
        _start += total;
        Fragments++;
        sink.OnFragment(bytes, _runs.AsSpan(0, count));
        return true;
    }

    // Whether `size` bytes from _start are in the buffer; if not, makes room for them so the next reads can complete it.
    private bool Have(int size)
    {
        if (_end - _start >= size)
        {
            return true;
        }

        var keepFrom = _ftypStart >= 0 ? _ftypStart : _start;
        if (size + (_start - keepFrom) > _buffer.Length - keepFrom)
        {
            Compact(size + (_start - keepFrom) - (_end - keepFrom));
        }

        return false;
    }

    // Moves the unread bytes (and a pending ftyp) to the front, growing the buffer to leave `free` bytes after them.
    private void Compact(int free)
    {
        var keepFrom = _ftypStart >= 0 ? _ftypStart : _start;
        var kept = _end - keepFrom;
        var target = _buffer;
        if (kept + free > _buffer.Length)
        {
            target = new byte[Math.Max(_buffer.Length * 2, kept + free)];
        }

        _buffer.AsSpan(keepFrom, kept).CopyTo(target);
        _buffer = target;
        _start -= keepFrom;
        if (_ftypStart >= 0)
        {
            _ftypStart = 0;
        }

        _end = kept;
    }
}
