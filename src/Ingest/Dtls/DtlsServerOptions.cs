namespace Broadcast.Ingest.Dtls;

/// <summary>Tunables of a <see cref="DtlsServerSession"/>; the defaults suit WebRTC.</summary>
public sealed record DtlsServerOptions
{
    /// <summary>
    /// Largest datagram we send, in bytes (default 1200): handshake messages are fragmented below it, with the same
    /// boundaries on every retransmission. 1200 passes any path WebRTC works on; mediasoup's 1350 has broken on some.
    /// </summary>
    public int Mtu { get; init; } = 1200;

    /// <summary>Largest datagram we accept, in bytes (default 9216, the worker's receive buffer); longer ones are dropped.</summary>
    public int MaxReceiveDatagram { get; init; } = 9216;

    /// <summary>Datagrams waiting for the session thread (default 64); more are dropped and counted.</summary>
    public int QueueCapacity { get; init; } = 64;

    /// <summary>Time from the first ClientHello to a finished handshake before the session fails (default 30 s).</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>First retransmission timer of a flight, doubled on each loss up to 60 s (default 1 s, RFC 6347 §4.2.4.1).</summary>
    public TimeSpan InitialRetransmission { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Profiles we accept, most preferred first (default AEAD_AES_128_GCM, then AES_CM_128 with 80- and 32-bit tags).</summary>
    public IReadOnlyList<SrtpProfile> SrtpProfiles { get; init; } =
        [SrtpProfile.AeadAes128Gcm, SrtpProfile.AesCm128HmacSha1Tag80, SrtpProfile.AesCm128HmacSha1Tag32];

    /// <exception cref="ArgumentOutOfRangeException">A value is outside its range.</exception>
    internal void Validate()
    {
        // A record header (13), a handshake header (12) and an AEAD overhead (24) must leave room for some payload.
        ArgumentOutOfRangeException.ThrowIfLessThan(Mtu, 128, nameof(Mtu));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Mtu, MaxReceiveDatagram, nameof(Mtu));
        ArgumentOutOfRangeException.ThrowIfLessThan(QueueCapacity, 1, nameof(QueueCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThan(HandshakeTimeout, TimeSpan.FromMilliseconds(100), nameof(HandshakeTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(InitialRetransmission, TimeSpan.FromMilliseconds(10), nameof(InitialRetransmission));
        if (SrtpProfiles.Count == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(SrtpProfiles), "At least one SRTP profile is needed.");
        }
    }
}
