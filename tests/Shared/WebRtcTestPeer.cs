using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Broadcast.Ingest.Dtls;
using Broadcast.Ingest.Protocols.Rtcp;
using Broadcast.Ingest.Protocols.Stun;
using Broadcast.Ingest.Transports;

namespace Broadcast.Testing;

/// <summary>
/// An in-process WebRTC viewer on loopback, for component tests and load tools: what a browser's receive-only peer
/// connection does against one of our WebRTC transports, on a UDP socket of its own. It is the ICE controlling agent
/// (Binding requests with USE-CANDIDATE, then one every <see cref="WebRtcTestPeerOptions.ConsentInterval"/> for
/// consent), the DTLS client (BouncyCastle, use_srtp, the server's certificate checked against its fingerprint), and
/// then an SRTP receiver that counts, keeps and reports what arrives, and sends RTCP feedback (RR, NACK, PLI, FIR, REMB).
/// <code>
///   await using var peer = new WebRtcTestPeer(transport.IceParameters, transport.Candidates[0], transport.DtlsParameters);
///   await transport.ConnectAsync(peer.DtlsParameters);
///   await peer.ConnectAsync();
/// </code>
/// Threads: one receive loop owns the inbound SRTP state and updates the statistics under a lock; a consent loop sends
/// the Binding requests; BouncyCastle's blocking DTLS client has a thread of its own during the handshake only, and the
/// DTLS records that come later (the server's close_notify) are read on the thread pool. Public members are
/// thread-safe. Dispose sends close_notify and ends every loop and thread before closing the socket.
/// </summary>
public sealed partial class WebRtcTestPeer : IAsyncDisposable
{
    /// <summary>What <see cref="WaitUntilAsync"/> waits at most unless told.</summary>
    public static readonly TimeSpan DefaultWaitTimeout = TimeSpan.FromSeconds(30);

    private const string IceCharacters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    private const uint CandidatePriority = 1853824767; // a host candidate's, as Chrome computes it
    private const int RememberedTransactions = 8;
    private const int StunBufferLength = 256;

    private readonly Socket _socket;
    private readonly WebRtcTestPeerOptions _options;
    private readonly IPEndPoint _remote;
    private readonly byte[] _username;
    private readonly byte[] _serverPassword;
    private readonly ulong _tieBreaker = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
    private readonly byte[] _transactions = new byte[RememberedTransactions * StunMessage.TransactionIdLength];
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _iceConnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _nextTransaction;
    private Task _receiveLoop = Task.CompletedTask;
    private Task _consentLoop = Task.CompletedTask;
    private Task _handshake = Task.CompletedTask;
    private TaskCompletionSource? _pulse;
    private int _connectStarted;
    private int _disposed;
    private long _stunRequestsSent;
    private long _stunResponsesReceived;
    private long _sendErrors;

