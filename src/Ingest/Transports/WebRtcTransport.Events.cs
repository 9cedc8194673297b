using System.Net.Sockets;
using Broadcast.Ingest.Dtls;
using Broadcast.Ingest.Ice;
using Broadcast.Ingest.Protocols.Srtp;

namespace Broadcast.Ingest.Transports;

// What ICE and DTLS report, and the periodic RTCP and consent work. ICE calls back on the worker; DTLS on its own
// threads, so its events are posted to the worker.
public sealed partial class WebRtcTransport
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(50);

    public void OnIceTupleAdded(IceTuple tuple) => _server?.AddTuple(tuple.Address, this);

    public void OnIceTupleRemoved(IceTuple tuple) => _server?.RemoveTuple(tuple.Address, this);

    public void OnIceSelectedTupleChanged(IceTuple tuple) => _selected = tuple.SocketAddress;

    public void OnIceStateChanged(IceState state)
    {
        if (state == IceState.Disconnected)
        {
            // Consent lost: the publisher is gone. Closing ends its producers; not from inside the agent's call.
            Worker.Post(Close);
        }
    }

    // DTLS thread: the selected tuple is read once; DTLS flights before ICE selected one have nowhere to go yet.
    // The worker's counters are not touched from here: the DTLS session counts its own datagrams, and a throw tells
    // it the send failed so that the flight is resent.
    public void SendDtlsDatagram(ReadOnlySpan<byte> datagram)
    {
        if (_selected is { } remote)
        {
            _socket.SendTo(datagram, SocketFlags.None, remote);
        }
    }

    public void OnDtlsConnected(DtlsServerSession session, SrtpKeyingMaterial keys) => Worker.Post(() =>
    {
        if (IsClosed)
        {
            return;
        }

        // As DTLS server we read what the client writes and write with our own keys.
        var profile = (SrtpProtectionProfile)(ushort)keys.Profile;
        _srtpIn = new SrtpSession(profile, keys.ClientWriteKey.Span, keys.ClientWriteSalt.Span);
        _srtpOut = new SrtpSession(profile, keys.ServerWriteKey.Span, keys.ServerWriteSalt.Span);
        foreach (var producer in Producers)
        {
            producer.RequestKeyFrame();
        }

        OnConnectedForConsumers();
        AdjustTimerPeriod();
    });

    public void OnDtlsFailed(DtlsServerSession session, DtlsFailure failure, string detail) => Worker.Post(Close);

    public void OnDtlsClosed(DtlsServerSession session) => Worker.Post(Close);

    // One loop on the worker: NACKs every tick while the transport receives media, receiver reports, REMB and the consent
    // check every second. A viewer's transport (consumers only) has no NACKs to send and wakes once a second, and one
    // not yet connected wakes only to see its connect timeout pass: a thousand viewers cost a thousand wake-ups a
    // second, not twenty thousand.
    private async Task RunTimersAsync(CancellationToken cancellationToken)
    {
        var created = Time.GetTimestamp();
        var lastSecond = created;
        try
        {
            using var timer = new PeriodicTimer(WaitingPeriod(_options.ConnectTimeout), Time);
            _timer = timer;
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(true) && !IsClosed)
            {
                if (_srtpOut is null)
                {
                    if (Time.GetElapsedTime(created) > _options.ConnectTimeout)
                    {
                        Close(); // never connected: free the port and the DTLS thread
                        return;
                    }

                    continue;
                }

                AdjustTimerPeriod();
                if (ProducerValues.Count > 0)
                {
                    Feedback.SendNacks();
                }

                if (Time.GetElapsedTime(lastSecond) >= OneSecond - Tick)
                {
                    lastSecond = Time.GetTimestamp();
                    _ice.CheckConsent();
                    Feedback.SendReceiverReports();
                    Feedback.SendEstimatedMaximumBitrate(_options.MaxIncomingBitrate);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // closed
        }
        finally
        {
            _timer = null;
        }
    }

    private static readonly TimeSpan OneSecond = TimeSpan.FromSeconds(1);

    private PeriodicTimer? _timer;

    /// <summary>Connected: every tick while it receives media (NACKs), else once a second. On the worker.</summary>
    private void AdjustTimerPeriod()
    {
        if (_timer is { } timer && _srtpOut is not null && !IsClosed)
        {
            var period = ProducerValues.Count > 0 ? Tick : OneSecond;
            if (timer.Period != period)
            {
                timer.Period = period;
            }
        }
    }

    protected override void OnProducersChanged() => AdjustTimerPeriod();

    // Until connected the loop only watches the connect timeout; DTLS connecting and producers coming or going set the
    // period of the connected transport (all on the worker).
    private static TimeSpan WaitingPeriod(TimeSpan connectTimeout) =>
        connectTimeout <= Tick ? Tick : TimeSpan.FromTicks(Math.Min(connectTimeout.Ticks / 4, OneSecond.Ticks));
}

/// <summary>Options of a WebRTC transport.</summary>
public sealed record WebRtcTransportOptions
{
    /// <summary>Address to bind when the transport has its own port; default MEDIASOUP_LISTEN_IP.</summary>
    public string? ListenIp { get; init; }

    /// <summary>Address announced in the candidate; default MEDIASOUP_ANNOUNCED_IP, else the listen address.</summary>
    public string? AnnouncedIp { get; init; }

    /// <summary>No valid ICE check for this long closes the transport; 10–60 s, 0 disables. Default 30 s.</summary>
    public TimeSpan IceConsentTimeout { get; init; } = IceLiteAgent.DefaultConsentTimeout;

    /// <summary>
    /// Not connected (DTLS done) this long after its creation, the transport closes itself; the host sets it from the
    /// same setting the cleanup job applies to transports. Default 30 s.
    /// </summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The most the publisher may send, told by REMB every second, in bits per second. Default 3 Mbit/s.</summary>
    public ulong MaxIncomingBitrate { get; init; } = 3_000_000;
}
