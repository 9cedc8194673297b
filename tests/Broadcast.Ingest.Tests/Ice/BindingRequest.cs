using System.Text;
using Broadcast.Ingest.Protocols.Stun;

namespace Broadcast.Ingest.Tests.Ice;

/// <summary>A Binding request as a browser's controlling agent sends it; each property can leave a part out or spoil it.</summary>
public sealed record BindingRequest
{
    private static int _transactions;

    public required string Username { get; init; }

    public required string Password { get; init; }

    public bool WithPriority { get; init; } = true;

    public bool WithMessageIntegrity { get; init; } = true;

    public bool WithFingerprint { get; init; } = true;

    public bool WithUsername { get; init; } = true;

    public bool UseCandidate { get; init; }

    public uint? Nomination { get; init; }

    public bool IceControlled { get; init; }

    public ushort? ExtraAttribute { get; init; }

    public ushort Type { get; init; } = StunMessageType.BindingRequest;

    public byte[] TransactionId { get; } = NewTransactionId();

    public byte[] ToBytes()
    {
        var buffer = new byte[512];
        var writer = new StunMessageWriter(buffer, Type, TransactionId);
        if (WithUsername)
        {
            writer.AddAttribute(StunAttributeType.Username, Encoding.UTF8.GetBytes(Username));
        }

        if (WithPriority)
        {
            writer.AddUInt32(StunAttributeType.Priority, 1853824767);
        }

        writer.AddUInt64(IceControlled ? StunAttributeType.IceControlled : StunAttributeType.IceControlling, 0x1122334455667788);
        if (UseCandidate)
        {
            writer.AddAttribute(StunAttributeType.UseCandidate, []);
        }

        if (Nomination is { } nomination)
        {
            writer.AddUInt32(StunAttributeType.Nomination, nomination);
        }

        if (ExtraAttribute is { } extra)
        {
            writer.AddUInt32(extra, 0);
        }

        writer.AddAttribute(0xC057, [0, 1, 0, 10]); // GOOG-NETWORK-INFO, ignored
        if (WithMessageIntegrity)
        {
            writer.AddMessageIntegrity(Encoding.UTF8.GetBytes(Password));
        }

        if (WithFingerprint)
        {
            writer.AddFingerprint();
        }

        Assert.True(writer.TryComplete(out var written));
        return buffer[..written];
    }

    private static byte[] NewTransactionId()
    {
        var id = new byte[StunMessage.TransactionIdLength];
        BitConverter.TryWriteBytes(id, Interlocked.Increment(ref _transactions));
        return id;
    }
}
