using System.Buffers.Binary;

namespace Broadcast.Ingest.Protocols.Stun;

/// <summary>
/// Builds a STUN message in a caller's buffer without allocating: the header first, then attributes in order,
/// MESSAGE-INTEGRITY and FINGERPRINT last. A destination that runs out of room is remembered and reported by
/// <see cref="TryComplete"/>, so calls need no checks in between.
/// </summary>
public ref struct StunMessageWriter
{
    private readonly Span<byte> _buffer;
    private int _length;
    private bool _overflow;

    /// <summary>Starts a message; the transaction ID has 12 bytes (a caller bug otherwise).</summary>
    public StunMessageWriter(Span<byte> buffer, ushort messageType, ReadOnlySpan<byte> transactionId)
    {
        if (transactionId.Length != StunMessage.TransactionIdLength)
        {
            throw new ArgumentException("A STUN transaction ID has 12 bytes.", nameof(transactionId));
        }

        _buffer = buffer;
        if (buffer.Length < StunMessage.HeaderLength)
        {
            _overflow = true;
            return;
        }

        BinaryPrimitives.WriteUInt16BigEndian(buffer, messageType);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[4..], StunMessage.MagicCookie);
        transactionId.CopyTo(buffer[StunMessage.TransactionIdOffset..]);
        _length = StunMessage.HeaderLength;
    }

    /// <summary>The transaction ID as written.</summary>
    public readonly ReadOnlySpan<byte> TransactionId =>
        _overflow ? [] : _buffer.Slice(StunMessage.TransactionIdOffset, StunMessage.TransactionIdLength);

    /// <summary>
    /// Any attribute; the value is padded to four bytes with <paramref name="padding"/> (zero unless reproducing
    /// someone else's bytes: RFC 5769 pads with spaces).
    /// </summary>
    public void AddAttribute(ushort type, scoped ReadOnlySpan<byte> value, byte padding = 0)
    {
        var value4 = Reserve(type, value.Length);
        if (value4.IsEmpty && value.Length > 0)
        {
            return;
        }

        value.CopyTo(value4);
        value4[value.Length..].Fill(padding);
    }

    public void AddUInt32(ushort type, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        AddAttribute(type, bytes);
    }

    public void AddUInt64(ushort type, ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        AddAttribute(type, bytes);
    }

    public void AddXorMappedAddress(in TransportAddress address)
    {
        var transactionId = TransactionId;
        var value = Reserve(StunAttributeType.XorMappedAddress, XorMappedAddress.ValueLength(address));
        if (!value.IsEmpty)
        {
            XorMappedAddress.TryWrite(value, address, transactionId, out _);
        }
    }

    public void AddErrorCode(int code, scoped ReadOnlySpan<byte> reason)
    {
        var value = Reserve(StunAttributeType.ErrorCode, 4 + reason.Length);
        if (!value.IsEmpty)
        {
            StunErrorCode.TryWrite(value, code, reason, out var written);
            value[written..].Clear();
        }
    }

    /// <summary>UNKNOWN-ATTRIBUTES (RFC 8489 §14.9): a list of 16-bit types.</summary>
    public void AddUnknownAttributes(scoped ReadOnlySpan<ushort> types)
    {
        var value = Reserve(StunAttributeType.UnknownAttributes, 2 * types.Length);
        if (value.IsEmpty)
        {
            return;
        }

        for (var i = 0; i < types.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(value[(2 * i)..], types[i]);
        }

        value[(2 * types.Length)..].Clear();
    }

    /// <summary>MESSAGE-INTEGRITY over everything written so far, keyed with <paramref name="key"/>.</summary>
    public void AddMessageIntegrity(scoped ReadOnlySpan<byte> key)
    {
        var start = _length;
        var value = Reserve(StunAttributeType.MessageIntegrity, StunMessageIntegrity.ValueLength);
        if (!value.IsEmpty)
        {
            StunMessageIntegrity.Compute(_buffer[..start], key, value);
        }
    }

    /// <summary>FINGERPRINT over everything written so far; nothing may follow it.</summary>
    public void AddFingerprint()
    {
        var start = _length;
        var value = Reserve(StunAttributeType.Fingerprint, 4);
        if (!value.IsEmpty)
        {
            BinaryPrimitives.WriteUInt16BigEndian(_buffer[2..], (ushort)(_length - StunMessage.HeaderLength));
            BinaryPrimitives.WriteUInt32BigEndian(value, StunFingerprint.Compute(_buffer[..start]));
        }
    }

    /// <summary>Sets the final length; false when the destination was too short for the message.</summary>
    public readonly bool TryComplete(out int written)
    {
        if (_overflow)
        {
            written = 0;
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(_buffer[2..], (ushort)(_length - StunMessage.HeaderLength));
        written = _length;
        return true;
    }

    // Writes the TLV header and returns the padded value area, or an empty span once the buffer is full.
    private Span<byte> Reserve(ushort type, int valueLength)
    {
        var total = StunAttributeReader.HeaderLength + StunAttributeReader.Padded(valueLength);
        if (_overflow || valueLength > ushort.MaxValue || _buffer.Length - _length < total)
        {
            _overflow = true;
            return [];
        }

        BinaryPrimitives.WriteUInt16BigEndian(_buffer[_length..], type);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[(_length + 2)..], (ushort)valueLength);
        var value = _buffer.Slice(_length + StunAttributeReader.HeaderLength, total - StunAttributeReader.HeaderLength);
        _length += total;
        return value;
    }
}
