namespace Broadcast.Transcode;

/// <summary>Receives one line cut by <see cref="OutputLineSplitter"/>; the span is valid only during the call.</summary>
internal delegate void OutputLineHandler(ReadOnlySpan<char> line);

/// <summary>
/// Cuts output read in chunks into lines at '\n' or '\r' (FFmpeg ends progress lines with '\r'); empty lines are
/// dropped, a line split across chunks is joined, and a line longer than <see cref="MaxLineLength"/> is cut.
/// Reading a pipe in large chunks wakes the reader once per chunk rather than once per line. Lines are handed on as
/// spans, so the reader decides which ones are worth a string (progress lines are not).
/// </summary>
internal sealed class OutputLineSplitter(OutputLineHandler line)
{
    public const int MaxLineLength = 16 * 1024;

    // The start of a line whose end is in a later chunk; reused, so joining lines allocates only while it grows.
    private char[] _partial = [];
    private int _partialLength;

    public void Feed(ReadOnlySpan<char> chunk)
    {
        while (!chunk.IsEmpty)
        {
            var end = chunk.IndexOfAny('\r', '\n');
            if (end < 0)
            {
                AppendPartial(chunk);
                if (_partialLength >= MaxLineLength)
                {
                    Flush();
                }

                return;
            }

            if (_partialLength > 0)
            {
                AppendPartial(chunk[..end]);
                Flush();
            }
            else if (end > 0)
            {
                line(chunk[..end]);
            }

            chunk = chunk[(end + 1)..];
        }
    }

    /// <summary>Hands on what is left of an unterminated last line (at the end of the output).</summary>
    public void Flush()
    {
        if (_partialLength > 0)
        {
            var length = _partialLength;
            _partialLength = 0;
            line(_partial.AsSpan(0, length));
        }
    }

    private void AppendPartial(ReadOnlySpan<char> text)
    {
        var needed = _partialLength + text.Length;
        if (needed > _partial.Length)
        {
            Array.Resize(ref _partial, Math.Max(needed, Math.Max(256, _partial.Length * 2)));
        }

        text.CopyTo(_partial.AsSpan(_partialLength));
        _partialLength = needed;
    }
}