    /// <summary>Binds a socket on 127.0.0.1 and connects it to <paramref name="serverCandidate"/>; nothing is sent yet.</summary>
    /// <param name="serverIce">The transport's ICE parameters (its ufrag keys our USERNAME, its password our MESSAGE-INTEGRITY).</param>
    /// <param name="serverCandidate">Where the transport listens.</param>
    /// <param name="serverDtls">The transport's fingerprints; the server's certificate must match one.</param>
    /// <param name="options">Defaults when null.</param>
    public WebRtcTestPeer(IceParameters serverIce, IceCandidate serverCandidate, DtlsParameters serverDtls, WebRtcTestPeerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(serverIce);
        ArgumentNullException.ThrowIfNull(serverCandidate);
        ArgumentNullException.ThrowIfNull(serverDtls);
        _options = options ?? new WebRtcTestPeerOptions();
        _options.Validate();
        var serverFingerprint = ChooseFingerprint(serverDtls);
        UsernameFragment = RandomNumberGenerator.GetString(IceCharacters, 8);
        Password = RandomNumberGenerator.GetString(IceCharacters, 24);
        _username = Encoding.UTF8.GetBytes($"{serverIce.UsernameFragment}:{UsernameFragment}");
        _serverPassword = Encoding.UTF8.GetBytes(serverIce.Password);
        _remote = new IPEndPoint(IPAddress.Parse(serverCandidate.Ip), serverCandidate.Port);
        _history = new RtpPacketInfo[_options.History];
        Ssrc = BitConverter.ToUInt32(RandomNumberGenerator.GetBytes(4)) | 1; // never 0
        _cname = Encoding.UTF8.GetBytes(_options.Cname);

        var (certificateDer, privateKey) = CreateCertificate();
        var fingerprint = DtlsFingerprint.Compute(DtlsFingerprint.Sha256, certificateDer);
        DtlsParameters = new DtlsParameters("client", [new DtlsFingerprintParameters(fingerprint.Algorithm, fingerprint.Value)]);

        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 1 << 20 };
        try
        {
            _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _socket.Connect(_remote);
        }
        catch
        {
            _socket.Dispose();
            throw;
        }

        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _dtlsPipe = new DtlsPipe(_socket);
        _tlsClient = new PeerTlsClient(this, certificateDer, privateKey, serverFingerprint);
    }

    /// <summary>The peer's own DTLS parameters, role "client": give them to the transport's <c>ConnectAsync</c>.</summary>
    public DtlsParameters DtlsParameters { get; }

    /// <summary>The peer's ICE ufrag (the second half of the USERNAME it sends).</summary>
    public string UsernameFragment { get; }

    /// <summary>The peer's ICE password (an ICE-lite server never checks the peer, so nothing uses it).</summary>
    public string Password { get; }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The SSRC of the RTCP the peer sends.</summary>
    public uint Ssrc { get; }

    /// <summary>True once a Binding request was answered with a success response that verifies.</summary>
    public bool IsIceConnected => _iceConnected.Task.IsCompletedSuccessfully;

    /// <summary>True once the DTLS handshake is done and the SRTP keys are set, until disposed.</summary>
    public bool IsConnected => Volatile.Read(ref _srtp) is not null && Volatile.Read(ref _disposed) == 0;

    /// <summary>The profile the server chose in use_srtp, once connected.</summary>
    public SrtpProfile? SrtpProfile => _tlsClient.Keys?.Profile;

    public long StunRequestsSent => Interlocked.Read(ref _stunRequestsSent);

    public long StunResponsesReceived => Interlocked.Read(ref _stunResponsesReceived);

    /// <summary>Datagrams the socket refused to send (the transport's port gone, for one).</summary>
    public long SendErrors => Interlocked.Read(ref _sendErrors);

    /// <summary>
    /// ICE (until a check is answered), then the DTLS handshake, then the SRTP keys: returns when RTP and RTCP can
    /// flow. The Binding requests go on as consent until disposed. Callable once.
    /// </summary>
    /// <exception cref="TimeoutException">Not connected within <see cref="WebRtcTestPeerOptions.ConnectTimeout"/>.</exception>
    /// <exception cref="InvalidOperationException">The transport refused the ICE check (an error response).</exception>
    /// <exception cref="IOException">The DTLS handshake failed (BouncyCastle's TLS exception says why).</exception>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Interlocked.Exchange(ref _connectStarted, 1) != 0)
        {
            throw new InvalidOperationException("ConnectAsync was already called.");
        }

        var stopping = _stopping.Token;
        _receiveLoop = Task.Run(() => RunReceiveLoopAsync(stopping), CancellationToken.None);
        _consentLoop = Task.Run(() => RunConsentLoopAsync(stopping), CancellationToken.None);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping);
        limit.CancelAfter(_options.ConnectTimeout);
        try
        {
            await _iceConnected.Task.WaitAsync(limit.Token).ConfigureAwait(false);
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            _handshake = Task.Factory.StartNew(RunHandshake, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            await _handshake.WaitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            ObjectDisposedException.ThrowIf(stopping.IsCancellationRequested, this);
            throw new TimeoutException(IsIceConnected
                ? $"The DTLS handshake with {_remote} did not finish within {_options.ConnectTimeout.TotalSeconds} s."
                : $"No ICE check to {_remote} was answered within {_options.ConnectTimeout.TotalSeconds} s ({StunRequestsSent} sent).");
        }
    }

    /// <summary>
    /// Returns once <paramref name="condition"/> holds. It is checked now and again after every datagram the peer
    /// receives, so nothing polls: a condition on anything else than what arrives is not woken up.
    /// </summary>
    /// <exception cref="TimeoutException">It did not hold within <paramref name="timeout"/> (default <see cref="DefaultWaitTimeout"/>).</exception>
    public async Task WaitUntilAsync(Func<WebRtcTestPeer, bool> condition, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var limit = timeout ?? DefaultWaitTimeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(limit);
        while (!condition(this))
        {
            var pulse = Volatile.Read(ref _pulse);
            if (pulse is null)
            {
                var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                pulse = Interlocked.CompareExchange(ref _pulse, created, null) ?? created;
            }

            if (condition(this))
            {
                return; // it became true while the pulse was being set up
            }

            try
            {
                await pulse.Task.WaitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"Not true within {limit.TotalSeconds} s: {this}.");
            }
        }
    }

    /// <summary>Returns once <paramref name="count"/> RTP packets in all have been received.</summary>
    public Task WaitForRtpAsync(long count, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        WaitUntilAsync(peer => peer.RtpPacketsReceived >= count, timeout, cancellationToken);

    /// <summary>The first sender report from <paramref name="ssrc"/>, or the last one if some came already.</summary>
    public async Task<SenderReport> WaitForSenderReportAsync(uint ssrc, TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        await WaitUntilAsync(peer => peer.GetLastSenderReport(ssrc) is not null, timeout, cancellationToken).ConfigureAwait(false);
        return GetLastSenderReport(ssrc)!.Value;
    }

    /// <summary>Counters in one line, for test failure messages.</summary>
    public override string ToString() =>
        $"peer {LocalEndPoint} → {_remote}: ICE {(IsIceConnected ? "connected" : "not connected")} ({StunRequestsSent} checks, " +
        $"{StunResponsesReceived} answers), DTLS {(IsConnected ? SrtpProfile.ToString() : "not connected")}, RTP {RtpPacketsReceived} " +
        $"received, {RtpPacketsDropped} dropped on purpose, RTCP {RtcpPacketsReceived} received, {RtcpPacketsSent} sent, " +
        $"SRTP failures {SrtpFailures}, replays {SrtpReplays}";

    /// <summary>
    /// Sends close_notify when connected, then stops the loops and the DTLS thread, waits for them, and closes the
    /// socket. An exception thrown by an event handler (which ended the receive loop) is rethrown here.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            CloseDtls();
            await _stopping.CancelAsync().ConfigureAwait(false);
            // A handshake that failed or timed out has already been reported by ConnectAsync: its end is only awaited.
            await Task.WhenAll(_consentLoop, _handshake.ContinueWith(static handshake => _ = handshake.Exception, TaskScheduler.Default))
                .ConfigureAwait(false);
            await _receiveLoop.ConfigureAwait(false);
        }
        finally
        {
            lock (_sendGate)
            {
                Volatile.Read(ref _srtp)?.Dispose();
            }

            _socket.Dispose();
            _dtlsPipe.Dispose();
            _stopping.Dispose();
            Interlocked.Exchange(ref _pulse, null)?.TrySetResult();
        }
    }

    // Consent and the first checks alike: RFC 8445 §7.2.4 for ICE, RFC 7675 for consent, every ConsentInterval.
    private async Task RunConsentLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var timer = new PeriodicTimer(_options.ConsentInterval);
            do
            {
                SendBindingRequest();
            }
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            // disposed
        }
    }

    private void SendBindingRequest()
    {
        Span<byte> transactionId = stackalloc byte[StunMessage.TransactionIdLength];
        RandomNumberGenerator.Fill(transactionId);
        lock (_gate)
        {
            var slot = _nextTransaction++ % RememberedTransactions;
            transactionId.CopyTo(_transactions.AsSpan(slot * StunMessage.TransactionIdLength));
        }

        Span<byte> buffer = stackalloc byte[StunBufferLength];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, transactionId);
        writer.AddAttribute(StunAttributeType.Username, _username);
        writer.AddUInt32(StunAttributeType.Priority, CandidatePriority);
        writer.AddUInt64(StunAttributeType.IceControlling, _tieBreaker);
        writer.AddAttribute(StunAttributeType.UseCandidate, []);
        writer.AddMessageIntegrity(_serverPassword);
        writer.AddFingerprint();
        if (writer.TryComplete(out var length) && TrySend(buffer[..length]))
        {
            Interlocked.Increment(ref _stunRequestsSent);
        }
    }

    // On the receive loop: an answer to one of our recent checks, authenticated with the server's password.
    private void OnStun(ReadOnlySpan<byte> datagram)
    {
        if (!StunMessage.TryParse(datagram, out var message) || message.Method != StunMessageType.BindingMethod
            || !IsOurTransaction(message.TransactionId(datagram)))
        {
            Interlocked.Increment(ref _unknownDatagrams);
            return;
        }

        if (message.Class == StunClass.SuccessResponse && StunFingerprint.Verify(datagram, message)
            && StunMessageIntegrity.Verify(datagram, message, _serverPassword))
        {
            Interlocked.Increment(ref _stunResponsesReceived);
            _iceConnected.TrySetResult();
        }
        else if (message.Class == StunClass.ErrorResponse)
        {
            var code = StunErrorCode.TryParse(message.ErrorCode(datagram), out var parsed, out _) ? parsed : 0;
            _iceConnected.TrySetException(new InvalidOperationException($"The transport answered the ICE check with error {code}."));
        }
    }

    private bool IsOurTransaction(ReadOnlySpan<byte> transactionId)
    {
        lock (_gate)
        {
            for (var i = 0; i < RememberedTransactions; i++)
            {
                if (transactionId.SequenceEqual(_transactions.AsSpan(i * StunMessage.TransactionIdLength, StunMessage.TransactionIdLength)))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private bool TrySend(ReadOnlySpan<byte> datagram)
    {
        try
        {
            _socket.Send(datagram);
            return true;
        }
        catch (SocketException)
        {
            Interlocked.Increment(ref _sendErrors);
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    // Wakes WaitUntilAsync: a fresh pulse is made only while someone waits.
    private void Pulse() => Interlocked.Exchange(ref _pulse, null)?.TrySetResult();

    private static DtlsFingerprint ChooseFingerprint(DtlsParameters serverDtls)
    {
        // As the server reads ours: the last one we can check.
        for (var i = serverDtls.Fingerprints.Count - 1; i >= 0; i--)
        {
            var fingerprint = serverDtls.Fingerprints[i];
            if (DtlsFingerprint.TryParse(fingerprint.Algorithm, fingerprint.Value, out var parsed))
            {
                return parsed;
            }
        }

        throw new ArgumentException("The server's DTLS parameters have no fingerprint we can check.", nameof(serverDtls));
    }
}
