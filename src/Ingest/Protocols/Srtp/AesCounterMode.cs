using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace Broadcast.Ingest.Protocols.Srtp;

/// <summary>
/// AES in counter mode (RFC 3711 §4.1.1): keystream block j is AES(k, IV + j); encryption and decryption XOR it
/// over the data. .NET has no CTR mode, so the counter blocks of a whole packet are encrypted with one call to a
/// cached ECB transform into reusable buffers: no allocation per packet.
/// </summary>
internal sealed class AesCounterMode : IDisposable
{
    public const int BlockSize = 16;

    // 128 blocks cover a 2048-byte payload in one native call; larger ones take several.
    private const int ChunkBlocks = 128;

    private readonly Aes _aes;
    private readonly ICryptoTransform _ecb;
    private readonly byte[] _counters = new byte[ChunkBlocks * BlockSize];
    private readonly byte[] _keystream = new byte[ChunkBlocks * BlockSize];

    public AesCounterMode(ReadOnlySpan<byte> key)
    {
        _aes = Aes.Create();
        _aes.Key = key.ToArray();
        _aes.Mode = CipherMode.ECB;
        _aes.Padding = PaddingMode.None;
        _ecb = _aes.CreateEncryptor();
    }

    /// <summary>XORs into <paramref name="data"/> the keystream that starts at counter block <paramref name="iv"/>.</summary>
    public void Apply(ReadOnlySpan<byte> iv, Span<byte> data)
    {
        var high = BinaryPrimitives.ReadUInt64BigEndian(iv);
        var low = BinaryPrimitives.ReadUInt64BigEndian(iv[8..]);
        while (!data.IsEmpty)
        {
            var blocks = Math.Min(ChunkBlocks, (data.Length + BlockSize - 1) / BlockSize);
            var counters = _counters.AsSpan(0, blocks * BlockSize);
            for (var j = 0; j < blocks; j++)
            {
                var block = counters.Slice(j * BlockSize, BlockSize);
                BinaryPrimitives.WriteUInt64BigEndian(block, high);
                BinaryPrimitives.WriteUInt64BigEndian(block[8..], low);
                if (++low == 0)
                {
                    high++; // the counter is a 128-bit integer
                }
            }

            _ecb.TransformBlock(_counters, 0, counters.Length, _keystream, 0);
            var length = Math.Min(data.Length, counters.Length);
            Xor(data[..length], _keystream.AsSpan(0, length));
            data = data[length..];
        }
    }

    public void Dispose()
    {
        _ecb.Dispose();
        _aes.Dispose();
    }

    internal static void Xor(Span<byte> data, ReadOnlySpan<byte> keystream)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= data.Length - Vector<byte>.Count; i += Vector<byte>.Count)
            {
                var block = data[i..];
                (new Vector<byte>(block) ^ new Vector<byte>(keystream[i..])).CopyTo(block);
            }
        }

        for (; i < data.Length; i++)
        {
            data[i] ^= keystream[i];
        }
    }
}
