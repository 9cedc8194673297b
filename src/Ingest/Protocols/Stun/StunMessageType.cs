namespace Broadcast.Ingest.Protocols.Stun;

/// <summary>The class of a STUN message, carried in bits C1 and C0 of its type (RFC 8489 §5).</summary>
public enum StunClass
{
    Request = 0b00,
    Indication = 0b01,
    SuccessResponse = 0b10,
    ErrorResponse = 0b11,
}

/// <summary>
/// STUN message types: a 12-bit method and a 2-bit class interleaved in the 14 low bits of the first word.
/// <code>
///  0                 1
///  2  3  4 5 6 7 8 9 0 1 2 3 4 5
/// +--+--+-+-+-+-+-+-+-+-+-+-+-+-+
/// |M |M |M|M|M|C|M|M|M|C|M|M|M|M|
/// |11|10|9|8|7|1|6|5|4|0|3|2|1|0|
/// +--+--+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public static class StunMessageType
{
    public const ushort BindingMethod = 0x001;
    public const ushort BindingRequest = 0x0001;
    public const ushort BindingIndication = 0x0011;
    public const ushort BindingSuccessResponse = 0x0101;
    public const ushort BindingErrorResponse = 0x0111;

    private const ushort ClassBit0 = 0x0010;
    private const ushort ClassBit1 = 0x0100;
    private const ushort MethodLowMask = 0x000F;
    private const ushort MethodMiddleMask = 0x00E0;
    private const ushort MethodHighMask = 0x3E00;

    public static StunClass GetClass(ushort type) => (StunClass)(((type & ClassBit1) >> 7) | ((type & ClassBit0) >> 4));

    public static ushort GetMethod(ushort type) =>
        (ushort)((type & MethodLowMask) | ((type & MethodMiddleMask) >> 1) | ((type & MethodHighMask) >> 2));

    public static ushort Compose(ushort method, StunClass messageClass)
    {
        var c = (int)messageClass;
        return (ushort)((method & 0x000F) | ((method & 0x0070) << 1) | ((method & 0x0F80) << 2)
            | ((c & 0b01) << 4) | ((c & 0b10) << 7));
    }
}
