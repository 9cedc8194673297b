using System.Text;

namespace Broadcast.Transcode;

/// <summary>
/// Cuts output read in chunks into lines at '\n' or '\r' (FFmpeg ends progress lines with '\r'); empty lines are
/// dropped, a line split across chunks is joined, and a line longer than <see cref="MaxLineLength"/> is cut.
/// Reading a pipe in large chunks wakes the reader once per chunk rather than once per line.
/// </summary>
internal sealed class OutputLineSplitter(Action<string> line)
{
    public const int MaxLineLength = 16 * 1024;

    private readonly StringBuilder _partial = new();

    public void Feed(ReadOnlySpan<char> chunk)
    {
        while (!chunk.IsEmpty)
        {
            var end = chunk.IndexOfAny('\r', '\n');
            if (end < 0)
            {
                _partial.Append(chunk);
                if (_partial.Length >= MaxLineLength)
                {
                    Flush();
                }

                return;
            }

            if (_partial.Length > 0)
            {
                _partial.Append(chunk[..end]);
                Flush();
            }
            else if (end > 0)
            {
                line(chunk[..end].ToString());
            }

            chunk = chunk[(end + 1)..];
        }
    }

    /// <summary>Hands on what is left of an unterminated last line (at the end of the output).</summary>
    public void Flush()
    {
        if (_partial.Length > 0)
        {
            var text = _partial.ToString();
            _partial.Clear();
            line(text);
        }
    }
}
