using System.Security.Cryptography;
using System.Text;

namespace Broadcast.Api.State;

/// <summary>
/// Publish tokens: random, shown once, stored only as a SHA-256 hash (they carry 256 bits of entropy, so a fast hash
/// is enough; a slow password hash would only slow every WHIP request down).
/// </summary>
public static class PublishToken
{
    /// <summary>A new token: 32 random bytes, base64url without padding.</summary>
    public static string Create() => Base64Url(RandomNumberGenerator.GetBytes(32));

    /// <summary>Lower-case hex SHA-256 of the token's UTF-8 bytes.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>True when <paramref name="presented"/> hashes to <paramref name="hash"/>, compared in constant time.</summary>
    public static bool Matches(string? presented, string hash) =>
        !string.IsNullOrEmpty(presented)
        && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(presented)), Encoding.ASCII.GetBytes(hash));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
