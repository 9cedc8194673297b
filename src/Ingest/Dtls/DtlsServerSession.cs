using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace Broadcast.Ingest.Dtls;

/// <summary>
/// The DTLS server side of one WebRTC transport (RFC 5764, RFC 8842): the transport feeds it the DTLS datagrams of
/// its valid ICE tuples from the worker, and gets back datagrams to send, the SRTP keys, and connected / failed /
/// closed through <see cref="IDtlsSessionListener"/>.
/// <para>
/// BouncyCastle's DTLS is blocking, so the worker never calls into it: <see cref="Feed"/> only copies the datagram
/// into a bounded queue. The first ClientHello starts a handshake thread that runs
/// <see cref="DtlsServerProtocol.Accept(TlsServer, DatagramTransport)"/> on that queue, with BouncyCastle's flight
/// retransmission (1 s doubling to 60 s), fragmentation below <see cref="DtlsServerOptions.Mtu"/> and reassembly of
/// fragmented ClientHellos. After the handshake the thread ends; later datagrams (a retransmitted client Finished that
/// must be answered, alerts, close_notify, application data that is ignored) are processed on the thread pool, one
/// batch at a time.
/// </para>
/// <para>
/// The client's certificate must hash to the fingerprint given with <see cref="SetRemoteFingerprint"/>. If that is
/// known during the handshake, a mismatch is refused with a bad_certificate alert; if it comes later (connect after
/// the handshake), the session stays connecting until it does and then connects or fails.
/// </para>
/// </summary>
public sealed class DtlsServerSession : IDisposable
{
    private const int RecordHeaderLength = 13;
    private readonly DtlsCertificate _certificate;
    private readonly IDtlsSessionListener _listener;
    private readonly ILogger _logger;
    private readonly DtlsDatagramPipe _pipe;
    private readonly DtlsSrtpTlsServer _server;
    private readonly Lock _gate = new();
    private DtlsSessionState _state;
    private DtlsFingerprint? _remoteFingerprint;
    private byte[]? _peerCertificate;
    private SrtpKeyingMaterial? _keys;
    private DtlsTransport? _transport;
    private (DtlsFailure Failure, string Detail)? _refusal;
    private volatile bool _closeNotifyReceived;
    private volatile int _fatalAlertReceived = -1;
    private long _started;
    private long _handshakeTicks = -1;
    private int _draining;
    private byte[]? _drainBuffer;
    private long _ignored;
    private long _applicationData;

    /// <param name="certificate">Our certificate (shared by all sessions).</param>
    /// <param name="listener">Receives datagrams to send and the session's outcome, on session threads.</param>
    /// <param name="options">Defaults when null.</param>
    /// <param name="logger">Null for none.</param>
    public DtlsServerSession(DtlsCertificate certificate, IDtlsSessionListener listener, DtlsServerOptions? options = null,
        ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(listener);
        options ??= new DtlsServerOptions();
        options.Validate();
        _certificate = certificate;
        _listener = listener;
        _logger = logger ?? NullLogger.Instance;
        _pipe = new DtlsDatagramPipe(options, listener);
        _server = new DtlsSrtpTlsServer(new BcTlsCrypto(new SecureRandom()), certificate, options, this);
    }

    public DtlsSessionState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    /// <summary>Our certificate's SHA-256 fingerprint, for <c>dtlsParameters.fingerprints</c>.</summary>
    public DtlsFingerprint LocalFingerprint => _certificate.Fingerprint;

    /// <summary>The fingerprint the client's certificate must match, once given.</summary>
    public DtlsFingerprint? RemoteFingerprint
    {
        get
        {
            lock (_gate)
            {
                return _remoteFingerprint;
            }
        }
    }

    /// <summary>The negotiated profile and keys; set once the session is connected.</summary>
    public SrtpKeyingMaterial? SrtpKeys
    {
        get
        {
            lock (_gate)
            {
                return _state == DtlsSessionState.Connected ? _keys : null;
            }
        }
    }

