using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Broadcast.Ingest.Protocols.Srtp;

namespace Broadcast.Benchmarks;

/// <summary>
/// SRTP protect of RTP packets with a 1200-byte payload, in place, as a consumer's send path does it (the packet copied
/// into a send buffer, its sequence number set, then protected), against the least work protect can do with .NET's
/// bare primitives on the same bytes: for AES_CM_128_HMAC_SHA1_80 the IV from salt, SSRC and index, the AES-128-CTR
/// keystream XORed over the payload, HMAC-SHA1 over header, payload and ROC and the tag truncated to 10 bytes; for
/// AEAD_AES_128_GCM the nonce from salt, SSRC, ROC and sequence number and one AES-GCM encryption with the header as
/// AAD. Sequence numbers run on, so the ROC moves every 65536 operations on both sides.
/// The target: protect within 1.15 times the primitives' time, 0 B allocated.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class SrtpProtectBenchmarks
{
    private const int PayloadLength = 1200;
    private const int HeaderLength = 12;
    private const int PacketLength = HeaderLength + PayloadLength;
    private const uint Ssrc = 0x5EED_1234;
    private const int BlockSize = 16;
    private const int CmTagLength = 10;
    private const int GcmTagLength = 16;

    private readonly byte[] _packet = new byte[PacketLength];
    private readonly byte[] _work = new byte[2048];
    private readonly byte[] _mac = new byte[20];
    private readonly byte[] _counters = new byte[2048];
    private readonly byte[] _keystream = new byte[2048];
    private readonly byte[] _iv = new byte[BlockSize];
    private readonly byte[] _nonce = new byte[12];
    private byte[] _cmSalt = null!;
    private byte[] _gcmSalt = null!;
    private SrtpSession _cmSender = null!;
    private SrtpSession _gcmSender = null!;
    private Aes _aes = null!;
    private ICryptoTransform _ecb = null!;
    private IncrementalHash _hmac = null!;
    private AesGcm _gcm = null!;
    private ulong _cmIndex;
    private ulong _gcmIndex;
    private ulong _primitiveIndex;
    private ulong _primitiveGcmIndex;

    [GlobalSetup]
    public void Setup()
    {
        var key = RandomNumberGenerator.GetBytes(16);
        _cmSender = new SrtpSession(SrtpProtectionProfile.AesCm128HmacSha1Tag80, key, RandomNumberGenerator.GetBytes(14));
        _gcmSender = new SrtpSession(SrtpProtectionProfile.AeadAes128Gcm, key, RandomNumberGenerator.GetBytes(12));
        _cmSalt = RandomNumberGenerator.GetBytes(14);
        _gcmSalt = RandomNumberGenerator.GetBytes(12);
        _aes = Aes.Create();
        _aes.Key = key;
        _aes.Mode = CipherMode.ECB;
        _aes.Padding = PaddingMode.None;
        _ecb = _aes.CreateEncryptor();
        _hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA1, RandomNumberGenerator.GetBytes(20));
        _gcm = new AesGcm(key, GcmTagLength);

        _packet[0] = 0x80;
        _packet[1] = 96;
        BinaryPrimitives.WriteUInt32BigEndian(_packet.AsSpan(4), 90000);
        BinaryPrimitives.WriteUInt32BigEndian(_packet.AsSpan(8), Ssrc);
        RandomNumberGenerator.Fill(_packet.AsSpan(HeaderLength));
    }

    [Benchmark(Baseline = true, Description = "primitives: AES-128-CTR + HMAC-SHA1, tag 80 (1200 B payload)")]
    [BenchmarkCategory("AES_CM_128_HMAC_SHA1_80")]
    public int Primitives()
    {
        var index = Next(ref _primitiveIndex);

        // IV = (salt·2^16) XOR (SSRC·2^64) XOR (index·2^16), as RFC 3711 §4.1.1 has it.
        var iv = _iv.AsSpan();
        _cmSalt.CopyTo(iv);
        iv[14] = 0;
        iv[15] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(iv[4..], BinaryPrimitives.ReadUInt32BigEndian(iv[4..]) ^ Ssrc);
        BinaryPrimitives.WriteUInt16BigEndian(iv[8..], (ushort)(BinaryPrimitives.ReadUInt16BigEndian(iv[8..]) ^ (ushort)(index >> 32)));
        BinaryPrimitives.WriteUInt32BigEndian(iv[10..], BinaryPrimitives.ReadUInt32BigEndian(iv[10..]) ^ (uint)index);

        // AES-128-CTR over the payload: the counter blocks through ECB in one call, then XOR.
        var payload = _work.AsSpan(HeaderLength, PayloadLength);
        var high = BinaryPrimitives.ReadUInt64BigEndian(iv);
        var low = BinaryPrimitives.ReadUInt64BigEndian(iv[8..]);
        var blocks = (PayloadLength + BlockSize - 1) / BlockSize;
        for (var j = 0; j < blocks; j++)
        {
            var block = _counters.AsSpan(j * BlockSize, BlockSize);
            BinaryPrimitives.WriteUInt64BigEndian(block, high);
            BinaryPrimitives.WriteUInt64BigEndian(block[8..], low + (ulong)j); // the low 16 bits are zero: no carry
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

        // HMAC-SHA1 over header, payload and ROC (four bytes where the tag goes), truncated to 10 bytes over the ROC.
        BinaryPrimitives.WriteUInt32BigEndian(_work.AsSpan(PacketLength), (uint)(index >> 16));
        _hmac.AppendData(_work, 0, PacketLength + 4);
        _hmac.GetHashAndReset(_mac);
        _mac.AsSpan(0, CmTagLength).CopyTo(_work.AsSpan(PacketLength));
        return PacketLength + CmTagLength;
    }

    [Benchmark(Description = "SRTP protect AES_CM_128_HMAC_SHA1_80 (1200 B payload)")]
    [BenchmarkCategory("AES_CM_128_HMAC_SHA1_80")]
    public int ProtectAesCm() => Protect(_cmSender, ref _cmIndex);

    [Benchmark(Baseline = true, Description = "primitives: AES-128-GCM encrypt (1200 B payload)")]
    [BenchmarkCategory("AEAD_AES_128_GCM")]
    public int PrimitivesGcm()
    {
        var index = Next(ref _primitiveGcmIndex);

        // IV = (00 00 ‖ SSRC ‖ ROC ‖ SEQ) XOR salt (RFC 7714 §8.1).
        var nonce = _nonce.AsSpan();
        BinaryPrimitives.WriteUInt16BigEndian(nonce, 0);
        BinaryPrimitives.WriteUInt32BigEndian(nonce[2..], Ssrc);
        BinaryPrimitives.WriteUInt16BigEndian(nonce[6..], (ushort)(index >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(nonce[8..], (uint)index);
        for (var i = 0; i < nonce.Length; i++)
        {
            nonce[i] ^= _gcmSalt[i];
        }

        var payload = _work.AsSpan(HeaderLength, PayloadLength);
        _gcm.Encrypt(nonce, payload, payload, _work.AsSpan(PacketLength, GcmTagLength), _work.AsSpan(0, HeaderLength));
        return PacketLength + GcmTagLength;
    }

    [Benchmark(Description = "SRTP protect AEAD_AES_128_GCM (1200 B payload)")]
    [BenchmarkCategory("AEAD_AES_128_GCM")]
    public int ProtectGcm() => Protect(_gcmSender, ref _gcmIndex);

    [GlobalCleanup]
    public void Cleanup()
    {
        _cmSender.Dispose();
        _gcmSender.Dispose();
        _ecb.Dispose();
        _aes.Dispose();
        _hmac.Dispose();
        _gcm.Dispose();
    }

    private int Protect(SrtpSession sender, ref ulong index)
    {
        Next(ref index);
        var status = sender.ProtectRtp(_work, PacketLength, out var length);
        return status == SrtpStatus.Ok ? length : throw new InvalidOperationException($"Protect failed: {status}");
    }

    // Both sides start alike: the packet copied into the send buffer with the next sequence number.
    private ulong Next(ref ulong index)
    {
        var current = index++;
        _packet.CopyTo(_work, 0);
        BinaryPrimitives.WriteUInt16BigEndian(_work.AsSpan(2), (ushort)current);
        return current;
    }
}
