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
public sealed partial class DtlsServerSession : IDisposable
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

    /// <summary>The negotiated profile and keys while the session is connected (also given to <see cref="IDtlsSessionListener.OnDtlsConnected"/>).</summary>
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

    /// <summary>Datagrams without a single well-formed DTLS record.</summary>
    public long DatagramsMalformed => _pipe.Malformed;

    /// <summary>Datagrams ignored before the handshake because they were not a ClientHello.</summary>
    public long DatagramsIgnored => Interlocked.Read(ref _ignored);

    /// <summary>Datagrams handed to the listener to send.</summary>
    public long DatagramsSent => _pipe.Sent;

    /// <summary>Datagrams whose send threw in the listener (counted as lost).</summary>
    public long SendFailures => _pipe.SendFailures;

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
}
