using System.Buffers.Binary;

namespace Broadcast.Transcode.Muxing;

/// <summary>Receives complete H.264 access units from an <see cref="H264AccessUnitAssembler"/>.</summary>
public interface IAccessUnitReceiver
{
    /// <param name="sample">The picture's NAL units as an MP4 sample: each after its 4-byte length (parameter sets and delimiters left out).</param>
    /// <param name="timestamp">The RTP timestamp of its packets.</param>
    /// <param name="keyFrame">It holds an IDR slice.</param>
    /// <param name="damaged">A packet of it was lost or malformed: a decoder would show garbage until the next key frame.</param>
    void OnAccessUnit(ReadOnlySpan<byte> sample, uint timestamp, bool keyFrame, bool damaged);
}

/// <summary>
/// Depacketises H.264 (RFC 6184, packetization-mode 0 and 1: single NAL units, STAP-A, FU-A) from in-order RTP
/// payloads into access units: a picture ends at the marker bit or when a packet of another timestamp arrives. The
/// newest SPS and PPS are kept for the init segment; AUD and filler data are dropped. One buffer is reused.
/// </summary>
public sealed class H264AccessUnitAssembler
{
    private const int NalSps = 7, NalPps = 8, NalAud = 9, NalFiller = 12, NalIdr = 5, StapA = 24, FuA = 28;
    private byte[] _sample = new byte[256 * 1024];
    private int _length;
    private uint _timestamp;
    private bool _open;
    private bool _keyFrame;
    private bool _damaged;
    private int _fragmentStart = -1;

    /// <summary>The newest sequence parameter set seen (header byte included), or null.</summary>
    public byte[]? Sps { get; private set; }

    /// <summary>The newest picture parameter set seen, or null.</summary>
    public byte[]? Pps { get; private set; }

    /// <summary>Incremented whenever the SPS or PPS changes (a new init segment is due).</summary>
    public int ParameterSetVersion { get; private set; }

    /// <summary>Payloads that could not be read (STAP-B, MTAP, FU-B, truncated aggregates, NAL type 0 or 30–31).</summary>
    public long Malformed { get; private set; }

    /// <summary>Takes parameter sets signalled out of band (the SDP's sprop-parameter-sets).</summary>
    public void SetParameterSets(byte[]? sps, byte[]? pps)
    {
        if (sps is { Length: > 3 })
        {
            KeepParameterSet(sps);
        }

        if (pps is { Length: > 0 })
        {
            KeepParameterSet(pps);
        }
    }

    /// <summary>One RTP payload in sequence order; <paramref name="afterLoss"/> when packets before it were lost.</summary>
    public void Push(ReadOnlySpan<byte> payload, uint timestamp, bool marker, bool afterLoss, IAccessUnitReceiver receiver)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        if (_open && timestamp != _timestamp)
        {
            // No marker came (some cameras never set it): a new timestamp ends the picture; a loss was flagged already.
            Complete(receiver, damaged: false);
        }

        if (!_open)
        {
            _open = true;
            _timestamp = timestamp;
            _length = 0;
            _keyFrame = false;
            _damaged = false;
            _fragmentStart = -1;
        }

        if (afterLoss)
        {
            _damaged = true;
            _fragmentStart = -1;
        }

        if (payload.IsEmpty)
        {
            Malformed++;
            _damaged = true;
        }
        else
        {
            var type = payload[0] & 0x1f;
            switch (type)
            {
                case >= 1 and <= 23:
                    AddNal(payload);
                    break;
                case StapA:
                    ReadAggregate(payload[1..]);
                    break;
                case FuA:
                    ReadFragment(payload);
                    break;
                default:
                    Malformed++;
                    _damaged = true;
                    break;
            }
        }

        if (marker)
        {
            Complete(receiver, damaged: false);
        }
    }

    private void ReadAggregate(ReadOnlySpan<byte> units)
    {
        while (units.Length >= 2)
        {
            var size = BinaryPrimitives.ReadUInt16BigEndian(units);
            if (size == 0 || size > units.Length - 2)
            {
                break;
            }

            AddNal(units.Slice(2, size));
            units = units[(2 + size)..];
        }

        if (!units.IsEmpty)
        {
            Malformed++;
            _damaged = true;
        }
    }

    private void ReadFragment(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 3)
        {
            Malformed++;
            _damaged = true;
            return;
        }

        var header = payload[1];
        var begins = (header & 0x80) != 0;
        var end = (header & 0x40) != 0;
        var type = header & 0x1f;
        if (begins)
        {
            _fragmentStart = _length;
            // The length (filled in at the end), then the NAL header rebuilt from the FU indicator and header.
            Span<byte> start = stackalloc byte[5];
            start[4] = (byte)((payload[0] & 0xe0) | type);
            Append(start);
        }
        else if (_fragmentStart < 0)
        {
            _damaged = true; // the start was lost: the rest of this NAL unit is useless
            return;
        }

        Append(payload[2..]);
        if (end)
        {
            var nal = _sample.AsSpan(_fragmentStart + 4, _length - _fragmentStart - 4);
            BinaryPrimitives.WriteUInt32BigEndian(_sample.AsSpan(_fragmentStart), (uint)nal.Length);
            var nalType = nal[0] & 0x1f;
            if (nalType is NalSps or NalPps or NalAud or NalFiller)
            {
                if (nalType is NalSps or NalPps)
                {
                    KeepParameterSet(nal);
                }

                _length = _fragmentStart; // not a part of the sample
            }
            else if (nalType == NalIdr)
            {
                _keyFrame = true;
            }

            _fragmentStart = -1;
        }
    }

    private void AddNal(ReadOnlySpan<byte> nal)
    {
        switch (nal[0] & 0x1f)
        {
            case NalSps or NalPps:
                KeepParameterSet(nal);
                return;
            case NalAud or NalFiller:
                return;
            case NalIdr:
                _keyFrame = true;
                break;
        }

        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)nal.Length);
        Append(length);
        Append(nal);
    }

    private void KeepParameterSet(ReadOnlySpan<byte> nal)
    {
        var isSps = (nal[0] & 0x1f) == NalSps;
        var current = isSps ? Sps : Pps;
        if (current is not null && nal.SequenceEqual(current))
        {
            return;
        }

        if (isSps)
        {
            Sps = nal.ToArray();
        }
        else
        {
            Pps = nal.ToArray();
        }

        ParameterSetVersion++;
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        if (_length + bytes.Length > _sample.Length)
        {
            Array.Resize(ref _sample, Math.Max(_sample.Length * 2, _length + bytes.Length));
        }

        bytes.CopyTo(_sample.AsSpan(_length));
        _length += bytes.Length;
    }

    private void Complete(IAccessUnitReceiver receiver, bool damaged)
    {
        _open = false;
        if (_fragmentStart >= 0)
        {
            _length = _fragmentStart; // a NAL unit whose end never came
            damaged = true;
        }

        if (_length > 0)
        {
            receiver.OnAccessUnit(_sample.AsSpan(0, _length), _timestamp, _keyFrame, damaged || _damaged);
        }
    }
}
