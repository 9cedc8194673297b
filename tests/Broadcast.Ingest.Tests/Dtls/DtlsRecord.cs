using System.Buffers.Binary;

namespace Broadcast.Ingest.Tests.Dtls;

/// <summary>One DTLS record of a captured datagram (RFC 6347 §4.1), with its handshake fragment header when it has one in clear.</summary>
internal sealed record DtlsRecord(byte ContentType, int Epoch, long Sequence, byte[] Fragment)
{
    public const byte ChangeCipherSpec = 20;
    public const byte Alert = 21;
    public const byte Handshake = 22;
    public const byte ApplicationData = 23;

    /// <summary>Handshake type of the fragment (epoch 0 only; later epochs are encrypted).</summary>
    public byte MessageType => Fragment[0];

    public int MessageLength => Fragment[1] << 16 | Fragment[2] << 8 | Fragment[3];

    public int MessageSequence => Fragment[4] << 8 | Fragment[5];

    public int FragmentOffset => Fragment[6] << 16 | Fragment[7] << 8 | Fragment[8];

    public int FragmentLength => Fragment[9] << 16 | Fragment[10] << 8 | Fragment[11];

    public bool IsClearHandshake => ContentType == Handshake && Epoch == 0 && Fragment.Length >= 12;

    /// <summary>The records of a datagram; a truncated tail is left out.</summary>
    public static List<DtlsRecord> Parse(byte[] datagram)
    {
        var records = new List<DtlsRecord>();
        var at = 0;
        while (datagram.Length - at >= 13)
        {
            var length = BinaryPrimitives.ReadUInt16BigEndian(datagram.AsSpan(at + 11));
            if (datagram.Length - at - 13 < length)
            {
                break;
            }

            var epoch = BinaryPrimitives.ReadUInt16BigEndian(datagram.AsSpan(at + 3));
            var sequence = (long)BinaryPrimitives.ReadUInt16BigEndian(datagram.AsSpan(at + 5)) << 32
                | BinaryPrimitives.ReadUInt32BigEndian(datagram.AsSpan(at + 7));
            records.Add(new DtlsRecord(datagram[at], epoch, sequence, datagram.AsSpan(at + 13, length).ToArray()));
            at += 13 + length;
        }

        return records;
    }
}
