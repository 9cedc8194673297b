using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Digests;

namespace Broadcast.Ingest.Dtls;

/// <summary>
/// A certificate fingerprint as WebRTC signals it (RFC 8122 §5, mediasoup's <c>dtlsParameters.fingerprints</c>): a hash
/// algorithm name such as <c>sha-256</c> and the digest of the DER certificate in hex pairs separated by ':'.
/// We emit uppercase hex and read any case; the algorithm is the one the peer named (sha-1, sha-224, sha-256, sha-384
/// or sha-512).
/// </summary>
public sealed class DtlsFingerprint : IEquatable<DtlsFingerprint>
{
    public const string Sha1 = "sha-1";
    public const string Sha224 = "sha-224";
    public const string Sha256 = "sha-256";
    public const string Sha384 = "sha-384";
    public const string Sha512 = "sha-512";

    private readonly byte[] _digest;

    private DtlsFingerprint(string algorithm, byte[] digest)
    {
        Algorithm = algorithm;
        _digest = digest;
        Value = Format(digest);
    }

    /// <summary>The algorithms we can compute, in the spelling mediasoup uses.</summary>
    public static IReadOnlyList<string> Algorithms { get; } = [Sha1, Sha224, Sha256, Sha384, Sha512];

    /// <summary>Lowercase algorithm name, e.g. <c>sha-256</c>.</summary>
    public string Algorithm { get; }

    /// <summary>Uppercase hex pairs separated by ':', e.g. <c>AB:01:…</c>.</summary>
    public string Value { get; }

    /// <summary>Whether <paramref name="algorithm"/> names an algorithm we can compute (case-insensitive).</summary>
    public static bool IsSupportedAlgorithm(string? algorithm) => Canonical(algorithm) is not null;

    /// <summary>The fingerprint of a DER certificate with the named algorithm.</summary>
    /// <exception cref="ArgumentException">The algorithm is not one of <see cref="Algorithms"/>.</exception>
    public static DtlsFingerprint Compute(string algorithm, ReadOnlySpan<byte> certificateDer)
    {
        var canonical = Canonical(algorithm)
            ?? throw new ArgumentException($"'{algorithm}' is not a supported fingerprint algorithm.", nameof(algorithm));
        return new DtlsFingerprint(canonical, Hash(canonical, certificateDer));
    }

    /// <summary>
    /// Reads a fingerprint given by a peer (connect's <c>dtlsParameters</c> or an SDP <c>a=fingerprint</c>): a supported
    /// algorithm and exactly its digest length in hex pairs separated by ':', any case.
    /// </summary>
    public static bool TryParse(string? algorithm, string? value, [NotNullWhen(true)] out DtlsFingerprint? fingerprint)
    {
        fingerprint = null;
        var canonical = Canonical(algorithm);
        if (canonical is null || value is null)
        {
            return false;
        }

        var length = DigestLength(canonical);
        if (value.Length != length * 3 - 1)
        {
            return false;
        }

        var digest = new byte[length];
        for (var i = 0; i < length; i++)
        {
            var at = i * 3;
            if (i > 0 && value[at - 1] != ':')
            {
                return false;
            }

            var high = HexDigit(value[at]);
            var low = HexDigit(value[at + 1]);
            if ((high | low) < 0)
            {
                return false;
            }

            digest[i] = (byte)(high << 4 | low);
        }

        fingerprint = new DtlsFingerprint(canonical, digest);
        return true;
    }

    /// <summary>As <see cref="TryParse"/>, for API input: throws naming what is wrong.</summary>
    /// <exception cref="FormatException">The algorithm is unknown or the value is not its digest in hex pairs.</exception>
    public static DtlsFingerprint Parse(string algorithm, string value) =>
        TryParse(algorithm, value, out var fingerprint)
            ? fingerprint
            : throw new FormatException(IsSupportedAlgorithm(algorithm)
                ? $"'{value}' is not a {Canonical(algorithm)} fingerprint (hex pairs separated by ':')."
                : $"'{algorithm}' is not a supported fingerprint algorithm ({string.Join(", ", Algorithms)}).");

    /// <summary>Whether <paramref name="certificateDer"/> hashes, with this fingerprint's algorithm, to this value.</summary>
    public bool Matches(ReadOnlySpan<byte> certificateDer) =>
        CryptographicOperations.FixedTimeEquals(Hash(Algorithm, certificateDer), _digest);

    public bool Equals(DtlsFingerprint? other) =>
        other is not null && Algorithm == other.Algorithm && _digest.AsSpan().SequenceEqual(other._digest);

    public override bool Equals(object? obj) => Equals(obj as DtlsFingerprint);

    public override int GetHashCode() => HashCode.Combine(Algorithm, Value);

    /// <summary>The SDP form, e.g. <c>sha-256 AB:01:…</c>.</summary>
    public override string ToString() => $"{Algorithm} {Value}";

    private static string? Canonical(string? algorithm)
    {
        foreach (var known in Algorithms)
        {
            if (string.Equals(known, algorithm, StringComparison.OrdinalIgnoreCase))
            {
                return known;
            }
        }

        return null;
    }

    private static int HexDigit(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'A' and <= 'F' => c - 'A' + 10,
        >= 'a' and <= 'f' => c - 'a' + 10,
        _ => -1,
    };

    private static int DigestLength(string canonical) => canonical switch
    {
        Sha1 => 20,
        Sha224 => 28,
        Sha256 => 32,
        Sha384 => 48,
        _ => 64,
    };

    private static byte[] Hash(string canonical, ReadOnlySpan<byte> data)
    {
        switch (canonical)
        {
            case Sha1:
#pragma warning disable CA5350 // sha-1 fingerprints are part of the signaling protocol; we only compare, never sign.
                return SHA1.HashData(data);
#pragma warning restore CA5350
            case Sha224:
                // .NET has no SHA-224.
                var digest = new Sha224Digest();
                digest.BlockUpdate(data);
                var output = new byte[digest.GetDigestSize()];
                digest.DoFinal(output);
                return output;
            case Sha256:
                return SHA256.HashData(data);
            case Sha384:
                return SHA384.HashData(data);
            default:
                return SHA512.HashData(data);
        }
    }

    private static string Format(byte[] digest)
    {
        var hex = Convert.ToHexString(digest);
        return string.Create(digest.Length * 3 - 1, hex, static (span, hex) =>
        {
            for (var i = 0; i < hex.Length / 2; i++)
            {
                if (i > 0)
                {
                    span[i * 3 - 1] = ':';
                }

                span[i * 3] = hex[i * 2];
                span[i * 3 + 1] = hex[i * 2 + 1];
            }
        });
    }
}
