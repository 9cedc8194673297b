using Broadcast.Ingest.Dtls;

namespace Broadcast.Testing;

/// <summary>How a <see cref="WebRtcTestPeer"/> behaves; the defaults are a browser's.</summary>
public sealed record WebRtcTestPeerOptions
{
    /// <summary>use_srtp profiles offered in the ClientHello, in order (default: as Chrome lists them).</summary>
    public IReadOnlyList<SrtpProfile> SrtpProfiles { get; init; } =
        [SrtpProfile.AesCm128HmacSha1Tag80, SrtpProfile.AesCm128HmacSha1Tag32, SrtpProfile.AeadAes128Gcm];

    /// <summary>Binding requests go out this often from connect to dispose: first the checks, then consent (RFC 7675).</summary>
    public TimeSpan ConsentInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>ICE and the DTLS handshake together must finish within this. Default 30 s (a loaded 2-core machine).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How many of the last RTP packets <see cref="WebRtcTestPeer.RecentRtp"/> keeps.</summary>
    public int History { get; init; } = 512;

    /// <summary>The CNAME of the SDES sent with receiver reports.</summary>
    public string Cname { get; init; } = "webrtc-test-peer";

    /// <summary>Send a generic NACK as soon as a gap in a stream's sequence numbers shows, as a browser does.</summary>
    public bool NackLostPackets { get; init; }

    /// <summary>RTP clock rate for the jitter of payload types not in <see cref="ClockRates"/>. Default 90 kHz (video).</summary>
    public int DefaultClockRate { get; init; } = 90000;

    /// <summary>RTP clock rates by payload type, for the interarrival jitter of receiver reports.</summary>
    public IReadOnlyDictionary<byte, int> ClockRates { get; init; } = new Dictionary<byte, int>();

    internal void Validate()
    {
        if (SrtpProfiles is not { Count: > 0 })
        {
            throw new ArgumentException("At least one SRTP profile must be offered.", nameof(SrtpProfiles));
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ConsentInterval, TimeSpan.Zero, nameof(ConsentInterval));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ConnectTimeout, TimeSpan.Zero, nameof(ConnectTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(History, 1, nameof(History));
        ArgumentOutOfRangeException.ThrowIfLessThan(DefaultClockRate, 1, nameof(DefaultClockRate));
    }
}

/// <summary>
/// The header of one RTP packet the peer received (or, for a drop predicate, is about to receive). PayloadLength is
/// the bytes after the header; before decryption (drop predicates) it includes any padding.
/// </summary>
public readonly record struct RtpPacketInfo(uint Ssrc, ushort SequenceNumber, byte PayloadType, uint Timestamp, bool Marker, int PayloadLength);

/// <summary>
/// What the peer knows of one received RTP stream (RFC 3550 appendix A.1, A.3 and A.8): ExtendedHighestSequence is
/// cycles × 65536 plus the highest sequence number, CumulativeLost expected minus received (negative with
/// duplicates), Jitter the interarrival jitter in RTP timestamp units, Recovered the packets that filled a gap
/// (retransmissions, or reordering), Missing the sequence numbers of the gaps not filled yet, in numeric order.
/// </summary>
public sealed record RtpStreamStatistics(uint Ssrc, long PacketsReceived, long PayloadBytesReceived, uint ExtendedHighestSequence,
    long CumulativeLost, uint Jitter, long Recovered, IReadOnlyList<ushort> Missing);