    /// <summary>The client's certificate (DER) once received.</summary>
    public ReadOnlyMemory<byte>? PeerCertificate
    {
        get
        {
            lock (_gate)
            {
                return _peerCertificate;
            }
        }
    }

    /// <summary>From the first ClientHello to our Finished, once the handshake completed.</summary>
    public TimeSpan? HandshakeDuration
    {
        get
        {
            var ticks = Interlocked.Read(ref _handshakeTicks);
            return ticks < 0 ? null : Stopwatch.GetElapsedTime(0, ticks);
        }
    }

    /// <summary>TLS cipher suite id chosen by the handshake (0 before).</summary>
    public int CipherSuite => _server.SelectedCipherSuite;

    /// <summary>Datagrams queued for the session.</summary>
    public long DatagramsReceived => _pipe.Received;

    /// <summary>Datagrams dropped: queue full, too long, or arriving after the session ended.</summary>
    public long DatagramsDropped => _pipe.Dropped;

    /// <summary>Datagrams ignored before the handshake because they were not a ClientHello.</summary>
    public long DatagramsIgnored => Interlocked.Read(ref _ignored);

    /// <summary>Datagrams handed to the listener to send.</summary>
    public long DatagramsSent => _pipe.Sent;

    /// <summary>DTLS application data records received after the handshake and ignored (WebRTC data channels are not served).</summary>
    public long ApplicationDataIgnored => Interlocked.Read(ref _applicationData);

    /// <summary>
    /// Sets the fingerprint from connect (MSC: the last of <c>dtlsParameters.fingerprints</c>) or from the SDP offer.
    /// Setting the same one again is allowed; another one is an error.
    /// </summary>
    /// <exception cref="InvalidOperationException">A different fingerprint was already set.</exception>
    public void SetRemoteFingerprint(DtlsFingerprint fingerprint)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        bool verifyNow;
        lock (_gate)
        {
            if (_remoteFingerprint is not null && !_remoteFingerprint.Equals(fingerprint))
            {
                throw new InvalidOperationException($"The remote fingerprint is already set to {_remoteFingerprint}.");
            }

            _remoteFingerprint = fingerprint;
            verifyNow = _state == DtlsSessionState.Connecting && _transport is not null;
        }

