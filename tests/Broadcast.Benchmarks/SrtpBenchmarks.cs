using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Broadcast.Ingest.Protocols.Srtp;

namespace Broadcast.Benchmarks;

/// <summary>
/// SRTP unprotect of 1200-byte packets (as they arrive: RTP header, payload and tag) against the bare primitives
/// over the same bytes: AES-128 in counter mode over the payload plus HMAC-SHA1 over header, payload and ROC for
/// AES_CM_128_HMAC_SHA1_80, and one AES-GCM decryption for AEAD_AES_128_GCM. Each operation copies the next of
/// 1024 pre-protected packets (fresh sequence numbers, so the replay window accepts them) into a work buffer, as a
/// receive loop would; when the ring comes round the receiver forgets the stream, which allocates nothing.
/// The target: unprotect at least 70 % of the primitives' throughput (time ratio at most 1.43) and 0 B allocated.
/// Each profile is its own category with its own baseline, so that each ratio compares like with like.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class SrtpBenchmarks
{
    private const int PacketLength = 1200;
    private const int HeaderLength = 12;
    private const int Ring = 1024;
    private const uint Ssrc = 0x5EED_1234;
    private const int BlockSize = 16;

    private readonly byte[] _work = new byte[2048];
    private readonly byte[] _mac = new byte[20];
    private readonly byte[] _counters = new byte[2048];
    private readonly byte[] _keystream = new byte[2048];
    private readonly byte[] _nonce = new byte[12];
    private byte[][] _cmPackets = null!;
    private byte[][] _gcmPackets = null!;
    private byte[] _gcmPrimitivePacket = null!;
    private SrtpSession _cmReceiver = null!;
    private SrtpSession _gcmReceiver = null!;
    private Aes _aes = null!;
    private ICryptoTransform _ecb = null!;
    private IncrementalHash _hmac = null!;
    private AesGcm _gcm = null!;
    private int _cmNext;
    private int _gcmNext;
    private int _primitiveNext;

    [GlobalSetup]
    public void Setup()
    {
        var key = RandomNumberGenerator.GetBytes(16);
        (_cmPackets, _cmReceiver) = Protected(SrtpProtectionProfile.AesCm128HmacSha1Tag80, key, RandomNumberGenerator.GetBytes(14));
        (_gcmPackets, _gcmReceiver) = Protected(SrtpProtectionProfile.AeadAes128Gcm, key, RandomNumberGenerator.GetBytes(12));

        _aes = Aes.Create();
        _aes.Key = key;
        _aes.Mode = CipherMode.ECB;
        _aes.Padding = PaddingMode.None;
        _ecb = _aes.CreateEncryptor();
        _hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA1, RandomNumberGenerator.GetBytes(20));
        _gcm = new AesGcm(key, 16);
        _gcmPrimitivePacket = _gcmPackets[0].ToArray();
        var plaintext = RandomNumberGenerator.GetBytes(PacketLength - HeaderLength - 16);
        _gcm.Encrypt(_nonce, plaintext, _gcmPrimitivePacket.AsSpan(HeaderLength, plaintext.Length),
            _gcmPrimitivePacket.AsSpan(PacketLength - 16), _gcmPrimitivePacket.AsSpan(0, HeaderLength));
    }

    [Benchmark(Baseline = true, Description = "primitives: AES-128-CTR + HMAC-SHA1 (1200 B)")]
    [BenchmarkCategory("AES_CM_128_HMAC_SHA1_80")]
    public int Primitives()
    {
        var packet = Next(_cmPackets, ref _primitiveNext);
        var authenticated = packet.Length - 10;
        // HMAC-SHA1 over header, payload and ROC (four bytes where the tag was).
        BinaryPrimitives.WriteUInt32BigEndian(_work.AsSpan(authenticated), 0);
        _hmac.AppendData(_work, 0, authenticated + 4);
        _hmac.GetHashAndReset(_mac);

        // AES-128-CTR over the payload: the counter blocks through ECB in one call, then XOR.
        var payload = _work.AsSpan(HeaderLength, authenticated - HeaderLength);
        var blocks = (payload.Length + BlockSize - 1) / BlockSize;
        for (var j = 0; j < blocks; j++)
        {
            var block = _counters.AsSpan(j * BlockSize, BlockSize);
            BinaryPrimitives.WriteUInt64BigEndian(block, 0x0102030405060708);
            BinaryPrimitives.WriteUInt64BigEndian(block[8..], 0x090A0B0C0D0E0000ul + (ulong)j);
        }

        _ecb.TransformBlock(_counters, 0, blocks * BlockSize, _keystream, 0);
        var i = 0;
        for (; i <= payload.Length - Vector<byte>.Count; i += Vector<byte>.Count)
        {
            (new Vector<byte>(payload[i..]) ^ new Vector<byte>(_keystream, i)).CopyTo(payload[i..]);
        }

        for (; i < payload.Length; i++)
        {
            payload[i] ^= _keystream[i];
        }

        return _mac[0] + payload[0];
    }

    [Benchmark(Description = "SRTP unprotect AES_CM_128_HMAC_SHA1_80 (1200 B)")]
    [BenchmarkCategory("AES_CM_128_HMAC_SHA1_80")]
    public int UnprotectAesCm() => Unprotect(_cmReceiver, _cmPackets, ref _cmNext);

    [Benchmark(Baseline = true, Description = "primitives: AES-128-GCM decrypt (1200 B)")]
    [BenchmarkCategory("AEAD_AES_128_GCM")]
    public int PrimitivesGcm()
    {
        var packet = _gcmPrimitivePacket;
        packet.CopyTo(_work, 0);
        var ciphertext = _work.AsSpan(HeaderLength, packet.Length - HeaderLength - 16);
        _gcm.Decrypt(_nonce, ciphertext, _work.AsSpan(packet.Length - 16, 16), _keystream.AsSpan(0, ciphertext.Length),
            _work.AsSpan(0, HeaderLength));
        return _keystream[0];
    }

    [Benchmark(Description = "SRTP unprotect AEAD_AES_128_GCM (1200 B)")]
    [BenchmarkCategory("AEAD_AES_128_GCM")]
    public int UnprotectGcm() => Unprotect(_gcmReceiver, _gcmPackets, ref _gcmNext);

    [GlobalCleanup]
    public void Cleanup()
    {
        _cmReceiver.Dispose();
        _gcmReceiver.Dispose();
        _ecb.Dispose();
        _aes.Dispose();
        _hmac.Dispose();
        _gcm.Dispose();
    }

    private int Unprotect(SrtpSession receiver, byte[][] packets, ref int next)
    {
        if (next == 0)
        {
            receiver.RemoveStream(Ssrc); // the ring starts over at sequence number 0
        }

        var packet = Next(packets, ref next);
        var status = receiver.UnprotectRtp(_work.AsSpan(0, packet.Length), out var length);
        return status == SrtpStatus.Ok ? length : throw new InvalidOperationException($"Unprotect failed: {status}");
    }

    private byte[] Next(byte[][] packets, ref int next)
    {
        var packet = packets[next];
        next = (next + 1) % Ring;
        packet.CopyTo(_work, 0);
        return packet;
    }

    private static (byte[][] Packets, SrtpSession Receiver) Protected(SrtpProtectionProfile profile, byte[] key, byte[] salt)
    {
        using var sender = new SrtpSession(profile, key, salt);
        var packets = new byte[Ring][];
        for (var i = 0; i < Ring; i++)
        {
            var buffer = new byte[PacketLength];
            var length = PacketLength - sender.RtpOverhead;
            buffer[0] = 0x80;
            buffer[1] = 96;
            BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), (ushort)i);
            BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(4), (uint)i * 3000);
            BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(8), Ssrc);
            RandomNumberGenerator.Fill(buffer.AsSpan(HeaderLength, length - HeaderLength));
            if (sender.ProtectRtp(buffer, length, out var protectedLength) != SrtpStatus.Ok || protectedLength != PacketLength)
            {
                throw new InvalidOperationException("Protect failed.");
            }

            packets[i] = buffer;
        }

        return (packets, new SrtpSession(profile, key, salt));
    }
}
