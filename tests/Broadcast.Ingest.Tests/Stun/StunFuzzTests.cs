using Broadcast.Ingest.Protocols.Stun;

namespace Broadcast.Ingest.Tests.Stun;

/// <summary>
/// Wire input never throws: random datagrams with a fixed seed. A third are noise, a third have a valid STUN
/// header and random attribute TLVs with small lengths, a third are the RFC 5769 vectors with flipped bits and cuts.
/// </summary>
public class StunFuzzTests
{
    private const int Iterations = 100_000;
    private const int Seed = 5769;

    private static readonly byte[][] Seeds =
        [Rfc5769Vectors.Request, Rfc5769Vectors.IPv4Response, Rfc5769Vectors.IPv6Response, Rfc5769Vectors.LongTermRequest];

    private static readonly ushort[] Types =
    [
        StunAttributeType.Username, StunAttributeType.MessageIntegrity, StunAttributeType.ErrorCode,
        StunAttributeType.XorMappedAddress, StunAttributeType.Priority, StunAttributeType.UseCandidate,
        StunAttributeType.Fingerprint, StunAttributeType.IceControlled, StunAttributeType.IceControlling,
        StunAttributeType.Nomination, StunAttributeType.Software, 0x0031, 0xC057,
    ];

    private static readonly int[] ValueLengths = [0, 1, 3, 4, 5, 8, 12, 20];

    [Fact]
    public void Random_datagrams_through_every_stun_parser_never_throw()
    {
        var random = new Random(Seed);
        var buffer = new byte[160];
        var parsed = 0;
        for (var i = 0; i < Iterations; i++)
        {
            var datagram = Generate(random, buffer);
            parsed += ParseEverything(datagram) ? 1 : 0;
        }

        Assert.InRange(parsed, Iterations / 20, Iterations); // the shaped third gets through often enough
    }

    private static bool ParseEverything(ReadOnlySpan<byte> datagram)
    {
        StunUsername.TryGetLocalUfrag(datagram, out ReadOnlySpan<byte> _);
        StunMessage.CopyUnknownRequiredTypes(datagram, stackalloc ushort[4]);
        if (!StunMessage.TryParse(datagram, out var message))
        {
            return false;
        }

        Assert.Equal(datagram.Length, message.Length);
        StunFingerprint.Verify(datagram, message);
        StunMessageIntegrity.Verify(datagram, message, "key"u8);
        XorMappedAddress.TryParse(message.XorMappedAddress(datagram), message.TransactionId(datagram), out _);
        StunErrorCode.TryParse(message.ErrorCode(datagram), out _, out _);
        Assert.True(message.Username(datagram).Length <= StunMessage.MaxUsernameLength);
        return true;
    }

    private static Span<byte> Generate(Random random, byte[] buffer)
    {
        switch (random.Next(3))
        {
            case 0:
            {
                var noise = buffer.AsSpan(0, random.Next(buffer.Length + 1));
                random.NextBytes(noise);
                return noise;
            }

            case 1:
            {
                var length = StunMessage.HeaderLength + (4 * random.Next(30));
                var shaped = buffer.AsSpan(0, length);
                random.NextBytes(shaped);
                Rfc5769Vectors.Request.AsSpan(0, 8).CopyTo(shaped);
                shaped[2] = 0;
                shaped[3] = (byte)(length - StunMessage.HeaderLength);
                var offset = StunMessage.HeaderLength;
                while (length - offset >= 4)
                {
                    var valueLength = Math.Min(ValueLengths[random.Next(ValueLengths.Length)], length - offset - 4);
                    var type = Types[random.Next(Types.Length)];
                    shaped[offset] = (byte)(type >> 8);
                    shaped[offset + 1] = (byte)type;
                    shaped[offset + 2] = 0;
                    shaped[offset + 3] = (byte)valueLength;
                    offset += 4 + ((valueLength + 3) & ~3);
                }

                return shaped;
            }

            default:
            {
                var seed = Seeds[random.Next(Seeds.Length)];
                var mutated = buffer.AsSpan(0, random.Next(seed.Length + 1));
                seed.AsSpan(0, mutated.Length).CopyTo(mutated);
                for (var flips = random.Next(4); flips > 0 && !mutated.IsEmpty; flips--)
                {
                    mutated[random.Next(mutated.Length)] ^= (byte)(1 << random.Next(8));
                }

                return mutated;
            }
        }
    }
}
