using System.Buffers.Binary;

namespace Broadcast.Ingest.Protocols.Stun;

/// <summary>
/// A STUN message (RFC 8489 §5) read without copying: the header, and the offsets or values of the attributes
/// ICE uses. Only the first occurrence of an attribute counts; attributes after MESSAGE-INTEGRITY other than
/// FINGERPRINT are ignored (§14.5), and nothing may follow FINGERPRINT (§14.7). Unknown comprehension-optional
/// attributes are skipped; unknown comprehension-required ones are counted so that a server can answer 420.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |0 0|     STUN Message Type     |         Message Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         Magic Cookie                          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                                                               |
/// |                     Transaction ID (96 bits)                  |
/// |                                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                 attributes (Message Length bytes)             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public readonly struct StunMessage
{
    public const int HeaderLength = 20;
    public const uint MagicCookie = 0x2112A442;
    public const int TransactionIdOffset = 8;
    public const int TransactionIdLength = 12;

    /// <summary>RFC 8489 §14.3: a USERNAME is less than 513 bytes.</summary>
    public const int MaxUsernameLength = 513;

    /// <summary>Four reserved bytes, then a reason phrase of at most 763 bytes (RFC 8489 §14.8).</summary>
    private const int MaxErrorCodeLength = 4 + 763;

    private const byte LeadingBitsMask = 0b1100_0000;
    private const int MessageIntegrityValueLength = 20;
    private const int FingerprintValueLength = 4;
    private const uint NominationMask = 0x00FF_FFFF;

    public ushort Type { get; init; }

    /// <summary>The whole message, header included.</summary>
    public int Length { get; init; }

    /// <summary>Offset of the USERNAME value, 0 when absent.</summary>
    public int UsernameOffset { get; init; }

    public int UsernameLength { get; init; }

    /// <summary>Offset of the MESSAGE-INTEGRITY attribute header, 0 when absent.</summary>
    public int MessageIntegrityOffset { get; init; }

    /// <summary>Offset of the FINGERPRINT attribute header, 0 when absent. It is always the last attribute.</summary>
    public int FingerprintOffset { get; init; }

    /// <summary>Offset of the ERROR-CODE value, 0 when absent.</summary>
    public int ErrorCodeOffset { get; init; }

    public int ErrorCodeLength { get; init; }

    /// <summary>Offset of the XOR-MAPPED-ADDRESS value, 0 when absent.</summary>
    public int XorMappedAddressOffset { get; init; }

    public int XorMappedAddressLength { get; init; }

    public uint? Priority { get; init; }

    public bool UseCandidate { get; init; }

    /// <summary>The tie-breaker of ICE-CONTROLLED.</summary>
    public ulong? IceControlled { get; init; }

    /// <summary>The tie-breaker of ICE-CONTROLLING.</summary>
    public ulong? IceControlling { get; init; }

    /// <summary>The 24-bit value of the renomination draft's NOMINATION attribute.</summary>
    public uint? Nomination { get; init; }

    /// <summary>Comprehension-required attributes this implementation does not understand.</summary>
    public int UnknownRequiredCount { get; init; }

    public StunClass Class => StunMessageType.GetClass(Type);

    public ushort Method => StunMessageType.GetMethod(Type);

    public bool HasUsername => UsernameOffset != 0;

    public bool HasMessageIntegrity => MessageIntegrityOffset != 0;

    public bool HasFingerprint => FingerprintOffset != 0;

    public ReadOnlySpan<byte> TransactionId(ReadOnlySpan<byte> packet) => packet.Slice(TransactionIdOffset, TransactionIdLength);

    public ReadOnlySpan<byte> Username(ReadOnlySpan<byte> packet) =>
        HasUsername ? packet.Slice(UsernameOffset, UsernameLength) : [];

    public ReadOnlySpan<byte> ErrorCode(ReadOnlySpan<byte> packet) =>
        ErrorCodeOffset != 0 ? packet.Slice(ErrorCodeOffset, ErrorCodeLength) : [];

    public ReadOnlySpan<byte> XorMappedAddress(ReadOnlySpan<byte> packet) =>
        XorMappedAddressOffset != 0 ? packet.Slice(XorMappedAddressOffset, XorMappedAddressLength) : [];

    /// <summary>The header checks alone: two zero bits, the magic cookie and a length that matches the datagram.</summary>
    public static bool HasValidHeader(ReadOnlySpan<byte> packet) =>
        packet.Length >= HeaderLength
        && (packet[0] & LeadingBitsMask) == 0
        && BinaryPrimitives.ReadUInt32BigEndian(packet[4..]) == MagicCookie
        && BinaryPrimitives.ReadUInt16BigEndian(packet[2..]) == packet.Length - HeaderLength
        && (packet.Length & 3) == 0;

    /// <summary>Parses a whole datagram; false for anything that is not a well-formed STUN message.</summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, out StunMessage message)
    {
        message = default;
        if (!HasValidHeader(packet))
        {
            return false;
        }

        int usernameOffset = 0, usernameLength = 0, integrityOffset = 0, fingerprintOffset = 0;
        int errorOffset = 0, errorLength = 0, mappedOffset = 0, mappedLength = 0, unknownRequired = 0;
        uint? priority = null, nomination = null;
        ulong? controlled = null, controlling = null;
        var useCandidate = false;

        var reader = new StunAttributeReader(packet);
        while (reader.TryReadNext(out var type, out var headerOffset, out var valueOffset, out var valueLength))
        {
            if (fingerprintOffset != 0)
            {
                return false; // FINGERPRINT must be last
            }

            var value = packet.Slice(valueOffset, valueLength);
            if (type == StunAttributeType.Fingerprint)
            {
                if (valueLength != FingerprintValueLength)
                {
                    return false;
                }

                fingerprintOffset = headerOffset;
                continue;
            }

            if (integrityOffset != 0)
            {
                continue; // covered by no integrity: ignored
            }

            switch (type)
            {
                case StunAttributeType.MessageIntegrity:
                    if (valueLength != MessageIntegrityValueLength)
                    {
                        return false;
                    }

                    integrityOffset = headerOffset;
                    break;
                case StunAttributeType.Username when usernameOffset == 0:
                    if (valueLength > MaxUsernameLength)
                    {
                        return false;
                    }

                    usernameOffset = valueOffset;
                    usernameLength = valueLength;
                    break;
                case StunAttributeType.Priority when priority is null:
                    if (valueLength != 4)
                    {
                        return false;
                    }

                    priority = BinaryPrimitives.ReadUInt32BigEndian(value);
                    break;
                case StunAttributeType.UseCandidate:
                    if (valueLength != 0)
                    {
                        return false;
                    }

                    useCandidate = true;
                    break;
                case StunAttributeType.IceControlled when controlled is null:
                    if (valueLength != 8)
                    {
                        return false;
                    }

                    controlled = BinaryPrimitives.ReadUInt64BigEndian(value);
                    break;
                case StunAttributeType.IceControlling when controlling is null:
                    if (valueLength != 8)
                    {
                        return false;
                    }

                    controlling = BinaryPrimitives.ReadUInt64BigEndian(value);
                    break;
                case StunAttributeType.Nomination when nomination is null:
                    if (valueLength != 4)
                    {
                        return false;
                    }

                    nomination = BinaryPrimitives.ReadUInt32BigEndian(value) & NominationMask;
                    break;
                case StunAttributeType.ErrorCode when errorOffset == 0:
                    if (valueLength is < 4 or > MaxErrorCodeLength)
                    {
                        return false;
                    }

                    errorOffset = valueOffset;
                    errorLength = valueLength;
                    break;
                case StunAttributeType.XorMappedAddress when mappedOffset == 0:
                    mappedOffset = valueOffset;
                    mappedLength = valueLength;
                    break;
                default:
                    if (type < StunAttributeType.FirstComprehensionOptional && !StunAttributeType.IsUnderstood(type))
                    {
                        unknownRequired++;
                    }

                    break;
            }
        }

        if (reader.Malformed)
        {
            return false;
        }

        message = new StunMessage
        {
            Type = BinaryPrimitives.ReadUInt16BigEndian(packet),
            Length = packet.Length,
            UsernameOffset = usernameOffset,
            UsernameLength = usernameLength,
            MessageIntegrityOffset = integrityOffset,
            FingerprintOffset = fingerprintOffset,
            ErrorCodeOffset = errorOffset,
            ErrorCodeLength = errorLength,
            XorMappedAddressOffset = mappedOffset,
            XorMappedAddressLength = mappedLength,
            Priority = priority,
            UseCandidate = useCandidate,
            IceControlled = controlled,
            IceControlling = controlling,
            Nomination = nomination,
            UnknownRequiredCount = unknownRequired,
        };
        return true;
    }

    /// <summary>
    /// Copies into <paramref name="destination"/> the types of the unknown comprehension-required attributes of
    /// <paramref name="packet"/> (for UNKNOWN-ATTRIBUTES in a 420 response), in order, until it is full.
    /// </summary>
    public static int CopyUnknownRequiredTypes(ReadOnlySpan<byte> packet, Span<ushort> destination)
    {
        if (!HasValidHeader(packet))
        {
            return 0;
        }

        var count = 0;
        var reader = new StunAttributeReader(packet);
        while (count < destination.Length && reader.TryReadNext(out var type, out _, out _, out _))
        {
            if (type == StunAttributeType.MessageIntegrity || type == StunAttributeType.Fingerprint)
            {
                break;
            }

            if (type < StunAttributeType.FirstComprehensionOptional && !StunAttributeType.IsUnderstood(type))
            {
                destination[count++] = type;
            }
        }

        return count;
    }
}
