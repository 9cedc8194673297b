namespace Broadcast.Ingest.Ice;

/// <summary>
/// How an <see cref="IceLiteAgent"/> reports to its owner (the WebRTC transport), synchronously from inside
/// <see cref="IceLiteAgent.ProcessStun"/>, <see cref="IceLiteAgent.CheckConsent"/> and <see cref="IceLiteAgent.Close"/>,
/// on the caller's thread. Implementations must not call back into the agent.
/// </summary>
public interface IIceAgentListener
{
    /// <summary>A 5-tuple sent its first valid check: DTLS and SRTP from it are accepted, and a shared port routes it here.</summary>
    void OnIceTupleAdded(IceTuple tuple);

    /// <summary>A tuple lost consent, was evicted, or the agent closed: forget it.</summary>
    void OnIceTupleRemoved(IceTuple tuple);

    /// <summary>DTLS and RTCP are now sent to this tuple.</summary>
    void OnIceSelectedTupleChanged(IceTuple tuple);

    /// <summary>
    /// The state changed; <see cref="IceState.Disconnected"/> means that no tuple has consent any more and the
    /// publisher is gone (mediasoup closes nothing by itself here: the transport decides).
    /// </summary>
    void OnIceStateChanged(IceState state);
}
