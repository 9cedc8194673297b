using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Broadcast.Api.Options;

namespace Broadcast.Api.Security;

/// <summary>Where the key of signed HLS URLs comes from.</summary>
public enum HlsKeySource
{
    /// <summary>Api:HlsSigningKey (HLS_SIGNING_KEY).</summary>
    Configured,

    /// <summary>HKDF-SHA256 of JWT_SECRET: every appliance with the same secret accepts the same URLs.</summary>
    DerivedFromJwtSecret,

    /// <summary>Random per process: URLs stop working on restart and differ between appliances.</summary>
    RandomPerProcess,
}

/// <summary>What a presented HLS signature amounts to.</summary>
public enum HlsSignatureCheck
{
    Valid,

    /// <summary>Neither expires nor sig was given.</summary>
    Missing,

    /// <summary>Not both, not a number, not base64url, or not the channel's signature for that expiry (tampered, another channel's).</summary>
    Wrong,

    /// <summary>A genuine signature whose expiry has passed.</summary>
    Expired,
}

/// <summary>
/// Signs the URL prefix of one channel's HLS output until a time: <c>?expires=&lt;unix seconds&gt;&amp;sig=&lt;base64url
/// HMAC-SHA256 over "&lt;channelId&gt;\n&lt;expires&gt;"&gt;</c>, without padding. The signature covers the channel, not a
/// file, so one query string opens its playlists and segments (playlists of signed channels are rewritten to carry it).
/// </summary>
public sealed class HlsUrlSigner
{
    public const string ExpiresParameter = "expires";
    public const string SignatureParameter = "sig";

    private static readonly byte[] DerivationInfo = "broadcast/hls-url-signing/v1"u8.ToArray();
    private readonly byte[] _key;

    private HlsUrlSigner(byte[] key, HlsKeySource source)
    {
        _key = key;
        KeySource = source;
    }

    public HlsKeySource KeySource { get; }

    /// <summary>The signer of these options: Api:HlsSigningKey, else derived from JWT_SECRET, else a random key.</summary>
    public static HlsUrlSigner From(ApiOptions api)
    {
        if (!string.IsNullOrEmpty(api.HlsSigningKey))
        {
            return new HlsUrlSigner(Encoding.UTF8.GetBytes(api.HlsSigningKey), HlsKeySource.Configured);
        }

        if (!string.IsNullOrEmpty(api.JwtSecret))
        {
            // A key of its own: a signed URL must never double as material for JWTs, nor the reverse.
            var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(api.JwtSecret), 32, salt: [], info: DerivationInfo);
            return new HlsUrlSigner(key, HlsKeySource.DerivedFromJwtSecret);
        }

        return new HlsUrlSigner(RandomNumberGenerator.GetBytes(32), HlsKeySource.RandomPerProcess);
    }

    /// <summary>The base64url signature of <paramref name="channelId"/> until <paramref name="expires"/> (unix seconds).</summary>
    public string Sign(string channelId, long expires) => Base64Url.EncodeToString(Mac(channelId, expires));

    /// <summary>"expires=…&amp;sig=…" for <paramref name="channelId"/>.</summary>
    public string Query(string channelId, long expires) =>
        $"{ExpiresParameter}={expires.ToString(CultureInfo.InvariantCulture)}&{SignatureParameter}={Sign(channelId, expires)}";

    public HlsSignatureCheck Verify(string channelId, string? expires, string? signature, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(expires) && string.IsNullOrEmpty(signature))
        {
            return HlsSignatureCheck.Missing;
        }

        Span<byte> presented = stackalloc byte[64];
        if (!long.TryParse(expires, NumberStyles.None, CultureInfo.InvariantCulture, out var expiry)
            || string.IsNullOrEmpty(signature)
            || !Base64Url.IsValid(signature, out var decodedLength)
            || decodedLength > presented.Length
            || !Base64Url.TryDecodeFromChars(signature, presented, out var length)
            || !CryptographicOperations.FixedTimeEquals(presented[..length], Mac(channelId, expiry)))
        {
            return HlsSignatureCheck.Wrong;
        }

        return expiry < now.ToUnixTimeSeconds() ? HlsSignatureCheck.Expired : HlsSignatureCheck.Valid;
    }

    private byte[] Mac(string channelId, long expires) =>
        HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"{channelId}\n{expires.ToString(CultureInfo.InvariantCulture)}"));
}
