namespace Broadcast.Ingest.Dtls;

/// <summary>
/// How a <see cref="DtlsServerSession"/> talks to its owner (the WebRTC transport). The methods are called on the
/// session's threads (its handshake thread or the thread pool), never from <see cref="DtlsServerSession.Feed"/>; the
/// only exception is the closing alert that <see cref="DtlsServerSession.Close"/> sends on its caller's thread.
/// Implementations send with a thread-safe socket call and post state changes to their worker; none may block for
/// long. An exception thrown here is contained: a failed send counts as a lost datagram, a failed report is logged.
/// </summary>
public interface IDtlsSessionListener
{
    /// <summary>One DTLS datagram (at most the session's MTU) to send to the selected ICE tuple; valid only during the call.</summary>
    void SendDtlsDatagram(ReadOnlySpan<byte> datagram);

    /// <summary>The handshake finished and the client's certificate matched the expected fingerprint. Called once.</summary>
    void OnDtlsConnected(DtlsServerSession session, SrtpKeyingMaterial srtp);

    /// <summary>The session ended in error (after which it sends and reports nothing more).</summary>
    void OnDtlsFailed(DtlsServerSession session, DtlsFailure failure, string detail);

    /// <summary>The peer ended the session cleanly with close_notify. <see cref="DtlsServerSession.Close"/> is not reported back.</summary>
    void OnDtlsClosed(DtlsServerSession session);
}

/// <summary>The session's state, named as mediasoup's <c>dtlsState</c>.</summary>
public enum DtlsSessionState
{
    New,
    Connecting,
    Connected,
    Failed,
    Closed,
}

/// <summary>Why a session failed.</summary>
public enum DtlsFailure
{
    /// <summary>The handshake broke down: a protocol error, a bad message or an alert we raised.</summary>
    Handshake,

    /// <summary>The peer sent a fatal alert.</summary>
    AlertReceived,

    /// <summary>The handshake did not finish within <see cref="DtlsServerOptions.HandshakeTimeout"/>.</summary>
    Timeout,

    /// <summary>The client sent no certificate (WebRTC requires one).</summary>
    NoClientCertificate,

    /// <summary>The client's certificate does not hash to the fingerprint given in connect.</summary>
    FingerprintMismatch,

    /// <summary>The client offered no SRTP profile we support, or no use_srtp at all.</summary>
    NoSrtpProfile,
}
