using System.Collections;

namespace Broadcast.Ingest.Protocols.Rtsp;

/// <summary>
/// The header fields of an RTSP message in the order they came, with case-insensitive names (RFC 2326 §4.2, as in
/// HTTP/1.1). A name may repeat (cameras send one WWW-Authenticate per scheme).
/// </summary>
public sealed class RtspHeaders : IEnumerable<KeyValuePair<string, string>>
{
    private readonly List<KeyValuePair<string, string>> _fields = [];

    public int Count => _fields.Count;

    public void Add(string name, string value) => _fields.Add(new(name, value));

    /// <summary>Replaces every field named <paramref name="name"/> with one of <paramref name="value"/>.</summary>
    public void Set(string name, string value)
    {
        _fields.RemoveAll(f => string.Equals(f.Key, name, StringComparison.OrdinalIgnoreCase));
        Add(name, value);
    }

    /// <summary>The value of the first field named <paramref name="name"/>, or null.</summary>
    public string? Get(string name)
    {
        foreach (var field in _fields)
        {
            if (string.Equals(field.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                return field.Value;
            }
        }

        return null;
    }

    /// <summary>Every value of fields named <paramref name="name"/>, in order.</summary>
    public IReadOnlyList<string> GetAll(string name)
    {
        var values = new List<string>();
        foreach (var field in _fields)
        {
            if (string.Equals(field.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                values.Add(field.Value);
            }
        }

        return values;
    }

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _fields.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
