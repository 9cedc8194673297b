using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Broadcast.Api.Webhooks;

/// <summary>
/// The X-Broadcast-Signature header: "t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256(secret, "&lt;t&gt;." + body)&gt;". The
/// timestamp is signed with the body so that a receiver can refuse an old request replayed; every attempt signs anew.
/// </summary>
public static class WebhookSignature
{
    public const string Header = "X-Broadcast-Signature";

    public static string Create(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed);
        return string.Create(CultureInfo.InvariantCulture, $"t={timestamp},v1={Convert.ToHexStringLower(mac)}");
    }

    /// <summary>
    /// Checks a header as a receiver would: the v1 signature matches (in constant time) and the timestamp is within
    /// <paramref name="tolerance"/> of <paramref name="now"/>.
    /// </summary>
    public static bool Verify(string secret, string header, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan tolerance)
    {
        long? timestamp = null;
        string? v1 = null;
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries))
        {
            if (part.StartsWith("t=", StringComparison.Ordinal) && long.TryParse(part.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var t))
            {
                timestamp = t;
            }
            else if (part.StartsWith("v1=", StringComparison.Ordinal))
            {
                v1 = part[3..];
            }
        }

        if (timestamp is not { } at || v1 is null || Math.Abs(now.ToUnixTimeSeconds() - at) > tolerance.TotalSeconds)
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Create(secret, at, body).Split("v1=")[1]);
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(v1));
    }
}
