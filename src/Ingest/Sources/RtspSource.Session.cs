using System.Globalization;
using System.Net;
using Broadcast.Ingest.Protocols.Rtsp;
using Broadcast.Ingest.Protocols.Sdp;

namespace Broadcast.Ingest.Sources;

// One session: OPTIONS, DESCRIBE (following redirects), SETUP per track, PLAY, then keep it alive until it ends.
public sealed partial class RtspSource
{
    private static readonly TimeSpan TeardownTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);

    private async Task<SessionEnd> RunSessionAsync(CancellationToken cancellationToken)
    {
        var session = new SessionContext(Settings.Url);
        try
        {
            var sdp = await DescribeAsync(session, cancellationToken).ConfigureAwait(true);
            var chosen = ChooseTracks(session, sdp);
            var transport = await RtspSourceTransport.CreateAsync(_transports, _router, chosen).ConfigureAwait(true);
            session.Transport = transport;
            var switchToTcp = await SetupAsync(session, transport, chosen, cancellationToken).ConfigureAwait(true);
            if (switchToTcp)
            {
                await transport.CloseAsync().ConfigureAwait(true);
                return new SessionEnd(RtspFailure.Failed, "The camera refused UDP.", Played: false, SwitchToTcp: true);
            }

            // The new session replaces the previous one's producers (the HLS pipeline restarts FFmpeg on them, and
            // its playlist continues after a discontinuity).
            var previous = _transport;
            _transport = transport;
            if (previous is not null)
            {
                await previous.CloseAsync().ConfigureAwait(true);
            }

            await transport.CreateProducersAsync().ConfigureAwait(true);
            await PlayAsync(session, sdp, cancellationToken).ConfigureAwait(true);
            return await KeepPlayingAsync(session, transport, cancellationToken).ConfigureAwait(true);
        }
        finally
        {
            if (session.Transport is { } transport && transport != _transport)
            {
                await transport.CloseAsync().ConfigureAwait(true); // set up but never played: nothing to keep
            }

            session.Transport?.Detach();
            if (session.Connection is { } connection)
            {
                await TeardownAsync(session, connection).ConfigureAwait(true);
                _bytesSkipped += connection.BytesSkipped;
                await connection.DisposeAsync().ConfigureAwait(true);
            }
        }
    }

    private async Task<SessionDescription> DescribeAsync(SessionContext session, CancellationToken cancellationToken)
    {
        for (var redirects = 0; ; redirects++)
        {
            session.Connection = await RtspConnection.ConnectAsync(session.Url.Host, session.Url.Port, _options.ConnectTimeout, cancellationToken)
                .ConfigureAwait(true);
            var options = await RequestAsync(session, "OPTIONS", session.Url.ToString(), null, cancellationToken).ConfigureAwait(true);
            if (IsRedirect(options.StatusCode) && options.Headers.Get("Location") is not null)
            {
                await RedirectAsync(session, options, redirects).ConfigureAwait(true);
                continue;
            }

            var methods = options.IsSuccess ? options.Headers.Get("Public") ?? "" : "";
            session.KeepAliveMethod = methods.Contains("GET_PARAMETER", StringComparison.OrdinalIgnoreCase) ? "GET_PARAMETER" : "OPTIONS";
            var describe = await RequestAsync(session, "DESCRIBE", session.Url.ToString(), h => h.Add("Accept", "application/sdp"), cancellationToken)
                .ConfigureAwait(true);
            if (IsRedirect(describe.StatusCode))
            {
                await RedirectAsync(session, describe, redirects).ConfigureAwait(true);
                continue;
            }

            EnsureSuccess("DESCRIBE", describe);
            if (!SessionDescription.TryParse(describe.Body, out var sdp))
            {
                throw new RtspSessionException(RtspFailure.Failed, "The camera's DESCRIBE answer is not a session description.");
            }

            session.BaseUrl = BaseUrl(describe) ?? session.Url.ToString();
            return sdp;
        }
    }

    private async Task RedirectAsync(SessionContext session, RtspResponse response, int redirects)
    {
        var location = response.Headers.Get("Location");
        if (redirects >= _options.MaxRedirects || !RtspUrl.TryParse(location, out var target))
        {
            throw new RtspSessionException(RtspFailure.Failed, redirects >= _options.MaxRedirects
                ? $"More than {_options.MaxRedirects} redirects."
                : $"The camera redirects to an unusable location ({response.StatusCode}).");
        }

        _logger.Redirected(ChannelId, target.ToString());
        session.Url = target;
        if (session.Connection is { } connection)
        {
            await connection.DisposeAsync().ConfigureAwait(true);
            session.Connection = null;
        }
    }

    private List<RtspTrack> ChooseTracks(SessionContext session, SessionDescription sdp)
    {
        var tracks = RtspTrack.FromSdp(sdp, session.BaseUrl);
        _tracks = tracks;
        var chosen = new List<RtspTrack>();
        foreach (var track in tracks)
        {
            if (track.Unsupported is not null)
            {
                _logger.TrackIgnored(ChannelId, track.Index, track.Kind, track.EncodingName, track.Unsupported);
            }
            else if (!chosen.Exists(c => c.Kind == track.Kind))
            {
                chosen.Add(track); // one video and one audio track: what one FFmpeg per channel takes
            }
        }

        if (chosen.Count == 0)
        {
            throw new RtspSessionException(RtspFailure.Failed, tracks.Count == 0
                ? "The camera describes no audio or video track."
                : "No track the appliance can take: " + string.Join("; ", tracks.Select(t => $"{t.Kind} {t.EncodingName}: {t.Unsupported}")) + ".");
        }

        return chosen;
    }

    // SETUP each track; true when the camera refused UDP and the source may switch to TCP.
    private async Task<bool> SetupAsync(SessionContext session, RtspSourceTransport transport, List<RtspTrack> tracks,
        CancellationToken cancellationToken)
    {
        for (var i = 0; i < tracks.Count; i++)
        {
            RtspTransportHeader offer;
            if (_useTcp)
            {
                offer = new RtspTransportHeader { Profile = "RTP/AVP/TCP", Interleaved = (2 * i, (2 * i) + 1) };
            }
            else
            {
                (int, int) ports;
                try
                {
                    ports = transport.BindUdp(i);
                }
                catch (Net.PortsExhaustedException ex)
                {
                    throw new RtspSessionException(RtspFailure.Failed, ex.Message, ex);
                }

                offer = new RtspTransportHeader { Profile = "RTP/AVP", ClientPorts = ports };
            }

            var answer = await RequestAsync(session, "SETUP", tracks[i].ControlUrl, h => h.Add("Transport", offer.ToString()), cancellationToken)
                .ConfigureAwait(true);
            if (!_useTcp && Settings.Transport == RtspTransportMode.Auto && answer.StatusCode == 461)
            {
                return true;
            }

            EnsureSuccess("SETUP", answer);
            if (session.Id is null)
            {
                if (!RtspSessionHeader.TryParse(answer.Headers.Get("Session"), out var header))
                {
                    throw new RtspSessionException(RtspFailure.Failed, "The camera's SETUP answer has no session.");
                }

                session.Id = header.Id;
                session.TimeoutSeconds = header.TimeoutSeconds;
            }

            RtspTransportHeader.TryParse(answer.Headers.Get("Transport"), out var confirmed);
            if (_useTcp)
            {
                var channels = confirmed?.Interleaved ?? offer.Interleaved!.Value;
                transport.SetInterleaved(i, channels.Rtp, channels.Rtcp);
            }
            else
            {
                if (confirmed is { IsTcp: true })
                {
                    throw new RtspSessionException(RtspFailure.Failed, "The camera answered a UDP SETUP with TCP.");
                }

                var source = confirmed?.Source is { } named && IPAddress.TryParse(named, out var address) ? address : session.Connection!.RemoteAddress;
                transport.SetUdpRemote(i, source, confirmed?.ServerPorts);
            }
        }

        if (_useTcp)
        {
            transport.AttachConnection(session.Connection!);
        }

        return false;
    }

    private async Task PlayAsync(SessionContext session, SessionDescription sdp, CancellationToken cancellationToken)
    {
        var aggregate = RtspUrl.ResolveControl(session.BaseUrl, sdp.Control);
        session.AggregateUrl = aggregate;
        var play = await RequestAsync(session, "PLAY", aggregate, h => h.Add("Range", "npt=0.000-"), cancellationToken).ConfigureAwait(true);
        EnsureSuccess("PLAY", play);
        _sessions++;
        _sessionTimeout = session.TimeoutSeconds;
        session.Transport!.IsPlaying = true;
        _lastError = null;
        SetState(RtspSourceState.Playing);
        _playingSince = _time.GetUtcNow();
        var tracks = string.Join(" + ", Enumerable.Range(0, session.Transport.TrackCount).Select(i => session.Transport.Track(i).EncodingName));
        _logger.Playing(ChannelId, tracks, _useTcp ? "tcp" : "udp", session.TimeoutSeconds);
    }

    // Until the connection closes, media stops, a keep-alive fails or the channel is deleted.
    private async Task<SessionEnd> KeepPlayingAsync(SessionContext session, RtspSourceTransport transport, CancellationToken cancellationToken)
    {
        var connection = session.Connection!;
        var started = _time.GetTimestamp();
        // Well inside the session timeout: half of it, so one lost keep-alive still leaves time for the next.
        var keepAliveEvery = TimeSpan.FromSeconds(Math.Max(1, session.TimeoutSeconds / 2.0));
        var nextKeepAlive = started + Ticks(keepAliveEvery);
        var nextReport = started + Ticks(TimeSpan.FromSeconds(1));
        while (true)
        {
            await Task.WhenAny(connection.Closed, Task.Delay(Tick, _time, cancellationToken)).ConfigureAwait(true);
            cancellationToken.ThrowIfCancellationRequested();
            var played = transport.TrackPackets > 0;
            if (connection.Closed.IsCompleted)
            {
                return new SessionEnd(RtspFailure.Failed, $"The camera closed the connection ({connection.CloseReason ?? "no reason"}).", played);
            }

            var now = _time.GetTimestamp();
            if (!played && !_useTcp && Settings.Transport == RtspTransportMode.Auto && now - started > Ticks(_options.UdpFallbackTimeout))
            {
                _logger.FallingBackToTcp(ChannelId, _options.UdpFallbackTimeout.TotalSeconds);
                return new SessionEnd(RtspFailure.Failed, "No RTP over UDP.", Played: false, SwitchToTcp: true);
            }

            var lastPacket = Enumerable.Range(0, transport.TrackCount).Max(transport.LastPacketTicks);
            if (now - Math.Max(lastPacket, started) > Ticks(_options.MediaTimeout))
            {
                return new SessionEnd(RtspFailure.Failed, string.Create(CultureInfo.InvariantCulture,
                    $"No media for {_options.MediaTimeout.TotalSeconds:0.#} s over {(_useTcp ? "TCP" : "UDP")}."), played);
            }

            if (now >= nextReport)
            {
                transport.SendTrackReceiverReports();
                nextReport = now + Ticks(_options.ReceiverReportInterval);
            }

            if (now >= nextKeepAlive)
            {
                await KeepAliveAsync(session, cancellationToken).ConfigureAwait(true);
                nextKeepAlive = _time.GetTimestamp() + Ticks(keepAliveEvery);
            }
        }
    }

    private async Task KeepAliveAsync(SessionContext session, CancellationToken cancellationToken)
    {
        var method = session.KeepAliveMethod;
        var uri = method == "OPTIONS" ? session.Url.ToString() : session.BaseUrl;
        var answer = await RequestAsync(session, method, uri, null, cancellationToken).ConfigureAwait(true);
        _logger.KeepAlive(ChannelId, method, answer.StatusCode);
        if (!answer.IsSuccess && method == "GET_PARAMETER")
        {
            session.KeepAliveMethod = "OPTIONS"; // listed but not implemented: fall back
        }
        else if (answer.StatusCode == 454)
        {
            throw new RtspSessionException(RtspFailure.Failed, "The camera forgot the session (454 Session Not Found).");
        }
    }

    private async Task TeardownAsync(SessionContext session, RtspConnection connection)
    {
        if (session.Id is null || connection.Closed.IsCompleted)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TeardownTimeout);
            await RequestAsync(session, "TEARDOWN", session.AggregateUrl ?? session.BaseUrl, null, timeout.Token).ConfigureAwait(true);
        }
        catch (Exception ex) when (ex is RtspSessionException or OperationCanceledException)
        {
            // The camera forgets the session when the connection closes or the session times out.
        }
    }

    // Sends a request with the session and credentials, answering 401 challenges (and stale nonces) a few times.
    private async Task<RtspResponse> RequestAsync(SessionContext session, string method, string uri, Action<RtspHeaders>? headers,
        CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var request = new RtspRequest(method, uri);
            request.Headers.Add("User-Agent", _options.UserAgent);
            if (session.Id is not null)
            {
                request.Headers.Add("Session", session.Id);
            }

            headers?.Invoke(request.Headers);
            _authenticator.Authorize(request);
            var answer = await session.Connection!.SendAsync(request, _options.RequestTimeout, cancellationToken).ConfigureAwait(true);
            if (answer.StatusCode == 401)
            {
                var hadAuthorization = request.Headers.Get("Authorization") is not null;
                // The challenge, then perhaps a renewed nonce: a third 401 for one request is a refusal.
                if (!_authenticator.OnUnauthorized(answer, hadAuthorization, out var reason) || attempt >= 2)
                {
                    throw new RtspSessionException(RtspFailure.AuthenticationFailed,
                        $"{method} answered 401 Unauthorized: {(reason.Length > 0 && attempt < 2 ? reason : "the camera refused the credentials.")}");
                }

                continue;
            }

            if (answer.StatusCode == 403)
            {
                throw new RtspSessionException(RtspFailure.AuthenticationFailed, $"{method} answered 403 Forbidden: the credentials lack the right.");
            }

            return answer;
        }
    }

    private static void EnsureSuccess(string method, RtspResponse answer)
    {
        if (!answer.IsSuccess)
        {
            throw new RtspSessionException(RtspFailure.Failed, $"{method} answered {answer.StatusCode} {answer.Reason}".TrimEnd() + ".");
        }
    }

    private static bool IsRedirect(int status) => status is 301 or 302 or 303 or 305 or 307;

    private static string? BaseUrl(RtspResponse describe)
    {
        foreach (var name in new[] { "Content-Base", "Content-Location" })
        {
            if (describe.Headers.Get(name) is { } value && value.StartsWith("rtsp://", StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return null;
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    /// <summary>One session's protocol state.</summary>
    private sealed class SessionContext(RtspUrl url)
    {
        public RtspUrl Url { get; set; } = url;
        public RtspConnection? Connection { get; set; }
        public string BaseUrl { get; set; } = url.ToString();
        public string? AggregateUrl { get; set; }
        public string? Id { get; set; }
        public int TimeoutSeconds { get; set; } = RtspSessionHeader.DefaultTimeoutSeconds;
        public string KeepAliveMethod { get; set; } = "OPTIONS";
        public RtspSourceTransport? Transport { get; set; }
    }
}
