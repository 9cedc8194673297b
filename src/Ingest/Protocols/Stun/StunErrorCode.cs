namespace Broadcast.Ingest.Protocols.Stun;

/// <summary>
/// ERROR-CODE (RFC 8489 §14.8): the hundreds digit in the 3-bit class, the rest in the number, then a UTF-8
/// reason phrase.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           Reserved, should be 0         |Class|     Number    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |      Reason Phrase (variable)                                ..
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public static class StunErrorCode
{
    public const int BadRequest = 400;
    public const int Unauthorized = 401;
    public const int UnknownAttribute = 420;
    public const int RoleConflict = 487;

    private const byte ClassMask = 0b0000_0111;
    private const int FixedLength = 4;

    /// <summary>The reason phrases RFC 8489 §14.8 and RFC 8445 §7.3.1.1 suggest.</summary>
    public static ReadOnlySpan<byte> ReasonPhrase(int code) => code switch
    {
        BadRequest => "Bad Request"u8,
        Unauthorized => "Unauthorized"u8,
        UnknownAttribute => "Unknown Attribute"u8,
        RoleConflict => "Role Conflict"u8,
        _ => ""u8,
    };

    public static bool TryParse(ReadOnlySpan<byte> value, out int code, out ReadOnlySpan<byte> reason)
    {
        code = 0;
        reason = default;
        if (value.Length < FixedLength)
        {
            return false;
        }

        var errorClass = value[2] & ClassMask;
        var number = value[3];
        if (errorClass is < 3 or > 6 || number > 99)
        {
            return false;
        }

        code = (errorClass * 100) + number;
        reason = value[FixedLength..];
        return true;
    }

    /// <summary>Encodes an attribute value; the code must be 300..699 (a caller bug otherwise).</summary>
    public static bool TryWrite(Span<byte> destination, int code, ReadOnlySpan<byte> reason, out int written)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(code, 300);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(code, 699);
        written = FixedLength + reason.Length;
        if (destination.Length < written)
        {
            written = 0;
            return false;
        }

        destination[0] = 0;
        destination[1] = 0;
        destination[2] = (byte)(code / 100);
        destination[3] = (byte)(code % 100);
        reason.CopyTo(destination[FixedLength..]);
        return true;
    }
}
