using System.Diagnostics;
using Org.BouncyCastle.Tls;

namespace Broadcast.Ingest.Dtls;

// The session's own threads: the handshake thread, the pool batches after it, and the callbacks of the TLS server.
public sealed partial class DtlsServerSession
{
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
            Notify(DtlsSessionState.Connected, keys, default, string.Empty);
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
            Notify(DtlsSessionState.Closed, null, default, string.Empty);
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
        Notify(DtlsSessionState.Failed, null, failure, detail);
    }

    // The listener runs on our threads: an exception there must not take the process down with an unhandled exception.
    private void Notify(DtlsSessionState outcome, SrtpKeyingMaterial? keys, DtlsFailure failure, string detail)
    {
        try
        {
            switch (outcome)
            {
                case DtlsSessionState.Connected:
                    _listener.OnDtlsConnected(this, keys!);
                    break;
                case DtlsSessionState.Failed:
                    _listener.OnDtlsFailed(this, failure, detail);
                    break;
                default:
                    _listener.OnDtlsClosed(this);
                    break;
            }
        }
#pragma warning disable CA1031 // See above; the listener's own bug is logged.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            DtlsLog.ListenerFailed(_logger, outcome, ex);
        }
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

    internal void OnCipherSuiteSelected(int minimumProtectedRecord) => _pipe.MinimumProtectedRecord = minimumProtectedRecord;

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