        if (verifyNow)
        {
            // The handshake already finished: verify and report off the caller's thread, as every other event.
            ThreadPool.UnsafeQueueUserWorkItem(static session => session.ConnectIfVerified(), this, preferLocal: false);
        }
    }

    /// <summary>
    /// One DTLS datagram from a valid ICE tuple. Never blocks: the datagram is copied (the span is not kept). Returns
    /// false when it was dropped (queue full, session over) or ignored (not a ClientHello before the handshake).
    /// </summary>
    public bool Feed(ReadOnlySpan<byte> datagram)
    {
        var state = State;
        if (state == DtlsSessionState.New && !IsClientHello(datagram))
        {
            Interlocked.Increment(ref _ignored);
            return false;
        }

        if (!_pipe.TryEnqueue(datagram))
        {
            return false;
        }

        if (state == DtlsSessionState.New)
        {
            StartHandshake();
        }
        else if (Volatile.Read(ref _transport) is not null && Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static session => session.Drain(), this, preferLocal: false);
        }

        return true;
    }

    /// <summary>Ends the session: close_notify if connected, user_canceled during the handshake. Idempotent; not reported to the listener.</summary>
    public void Close()
    {
        DtlsTransport? transport;
        lock (_gate)
        {
            if (_state is DtlsSessionState.Failed or DtlsSessionState.Closed)
            {
                return;
            }

            _state = DtlsSessionState.Closed;
            transport = _transport;
        }

        if (transport is not null)
        {
            CloseQuietly(transport);
        }
        else
        {
            _server.Cancel();
        }

        _pipe.Close();
        DtlsLog.Closed(_logger, "locally");
    }

    public void Dispose() => Close();

    // RFC 6347 §4.3.2: a handshake record in epoch 0 whose first message is a client_hello (msg_type 1).
    private static bool IsClientHello(ReadOnlySpan<byte> datagram) =>
        datagram.Length > RecordHeaderLength && datagram[0] == ContentType.handshake && datagram[1] == 0xFE
        && datagram[3] == 0 && datagram[4] == 0 && datagram[RecordHeaderLength] == HandshakeType.client_hello;

    private void StartHandshake()
    {
        lock (_gate)
        {
            if (_state != DtlsSessionState.New)
            {
                return;
            }

            _state = DtlsSessionState.Connecting;
        }

        Interlocked.Exchange(ref _started, Stopwatch.GetTimestamp());
        Volatile.Write(ref _draining, 1); // the handshake thread drains until it hands over to the pool
        var thread = new Thread(static session => ((DtlsServerSession)session!).RunHandshake())
        {
            IsBackground = true,
            Name = "dtls-handshake",
        };
        thread.UnsafeStart(this);
        DtlsLog.HandshakeStarted(_logger);
    }

    private void RunHandshake()
    {
        DtlsTransport transport;
        try
        {
            transport = new DtlsServerProtocol().Accept(_server, _pipe);
        }
#pragma warning disable CA1031 // Any failure of the handshake ends the session; it must not escape a thread.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            End(ex);
            return;
        }

        bool closedMeanwhile;
        lock (_gate)
        {
            _transport = transport;
            closedMeanwhile = _state != DtlsSessionState.Connecting;
        }

        if (closedMeanwhile)
        {
            CloseQuietly(transport);
            return;
        }

        ConnectIfVerified();
        Drain();
    }

    private void ConnectIfVerified()
    {
        SrtpKeyingMaterial? keys = null;
        DtlsTransport? transport;
        DtlsFingerprint? expected;
        lock (_gate)
        {
            transport = _transport;
            expected = _remoteFingerprint;
            if (_state != DtlsSessionState.Connecting || transport is null || _keys is null || _peerCertificate is null)
            {
                return;
            }

            if (expected is null)
            {
                DtlsLog.AwaitingFingerprint(_logger);
                return;
            }

            if (expected.Matches(_peerCertificate))
            {
                _state = DtlsSessionState.Connected;
                keys = _keys;
            }
            else
            {
                _state = DtlsSessionState.Failed;
            }
        }

        if (keys is not null)
        {
            DtlsLog.Connected(_logger, HandshakeDuration?.TotalMilliseconds ?? 0, _server.SelectedCipherSuite, keys.Profile);
            _listener.OnDtlsConnected(this, keys);
            return;
        }

        CloseQuietly(transport);
        _pipe.Close();
        Report(DtlsFailure.FingerprintMismatch, $"the client's certificate does not match {expected}");
    }

    // After the handshake: let BouncyCastle read what was queued (it answers a retransmitted client flight, handles
    // alerts and drops corrupt records); application data is counted and ignored. One drainer at a time.
    private void Drain()
    {
        var transport = Volatile.Read(ref _transport)!;
        var buffer = _drainBuffer ??= new byte[transport.GetReceiveLimit()];
        while (true)
        {
            while (_pipe.HasPending && State is DtlsSessionState.Connecting or DtlsSessionState.Connected)
            {
                try
                {
                    // A 1 ms wait: the queue is not empty, and BouncyCastle must not sit on a pool thread.
                    if (transport.Receive(buffer, 0, buffer.Length, 1) >= 0)
                    {
                        Interlocked.Increment(ref _applicationData);
                    }
                }
#pragma warning disable CA1031 // A failed receive ends the session; it must not escape to the thread pool.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    Volatile.Write(ref _draining, 0);
                    End(ex);
                    return;
                }

                if (_closeNotifyReceived)
                {
                    Volatile.Write(ref _draining, 0);
                    End(null);
                    return;
                }
            }

            Volatile.Write(ref _draining, 0);
            if (!_pipe.HasPending || Interlocked.CompareExchange(ref _draining, 1, 0) != 0)
            {
                return;
            }
        }
    }

    // The handshake or a later receive ended: closed by the peer, failed, or already closed by us.
    private void End(Exception? error)
    {
        DtlsFailure failure;
        string detail;
        lock (_gate)
        {
            if (_state is DtlsSessionState.Failed or DtlsSessionState.Closed)
            {
                return;
            }

            if (_closeNotifyReceived)
            {
                _state = DtlsSessionState.Closed;
                failure = default;
                detail = string.Empty;
            }
            else
            {
                _state = DtlsSessionState.Failed;
                (failure, detail) = Classify(error);
            }
        }

        _pipe.Close();
        if (_closeNotifyReceived)
        {
            DtlsLog.Closed(_logger, "by the peer");
            _listener.OnDtlsClosed(this);
        }
        else
        {
            Report(failure, detail);
        }
    }

    private (DtlsFailure, string) Classify(Exception? error)
    {
        if (_refusal is { } refusal)
        {
            return refusal;
        }

        var alert = _fatalAlertReceived;
        if (alert >= 0)
        {
            return (DtlsFailure.AlertReceived, $"the client sent a fatal {AlertDescription.GetText((short)alert)} alert");
        }

        return error switch
        {
            TlsTimeoutException => (DtlsFailure.Timeout, "the handshake timed out"),
            TlsFatalAlert fatal => (DtlsFailure.Handshake, $"{AlertDescription.GetText(fatal.AlertDescription)}: {fatal.Message}"),
            null => (DtlsFailure.Handshake, "the session ended"),
            _ => (DtlsFailure.Handshake, error.Message),
        };
    }

    private void Report(DtlsFailure failure, string detail)
    {
        DtlsLog.Failed(_logger, failure, detail);
        _listener.OnDtlsFailed(this, failure, detail);
    }

    private void CloseQuietly(DtlsTransport transport)
    {
        try
        {
            transport.Close(); // sends close_notify
        }
#pragma warning disable CA1031 // Closing is best effort: the peer may be gone and the socket with it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            DtlsLog.CloseFailed(_logger, ex);
        }
    }

    // Called by the TLS server on the handshake thread.

    internal void OnClientCertificate(Certificate? certificate)
    {
        if (certificate is null || certificate.IsEmpty)
        {
            throw Refuse(DtlsFailure.NoClientCertificate, "the client sent no certificate", AlertDescription.handshake_failure);
        }

        var der = certificate.GetCertificateAt(0).GetEncoded();
        DtlsFingerprint? expected;
        lock (_gate)
        {
            _peerCertificate = der;
            expected = _remoteFingerprint;
        }

        if (expected is not null && !expected.Matches(der))
        {
            throw Refuse(DtlsFailure.FingerprintMismatch, $"the client's certificate does not match {expected}", AlertDescription.bad_certificate);
        }
    }

    internal TlsFatalAlert Refuse(DtlsFailure failure, string detail, short alert)
    {
        _refusal = (failure, detail);
        return new TlsFatalAlert(alert, detail);
    }

    internal void OnHandshakeComplete(SrtpKeyingMaterial keys)
    {
        Interlocked.Exchange(ref _handshakeTicks, Stopwatch.GetTimestamp() - Interlocked.Read(ref _started));
        lock (_gate)
        {
            _keys = keys;
        }
    }

    internal void OnAlertReceived(short level, short description)
    {
        DtlsLog.AlertReceived(_logger, AlertLevel.GetText(level), AlertDescription.GetText(description));
        if (description == AlertDescription.close_notify)
        {
            _closeNotifyReceived = true;
        }
        else if (level == AlertLevel.fatal)
        {
            _fatalAlertReceived = description;
        }
    }

    internal void OnAlertRaised(short level, short description, string? message) =>
        DtlsLog.AlertRaised(_logger, AlertLevel.GetText(level), AlertDescription.GetText(description), message);
}
