using System.Text;
using Broadcast.Ingest.Protocols.Rtp;

namespace Broadcast.Ingest.Routing;

/// <summary>
/// Finds the producer of an incoming packet (mediasoup's RtpListener, spec §4.3): by SSRC, then by the MID header
/// extension, then by RID; a match by MID or RID is remembered by SSRC so later packets take the first path.
/// </summary>
public sealed class RtpListener
{
    private const int MaxIdentifierLength = 32;

    private readonly Dictionary<uint, Producer> _bySsrc = [];
    private readonly Dictionary<string, Producer> _byMid = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Producer> _byRid = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Producer>.AlternateLookup<ReadOnlySpan<char>> _midLookup;
    private readonly Dictionary<string, Producer>.AlternateLookup<ReadOnlySpan<char>> _ridLookup;

    public RtpListener()
    {
        _midLookup = _byMid.GetAlternateLookup<ReadOnlySpan<char>>();
        _ridLookup = _byRid.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Registers a producer's SSRCs, MID and RIDs; a duplicate is a conflict.</summary>
    public void Add(Producer producer)
    {
        var parameters = producer.RtpParameters;
        var ssrcs = new List<uint>();
        foreach (var encoding in parameters.Encodings)
        {
            if (encoding.Ssrc is { } ssrc)
            {
                ssrcs.Add(ssrc);
            }

            if (encoding.Rtx?.Ssrc is { } rtx)
            {
                ssrcs.Add(rtx);
            }
        }

        foreach (var ssrc in ssrcs)
        {
            if (_bySsrc.ContainsKey(ssrc))
            {
                throw new ConflictException($"SSRC {ssrc} is already used by another producer on this transport.");
            }
        }

        if (parameters.Mid is { Length: > 0 } mid && _byMid.ContainsKey(mid))
        {
            throw new ConflictException($"MID '{mid}' is already used by another producer on this transport.");
        }

        foreach (var ssrc in ssrcs)
        {
            _bySsrc[ssrc] = producer;
        }

        if (parameters.Mid is { Length: > 0 } newMid)
        {
            _byMid[newMid] = producer;
        }

        foreach (var encoding in parameters.Encodings)
        {
            if (encoding.Rid is { Length: > 0 } rid && parameters.Mid is null)
            {
                _byRid[rid] = producer;
            }
        }
    }

    public void AddSsrc(uint ssrc, Producer producer) => _bySsrc[ssrc] = producer;

    public void Remove(Producer producer)
    {
        RemoveWhere(_bySsrc, producer);
        RemoveWhere(_byMid, producer);
        RemoveWhere(_byRid, producer);
    }

    /// <summary>The producer of a packet, or null. No allocation on the SSRC path.</summary>
    public Producer? Find(ReadOnlySpan<byte> packet, in RtpHeader header, int midExtensionId, int ridExtensionId)
    {
        if (_bySsrc.TryGetValue(header.Ssrc, out var producer))
        {
            return producer;
        }

        if (midExtensionId > 0 && _byMid.Count > 0 && TryFindByExtension(packet, in header, midExtensionId, _midLookup, out producer))
        {
            _bySsrc[header.Ssrc] = producer;
            return producer;
        }

        if (ridExtensionId > 0 && _byRid.Count > 0 && TryFindByExtension(packet, in header, ridExtensionId, _ridLookup, out producer))
        {
            _bySsrc[header.Ssrc] = producer;
            return producer;
        }

        return null;
    }

    private static bool TryFindByExtension(ReadOnlySpan<byte> packet, in RtpHeader header, int extensionId,
        Dictionary<string, Producer>.AlternateLookup<ReadOnlySpan<char>> lookup, out Producer producer)
    {
        producer = null!;
        if (!RtpHeaderExtensions.TryFind(packet, in header, extensionId, out var value) || value.Length > MaxIdentifierLength)
        {
            return false;
        }

        Span<char> chars = stackalloc char[MaxIdentifierLength];
        var count = Encoding.ASCII.GetChars(value, chars);
        return lookup.TryGetValue(chars[..count], out producer!);
    }

    private static void RemoveWhere<TKey>(Dictionary<TKey, Producer> map, Producer producer)
        where TKey : notnull
    {
        foreach (var (key, value) in map)
        {
            if (value == producer)
            {
                map.Remove(key);
            }
        }
    }
}
