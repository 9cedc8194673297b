namespace Broadcast.Ingest.Protocols.Srtp;

/// <summary>The outcome of protecting or unprotecting one packet: anything but <see cref="Ok"/> is a counter and a drop.</summary>
public enum SrtpStatus
{
    Ok,

    /// <summary>Too short for its header and tag, or not version 2.</summary>
    Malformed,

    /// <summary>The tag does not verify: forged, corrupted, or keyed otherwise.</summary>
    AuthenticationFailed,

    /// <summary>Already received, or older than the replay window.</summary>
    Replayed,

    /// <summary>Protect only: the buffer has no room for the tag (and SRTCP index).</summary>
    BufferTooSmall,
}
